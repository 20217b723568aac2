"""Small builders of activities for the load tests (plain values, no I/O)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from syncsvc.domain import Activity, Source, Sport

_ids = count(1)


def activity(
    day: date,
    minutes: float = 45.0,
    *,
    sport: Sport = Sport.RUN,
    avg_hr: float | None = None,
    max_hr: float | None = None,
    distance_km: float | None = None,
    at: time = time(7, 0),
    zone: str = "UTC",
    workout_type: int | None = None,
    is_race: bool = False,
    elevation_gain_m: float | None = None,
    name: str = "",
) -> Activity:
    """An activity starting at `at` local time on `day` in `zone` (stored: id and athlete)."""
    local = datetime.combine(day, at, tzinfo=ZoneInfo(zone))
    offset = local.utcoffset() or timedelta(0)
    number = next(_ids)
    return Activity(
        source=Source.STRAVA,
        source_id=f"s{number}",
        start_utc=local.astimezone(UTC),
        sport=sport,
        sport_raw=sport.value,
        utc_offset_s=int(offset.total_seconds()),
        timezone=zone,
        name=name,
        distance_m=None if distance_km is None else distance_km * 1000.0,
        moving_s=minutes * 60.0,
        avg_hr=avg_hr,
        max_hr=max_hr,
        elevation_gain_m=elevation_gain_m,
        is_race=is_race,
        workout_type=workout_type,
        id=number,
        athlete_id=1,
    )


def easy_weeks(last_day: date, weeks: int, *, minutes: float = 40.0) -> list[Activity]:
    """Easy 40-minute runs at 6:00/km, HR 135, on Mon/Wed/Fri for `weeks` weeks up to `last_day`."""
    runs = []
    for offset in range(weeks * 7):
        day = last_day - timedelta(days=offset)
        if day.weekday() in (0, 2, 4):
            runs.append(activity(day, minutes, avg_hr=135, max_hr=150, distance_km=minutes / 6))
    return runs
