"""Properties of the load model that must hold for any history (hypothesis)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from syncsvc.domain import Activity, Profile, Sex, Source, Sport
from syncsvc.load.activity import score_activities
from syncsvc.load.analysis import analyse_load
from syncsvc.load.columns import activity_columns
from syncsvc.load.parameters import LoadParameters, ParameterSource, resolve_parameters
from syncsvc.load.series import daily_sums
from syncsvc.load.settings import HeartRateSettings, LoadSettings
from syncsvc.load.trimp import banister_trimp

SETTINGS = LoadSettings()
TODAY = date(2026, 3, 29)  # Europe's spring-forward Sunday
ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "America/St_Johns",
]
FIXED = LoadParameters(
    hr_rest=50,
    hr_rest_source=ParameterSource.PROFILE,
    hr_max=190,
    hr_max_source=ParameterSource.PROFILE,
    hr_threshold=162,
    hr_threshold_source=ParameterSource.PROFILE,
    threshold_pace_s_per_km=280,
    threshold_pace_source=ParameterSource.PROFILE,
    pace_to_trimp=1.5,
    pace_to_trimp_source=ParameterSource.DEFAULT,
    sex=None,
)


@st.composite
def activities(draw: st.DrawFn) -> Activity:
    """Any activity of the last ~100 days, in any zone, with any mix of missing data."""
    zone = draw(st.sampled_from(ZONES))
    start_utc = datetime(2025, 12, 20, tzinfo=UTC) + timedelta(
        seconds=draw(st.integers(0, 100 * 86400))
    )
    offset = ZoneInfo(zone).utcoffset(start_utc.replace(tzinfo=None)) or timedelta(0)
    sport = draw(st.sampled_from(list(Sport)))
    return Activity(
        source=Source.STRAVA,
        source_id=str(draw(st.integers(0, 10**9))),
        start_utc=start_utc,
        sport=sport,
        sport_raw=sport.value,
        utc_offset_s=int(offset.total_seconds()),
        timezone=zone,
        distance_m=draw(st.none() | st.floats(0, 60_000)),
        moving_s=draw(st.none() | st.floats(0, 6 * 3600)),
        avg_hr=draw(st.none() | st.floats(30, 240)),
        max_hr=draw(st.none() | st.floats(30, 240)),
        elevation_gain_m=draw(st.none() | st.floats(-10, 3000)),
        workout_type=draw(st.none() | st.sampled_from([0, 1, 2, 3])),
        is_race=draw(st.booleans()),
        athlete_id=1,
    )


histories = st.lists(activities(), max_size=40)
profiles = st.builds(
    Profile,
    timezone=st.sampled_from(ZONES),
    sex=st.none() | st.sampled_from(list(Sex)),
    hr_rest=st.none() | st.integers(40, 70),
    hr_max=st.none() | st.integers(170, 205),
    long_run_days=st.lists(st.integers(0, 6), max_size=2).map(tuple),
)


@settings(max_examples=100, deadline=None)
@given(history=histories, profile=profiles)
def test_no_activity_load_and_no_day_load_is_ever_negative(
    history: list[Activity], profile: Profile
) -> None:
    analysis = analyse_load(history, profile, SETTINGS, TODAY)
    assert all(load.load >= 0 for load in analysis.activity_loads)
    assert all(day.load >= 0 and day.atl >= 0 and day.ctl >= 0 for day in analysis.days)


@settings(max_examples=100, deadline=None)
@given(
    minutes=st.floats(1, 300),
    extra_minutes=st.floats(0.5, 60),
    avg_hr=st.floats(40, 200),
    extra_hr=st.floats(0.5, 30),
    sex=st.none() | st.sampled_from(list(Sex)),
)
def test_trimp_grows_with_duration_and_with_heart_rate(
    minutes: float, extra_minutes: float, avg_hr: float, extra_hr: float, sex: Sex | None
) -> None:
    hr = HeartRateSettings()

    def trimp(duration: float, heart_rate: float) -> float:
        return float(
            banister_trimp(duration, heart_rate, hr_rest=50, hr_max=190, sex=sex, settings=hr)
        )

    assert trimp(minutes + extra_minutes, avg_hr) >= trimp(minutes, avg_hr)
    assert trimp(minutes, avg_hr + extra_hr) >= trimp(minutes, avg_hr)
    if avg_hr > 50 and avg_hr + extra_hr < 190:  # inside the reserve it strictly grows
        assert trimp(minutes, avg_hr + extra_hr) > trimp(minutes, avg_hr)
        assert trimp(minutes + extra_minutes, avg_hr) > trimp(minutes, avg_hr)


@settings(max_examples=100, deadline=None)
@given(
    history=histories,
    profile=profiles,
    today_shift=st.integers(-120, 60),
    horizon=st.integers(0, 21),
)
def test_the_series_has_exactly_one_row_per_day_from_start_to_horizon(
    history: list[Activity], profile: Profile, today_shift: int, horizon: int
) -> None:
    today = TODAY + timedelta(days=today_shift)
    analysis = analyse_load(history, profile, SETTINGS, today, horizon_days=horizon)
    days = [day.day for day in analysis.days]
    assert days == [days[0] + timedelta(days=n) for n in range(len(days))]
    assert days[0].weekday() == 0
    assert days[-1] >= today + timedelta(days=horizon)
    assert len(analysis.frame) == len(days)
    assert analysis.frame.index.is_unique
    assert analysis.frame.index.is_monotonic_increasing
    forecast = [day.forecast for day in analysis.days]
    assert forecast == sorted(forecast)  # past days, then forecast days, never mixed
    assert all(day.day >= today for day in analysis.forecast)


@settings(max_examples=60, deadline=None)
@given(history=histories, profile=profiles, today_shift=st.integers(-120, 60))
def test_the_days_say_what_the_frame_says_row_by_row(
    history: list[Activity], profile: Profile, today_shift: int
) -> None:
    """`days` and `frame` are built from the same columns: each day is its frame row."""
    analysis = analyse_load(history, profile, SETTINGS, TODAY + timedelta(days=today_shift))
    frame = analysis.frame
    assert frame is not None
    rows = frame.reset_index().to_dict("records")
    assert len(rows) == len(analysis.days)
    for day, row in zip(analysis.days, rows, strict=True):
        assert day.day == row["date"].date()
        assert (day.day_class.value, day.reason, day.class_source.value) == (
            row["day_class"],
            row["reason"],
            row["class_source"],
        )
        assert (day.forecast, day.activity_count) == (row["forecast"], row["activity_count"])
        for name in ("load", "confidence", "distance_m", "running_s", "longest_run_s"):
            assert getattr(day, name) == row[name], name
        for name in ("atl", "ctl", "tsb"):
            assert getattr(day, name) == row[name], name
        for name in ("acwr", "acwr_rolling"):
            value = getattr(day, name)
            assert (value is None and np.isnan(row[name])) or value == row[name], name


@settings(max_examples=100, deadline=None)
@given(history=histories, profile=profiles)
def test_acute_and_chronic_load_never_exceed_the_largest_daily_load(
    history: list[Activity], profile: Profile
) -> None:
    analysis = analyse_load(history, profile, SETTINGS, TODAY)
    largest = max(day.load for day in analysis.days)
    assert all(day.atl <= largest * (1 + 1e-12) + 1e-12 for day in analysis.days)
    assert all(day.ctl <= largest * (1 + 1e-12) + 1e-12 for day in analysis.days)


@settings(max_examples=100, deadline=None)
@given(history=histories, extra=activities())
def test_with_parameters_fixed_an_extra_activity_never_lowers_a_days_load(
    history: list[Activity], extra: Activity
) -> None:
    def day_loads(items: list[Activity]) -> np.ndarray:
        columns = activity_columns(items)
        scores = score_activities(columns, FIXED, SETTINGS)
        return daily_sums(columns, scores, 20_400, 20_560).load

    before = day_loads(history)
    after = day_loads([*history, extra])
    assert (after >= before - 1e-9).all()


@settings(max_examples=100, deadline=None)
@given(history=histories, profile_zone=st.sampled_from(ZONES))
def test_time_zones_and_dst_never_lose_or_double_a_day(
    history: list[Activity], profile_zone: str
) -> None:
    analysis = analyse_load(history, Profile(timezone=profile_zone), SETTINGS, TODAY)
    past = {day.day: day for day in analysis.past}
    for day, entry in past.items():
        expected = [a for a in history if a.local_date == day]
        assert entry.activity_count == len(expected)
    counted = [a for a in history if a.local_date <= TODAY + timedelta(days=1)]
    assert sum(day.activity_count for day in analysis.past) == len(counted)
    total_load = sum(
        load.load
        for load, a in zip(analysis.activity_loads, history, strict=True)
        if a.local_date <= TODAY + timedelta(days=1)
    )
    assert abs(sum(day.load for day in analysis.past) - total_load) < 1e-6 * max(1, total_load)


@settings(max_examples=50, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    instant=st.integers(0, 2 * 365 * 86400),
)
def test_each_activity_lands_on_its_own_local_date_across_dst(zone: str, instant: int) -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=instant)
    offset = ZoneInfo(zone).utcoffset(start.astimezone(ZoneInfo(zone)).replace(tzinfo=None))
    run = Activity(
        source=Source.FILE,
        source_id="x",
        start_utc=start,
        sport=Sport.RUN,
        sport_raw="run",
        utc_offset_s=int((offset or timedelta(0)).total_seconds()),
        moving_s=1800,
    )
    columns = activity_columns([run])
    assert int(columns.day[0]) == (run.local_date - date(1970, 1, 1)).days
    assert run.local_date == start.astimezone(ZoneInfo(zone)).date()


def test_estimated_parameters_do_not_depend_on_the_order_of_activities() -> None:
    from load_factories import easy_weeks

    history = easy_weeks(TODAY, 8)
    forward = resolve_parameters(history, Profile(), SETTINGS, TODAY)
    backward = resolve_parameters(list(reversed(history)), Profile(), SETTINGS, TODAY)
    assert forward == backward
