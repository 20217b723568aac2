"""The load model over the shared synthetic history (syncsvc.testing.history)."""

from __future__ import annotations

from datetime import date, timedelta

from syncsvc.domain import ClassSource, DayClass, LoadMethod, Profile, Sport
from syncsvc.load.analysis import analyse_load
from syncsvc.load.settings import LoadSettings
from syncsvc.testing.history import HistorySpec, as_activities, generate_history

END = date(2026, 11, 22)  # a Sunday
TODAY = END + timedelta(days=1)
PROFILE = Profile(timezone="Europe/Berlin", hr_rest=50, hr_max=190)


def _analysis(spec: HistorySpec):  # type: ignore[no-untyped-def]
    activities = as_activities(generate_history(spec), athlete_id=1)
    return activities, analyse_load(activities, PROFILE, LoadSettings(), TODAY)


def test_the_weekly_pattern_of_the_history_shows_in_the_past_classes() -> None:
    _, analysis = _analysis(HistorySpec(weeks=12, end=END))
    by_weekday: dict[int, list[DayClass]] = {}
    for day in analysis.past[-42:]:
        by_weekday.setdefault(day.day.weekday(), []).append(day.day_class)
    assert set(by_weekday[0]) == {DayClass.REST}  # Monday rest
    assert set(by_weekday[4]) == {DayClass.REST}  # Friday rest
    assert by_weekday[1].count(DayClass.HARD) >= 5  # Tuesday intervals (one may be skipped)
    assert by_weekday[6].count(DayClass.LONG) >= 5  # Sunday long run


def test_the_forecast_learns_the_pattern_with_a_confidence() -> None:
    _, analysis = _analysis(HistorySpec(weeks=12, end=END))
    ahead = {day.day.weekday(): day for day in analysis.forecast[:7]}
    assert ahead[1].day_class is DayClass.HARD
    assert ahead[6].day_class is DayClass.LONG
    assert ahead[0].day_class is DayClass.REST
    assert all(day.class_source is ClassSource.LEARNED for day in ahead.values())
    assert ahead[0].confidence == 1.0
    assert ahead[6].load > ahead[2].load > 0


def test_a_volume_jump_shows_in_the_weekly_change_and_the_ratio() -> None:
    _, analysis = _analysis(HistorySpec(weeks=12, end=END, jump_week=9, jump_factor=1.4))
    jump = analysis.weeks[-3]  # week index 9 of 12
    assert jump.change_vs_previous is not None
    assert jump.change_vs_previous > 0.10  # P3: more than 10 % up
    assert jump.max_acwr is not None
    assert jump.max_acwr > 1.3  # P3: ratio above 1.3


def test_strength_sessions_are_kept_and_count_nothing_for_running() -> None:
    activities, analysis = _analysis(HistorySpec(weeks=4, end=END, strength_every_days=3))
    strength_ids = {a.id for a in activities if a.sport is Sport.STRENGTH}
    loads = [load for load in analysis.activity_loads if load.activity_id in strength_ids]
    assert len(loads) == len(strength_ids) > 0
    assert all(load.load == 0.0 and load.method is LoadMethod.NONE for load in loads)
    assert int(analysis.frame["strength_count"].sum()) == len(strength_ids)
