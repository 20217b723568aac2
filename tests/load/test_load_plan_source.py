"""Reading an iCalendar training plan: recurrence, time zones, all-day events, keywords."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from syncsvc.domain import DayClass, PlannedWorkout
from syncsvc.errors import SourceError
from syncsvc.load.plan_source import classify_event, parse_plan
from syncsvc.load.settings import PlanSettings

PLAN = (Path(__file__).resolve().parent / "plan.ics").read_bytes()
SETTINGS = PlanSettings()


def _plan(
    timezone: str = "Europe/Berlin",
    start: date = date(2026, 3, 16),
    end: date = date(2026, 4, 12),
) -> tuple[PlannedWorkout, ...]:
    return parse_plan(
        PLAN, source_name="coach", start=start, end=end, timezone=timezone, settings=SETTINGS
    )


def test_a_weekly_rrule_expands_to_each_tuesday_minus_its_exdate() -> None:
    intervals = [w for w in _plan() if w.title.startswith("Intervals")]
    assert [w.day for w in intervals] == [date(2026, 3, 17), date(2026, 3, 24), date(2026, 4, 7)]
    assert all(w.day_class is DayClass.HARD for w in intervals)
    assert all(w.source_name == "coach" for w in intervals)


def test_a_tzid_event_keeps_its_wall_clock_time_across_the_dst_change() -> None:
    intervals = [w for w in _plan() if w.title.startswith("Intervals")]
    starts = [w.start_utc for w in intervals]
    # 18:30 in Berlin is 17:30 UTC in winter (CET) and 16:30 UTC after 29 March (CEST)
    assert starts == [
        datetime(2026, 3, 17, 17, 30, tzinfo=UTC),
        datetime(2026, 3, 24, 17, 30, tzinfo=UTC),
        datetime(2026, 4, 7, 16, 30, tzinfo=UTC),
    ]


def test_an_all_day_event_lands_on_its_date_in_any_zone_and_reads_its_description() -> None:
    for zone in ("Europe/Berlin", "Pacific/Auckland", "America/Los_Angeles"):
        sunday = [w for w in _plan(zone) if w.title == "Sunday run"]
        assert [w.day for w in sunday] == [date(2026, 3, 29)]
        assert sunday[0].day_class is DayClass.LONG  # from the description: "Long run"
        assert sunday[0].start_utc is None


def test_a_timed_event_lands_on_the_local_date_of_the_profile_zone() -> None:
    berlin = [w for w in _plan("Europe/Berlin") if w.title.startswith("Tempo")]
    new_york = [w for w in _plan("America/New_York") if w.title.startswith("Tempo")]
    assert [w.day for w in berlin] == [date(2026, 3, 21)]  # 00:30 on Saturday in Berlin
    assert [w.day for w in new_york] == [date(2026, 3, 20)]  # 19:30 on Friday in New York
    assert berlin[0].day_class is DayClass.HARD


def test_cancelled_events_are_left_out_and_rest_days_are_rest() -> None:
    plan = _plan()
    assert not any("spring 10K" in w.title for w in plan)
    rest = [w for w in plan if w.title == "Rest day"]
    assert [(w.day, w.day_class) for w in rest] == [(date(2026, 3, 23), DayClass.REST)]


def test_a_race_in_another_zone_is_a_race_on_its_local_date() -> None:
    race = [w for w in _plan() if "Half marathon" in w.title]
    assert [(w.day, w.day_class) for w in race] == [(date(2026, 4, 5), DayClass.RACE)]
    assert race[0].start_utc == datetime(2026, 4, 5, 12, 0, tzinfo=UTC)


def test_only_events_inside_the_window_are_returned_sorted_by_day() -> None:
    plan = _plan(start=date(2026, 3, 24), end=date(2026, 3, 29))
    assert [w.day for w in plan] == [date(2026, 3, 24), date(2026, 3, 29)]
    whole = _plan()
    assert [w.day for w in whole] == sorted(w.day for w in whole)


@pytest.mark.parametrize(
    ("title", "description", "expected"),
    [
        ("Long run with race-pace finish", "", DayClass.LONG),
        ("Race pace intervals", "", DayClass.HARD),
        ("Marathon pace 3 x 5 km", "", DayClass.HARD),
        ("Berlin Marathon", "", DayClass.RACE),
        ("Easy run, rest if tired", "", DayClass.EASY),
        ("Recovery jog", "", DayClass.EASY),
        ("Steady 10 km", "", DayClass.MODERATE),
        ("Run", "8 x 400 m on the track", DayClass.HARD),
        ("Run", "", DayClass.MODERATE),
        ("Day off", "", DayClass.REST),
    ],
)
def test_events_are_classified_by_the_keywords_in_settings(
    title: str, description: str, expected: DayClass
) -> None:
    assert classify_event(title, description, SETTINGS) is expected


def test_keywords_come_from_settings() -> None:
    custom = PlanSettings(keywords={DayClass.HARD: [r"\bkillers?\b"]})
    assert classify_event("Hill killers", "", custom) is DayClass.HARD
    assert classify_event("Tempo", "", custom) is DayClass.MODERATE


def test_bytes_that_are_not_a_calendar_raise_a_source_error() -> None:
    with pytest.raises(SourceError, match="not a readable iCalendar"):
        parse_plan(
            b"<html>not a calendar</html>",
            source_name="coach",
            start=date(2026, 1, 1),
            end=date(2026, 1, 31),
            timezone="UTC",
            settings=SETTINGS,
        )
