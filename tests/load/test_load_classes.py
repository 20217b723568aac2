"""Day classes with their reasons, past and ahead, and where each came from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time, timedelta

import pytest
from load_factories import activity, easy_weeks

from syncsvc.domain import (
    Activity,
    ClassSource,
    DayClass,
    DayLoad,
    LoadMethod,
    PlannedWorkout,
    Profile,
    Sport,
)
from syncsvc.load.analysis import analyse_load
from syncsvc.load.settings import LoadSettings

SETTINGS = LoadSettings()
TODAY = date(2026, 11, 24)  # a Tuesday
YESTERDAY = TODAY - timedelta(days=1)
PROFILE = Profile(hr_rest=50, hr_max=190, threshold_pace_s_per_km=270)


def _day(
    history: list[Activity],
    when: date,
    profile: Profile = PROFILE,
    planned: Sequence[PlannedWorkout] = (),
) -> DayLoad:
    analysis = analyse_load(history, profile, SETTINGS, TODAY, planned=planned)
    entry = analysis.day(when)
    assert entry is not None
    return entry


def test_a_day_without_activities_is_a_rest_day_with_zero_load() -> None:
    history = easy_weeks(TODAY - timedelta(days=2), 4)
    rest = _day(history, TODAY - timedelta(days=3))  # a Saturday
    assert rest.day_class is DayClass.REST
    assert rest.load == 0.0
    assert rest.reason == "rest: no running"
    assert not rest.forecast


def test_a_strava_race_is_a_race_day_whatever_its_load() -> None:
    history = [
        *easy_weeks(YESTERDAY, 4),
        activity(YESTERDAY, 20, workout_type=1, distance_km=5, name="parkrun"),
    ]
    race = _day(history, YESTERDAY)
    assert race.day_class is DayClass.RACE
    assert race.reason == "race: parkrun, 5.0 km in 20 min"


def test_a_run_of_90_minutes_is_a_long_run() -> None:
    history = [*easy_weeks(YESTERDAY, 4), activity(YESTERDAY, 95, avg_hr=140, distance_km=16)]
    assert _day(history, YESTERDAY).day_class is DayClass.LONG


def test_a_run_of_one_and_a_half_times_the_median_run_is_long_and_says_how_much() -> None:
    history = [
        *easy_weeks(YESTERDAY - timedelta(days=1), 6),
        activity(YESTERDAY, 84, avg_hr=138, distance_km=14),
    ]
    long_run = _day(history, YESTERDAY)
    assert long_run.day_class is DayClass.LONG
    assert long_run.reason == "long run: 14.0 km in 1 h 24 min, 2.1× your median run"


def test_a_run_at_threshold_heart_rate_is_hard_and_the_reason_gives_the_reserve() -> None:
    # reserve 140 bpm; 166 bpm is 83 % of it, above 80 % (162 bpm)
    history = [
        *easy_weeks(YESTERDAY - timedelta(days=1), 4),
        activity(YESTERDAY, 45, avg_hr=166, distance_km=9),
    ]
    hard = _day(history, YESTERDAY)
    assert hard.day_class is DayClass.HARD
    assert hard.reason.startswith("hard run: average heart rate 166, 83 % of your reserve")


def test_a_run_faster_than_threshold_pace_is_hard() -> None:
    history = [
        *easy_weeks(YESTERDAY - timedelta(days=1), 4),
        activity(YESTERDAY, 30, distance_km=7.5),
    ]  # 4:00/km, threshold 4:30/km
    hard = _day(history, YESTERDAY)
    assert hard.day_class is DayClass.HARD
    assert hard.reason == "hard run: 4:00/km, faster than your threshold pace 4:30/km"


def test_a_strava_workout_is_hard() -> None:
    history = [
        *easy_weeks(YESTERDAY - timedelta(days=1), 4),
        activity(YESTERDAY, 40, workout_type=3, name="6 x 800 m"),
    ]
    hard = _day(history, YESTERDAY)
    assert hard.day_class is DayClass.HARD
    assert "6 x 800 m" in hard.reason


def test_a_day_with_two_runs_takes_the_harder_class() -> None:
    history = [
        *easy_weeks(YESTERDAY - timedelta(days=1), 4),
        activity(YESTERDAY, 30, avg_hr=130, distance_km=5),
        activity(YESTERDAY, 40, avg_hr=170, distance_km=9, at=time(18, 0)),
    ]
    day = _day(history, YESTERDAY)
    assert day.activity_count == 2
    assert day.day_class is DayClass.HARD


def test_daily_load_percentiles_split_easy_moderate_and_hard_days() -> None:
    history = []
    for week in range(8):
        monday = TODAY - timedelta(days=TODAY.weekday() + 7 * (week + 1))
        friday_hr = 150 if week == 0 else 140  # last week's Friday is the heaviest day
        history += [
            activity(monday, 30, avg_hr=130, distance_km=5),
            activity(monday + timedelta(days=2), 40, avg_hr=135, distance_km=6.5),
            activity(monday + timedelta(days=4), 50, avg_hr=friday_hr, distance_km=8.5),
        ]
    analysis = analyse_load(history, PROFILE, SETTINGS, TODAY)
    last_week = TODAY - timedelta(days=TODAY.weekday() + 7)
    easy, moderate, hard = (analysis.day(last_week + timedelta(days=n)) for n in (0, 2, 4))
    assert easy is not None
    assert moderate is not None
    assert hard is not None
    assert easy.day_class is DayClass.EASY
    assert moderate.day_class is DayClass.MODERATE
    assert hard.day_class is DayClass.HARD
    assert hard.reason.startswith("hard day: 8.5 km, load ")
    assert "above 80 % of your running days" in hard.reason
    assert easy.reason.startswith("easy: 5.0 km, load 36, lighter than most")


def test_strength_only_days_are_rest_days_for_running() -> None:
    history = [
        *easy_weeks(YESTERDAY - timedelta(days=1), 2),
        activity(YESTERDAY, 30, sport=Sport.STRENGTH, avg_hr=110),
    ]
    day = _day(history, YESTERDAY)
    assert day.day_class is DayClass.REST
    assert day.load == 0.0
    assert day.reason == "rest: no running, strength only"


# ---------------------------------------------------------------- the days ahead


def test_a_planned_workout_beats_the_declared_and_the_learned_pattern() -> None:
    thursday = TODAY + timedelta(days=2)
    profile = Profile(hr_rest=50, hr_max=190, rest_days=(3,))
    plan = [
        PlannedWorkout(day=thursday, day_class=DayClass.HARD, title="5 x 1 km", source_name="coach")
    ]
    day = _day(easy_weeks(YESTERDAY, 6), thursday, profile, planned=plan)
    assert day.forecast
    assert (day.day_class, day.class_source) == (DayClass.HARD, ClassSource.PLAN)
    assert day.reason == "planned (coach): 5 x 1 km"


def test_the_declared_pattern_beats_the_learned_one() -> None:
    sunday = TODAY + timedelta(days=5)
    profile = Profile(hr_rest=50, hr_max=190, long_run_days=(6,))
    day = _day(easy_weeks(YESTERDAY, 6), sunday, profile)
    assert (day.day_class, day.class_source) == (DayClass.LONG, ClassSource.DECLARED)
    assert day.reason == "your usual week: long run on Sundays"


def test_the_learned_pattern_says_how_often_with_a_confidence() -> None:
    history = easy_weeks(YESTERDAY, 6)
    analysis = analyse_load(history, PROFILE, SETTINGS, TODAY)
    wednesday = analysis.day(TODAY + timedelta(days=1))
    saturday = analysis.day(TODAY + timedelta(days=4))
    assert wednesday is not None
    assert saturday is not None
    assert wednesday.class_source is ClassSource.LEARNED
    assert wednesday.day_class is not DayClass.REST
    assert "on Wednesdays: 6 of the last 6 weeks" in wednesday.reason
    assert wednesday.confidence == pytest.approx(1.0)
    assert wednesday.load > 0
    assert (saturday.day_class, saturday.load) == (DayClass.REST, 0.0)


def test_with_no_history_the_forecast_says_it_is_a_default() -> None:
    analysis = analyse_load([], Profile(), SETTINGS, TODAY)
    ahead = analysis.forecast
    assert ahead[0].day == TODAY
    assert all(day.class_source is ClassSource.DEFAULT for day in ahead)
    assert all(day.confidence == 0.0 for day in ahead)
    assert ahead[-1].day == TODAY + timedelta(days=14)


def test_an_activity_today_turns_today_from_forecast_into_actual() -> None:
    history = easy_weeks(YESTERDAY, 4)
    before = analyse_load(history, PROFILE, SETTINGS, TODAY)
    after = analyse_load(
        [*history, activity(TODAY, 50, avg_hr=140, distance_km=8)], PROFILE, SETTINGS, TODAY
    )
    assert before.day(TODAY) is not None
    assert before.day(TODAY).forecast
    today = after.day(TODAY)
    assert today is not None
    assert not today.forecast
    assert today.class_source is ClassSource.ACTUAL
    assert today.activity_count == 1
    assert after.forecast[0].day == TODAY + timedelta(days=1)


def test_forecast_loads_carry_the_acute_and_chronic_curves_ahead() -> None:
    history = easy_weeks(YESTERDAY, 6)
    analysis = analyse_load(history, PROFILE, SETTINGS, TODAY)
    ahead = analysis.forecast
    assert all(day.atl > 0 and day.ctl > 0 for day in ahead)
    assert all(day.acwr is not None for day in ahead)


def test_an_impossible_gps_pace_does_not_make_a_run_hard() -> None:
    glitch = activity(YESTERDAY, 30, distance_km=30)  # 1:00/km: a broken track
    history = [*easy_weeks(YESTERDAY - timedelta(days=1), 4), glitch]
    analysis = analyse_load(history, PROFILE, SETTINGS, TODAY)
    day = analysis.day(YESTERDAY)
    assert day is not None
    assert day.day_class is not DayClass.HARD
    assert analysis.activity_loads[-1].method is LoadMethod.DURATION


def test_an_activity_dated_days_ahead_is_a_clock_error_and_stays_out_of_the_series() -> None:
    history = [*easy_weeks(YESTERDAY, 4), activity(TODAY + timedelta(days=3), 60, avg_hr=150)]
    analysis = analyse_load(history, PROFILE, SETTINGS, TODAY)
    ahead = analysis.day(TODAY + timedelta(days=3))
    assert ahead is not None
    assert ahead.forecast
    assert ahead.activity_count == 0
    assert len(analysis.activity_loads) == len(history)
