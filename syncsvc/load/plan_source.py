"""A training plan published as iCalendar, read into `PlannedWorkout`s (pure).

Bytes in (the caller fetches the URL or reads the file), workouts out, for a
window of local days in the profile's time zone. Recurring events (RRULE,
RDATE, EXDATE, moved occurrences) are expanded by recurring-ical-events, which
also honours X-WR-TIMEZONE. An all-day event lands on its date; a timed event
on the local date of its start in the profile's zone (a floating time is read
in that zone). Each event is classified from its title, else its description,
by the keyword patterns in `PlanSettings`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from syncsvc.domain import DayClass, PlannedWorkout
from syncsvc.errors import SourceError
from syncsvc.load.settings import PlanSettings


def parse_plan(
    ics: bytes,
    *,
    source_name: str,
    start: date,
    end: date,
    timezone: str,
    settings: PlanSettings,
) -> tuple[PlannedWorkout, ...]:
    """Every workout of the plan from `start` to `end` (inclusive), sorted by day.

    Raises `SourceError` when the bytes are not a calendar.
    """
    import recurring_ical_events
    from icalendar import Calendar

    zone = ZoneInfo(timezone)
    try:
        calendar = Calendar.from_ical(ics)
        occurrences = recurring_ical_events.of(calendar).between(start, end + timedelta(days=1))
    except Exception as error:  # icalendar and the expander raise many types
        raise SourceError(
            f"the training plan {source_name!r} is not a readable iCalendar file",
            hint=str(error)[:200],
        ) from error
    workouts: list[PlannedWorkout] = []
    for event in occurrences:
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        dtstart = event.decoded("DTSTART")
        day, start_utc = _local_day(dtstart, zone)
        if not start <= day <= end:
            continue
        title = str(event.get("SUMMARY", "")).strip()
        description = str(event.get("DESCRIPTION", "")).strip()
        workouts.append(
            PlannedWorkout(
                day=day,
                day_class=classify_event(title, description, settings),
                title=title or "(untitled)",
                source_name=source_name,
                start_utc=start_utc,
            )
        )
    workouts.sort(key=lambda workout: (workout.day, workout.start_utc or _DAY_START, workout.title))
    return tuple(workouts)


_DAY_START = datetime.min.replace(tzinfo=UTC)


def _local_day(value: date | datetime, zone: ZoneInfo) -> tuple[date, datetime | None]:
    """(local date in the profile's zone, start instant or None for all-day)."""
    if not isinstance(value, datetime):
        return value, None
    aware = value if value.tzinfo is not None else value.replace(tzinfo=zone)
    return aware.astimezone(zone).date(), aware.astimezone(UTC)


def classify_event(title: str, description: str, settings: PlanSettings) -> DayClass:
    """The class the title says, else the description, else the default.

    When several classes match one text, `settings.precedence` decides
    ("long run with race-pace finish" is long, not race).
    """
    for text in (title, description):
        matched = {
            day_class
            for day_class, patterns in settings.keywords.items()
            if any(re.search(pattern, text, re.IGNORECASE) for pattern in patterns)
        }
        if matched:
            for day_class in settings.precedence:
                if day_class in matched:
                    return day_class
            return sorted(matched)[0]
    return settings.default_class
