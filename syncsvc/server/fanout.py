"""The periodic fan-outs: which athletes a tick concerns. Pure functions of the tick.

A tick is the instant a periodic task was scheduled for (not the clock when it
happens to run), so the same tick always gives the same athletes, whichever
process or engine runs it, and a tick delivered twice gives the same answer.

- Polls (Garmin every `garmin.poll_minutes`, Strava's fallback every
  `strava.poll_hours`): each athlete owns one minute slot of the period, from a
  hash of their id, so athletes do not all poll at once and a one-minute tick
  polls each athlete exactly once per period.
- Local midnight: the athletes whose local date changed between the previous
  tick and this one. Comparing dates (not wall times) counts every midnight
  exactly once, also in +5:30 and +5:45 zones and across daylight-saving
  changes that skip or repeat midnight.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

MINUTE = timedelta(minutes=1)


def floor_tick(instant: datetime, period: timedelta) -> datetime:
    """The tick at or before `instant` on a grid of `period` from the Unix epoch (UTC)."""
    seconds = int(period.total_seconds())
    if seconds <= 0:
        raise ValueError("the period must be at least one second")
    epoch = int(instant.astimezone(UTC).timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)


def poll_slot(athlete_id: int, period_minutes: int, *, salt: str) -> int:
    """The athlete's minute in the period, the same in every process (crc32, not `hash()`)."""
    if period_minutes < 1:
        raise ValueError("the poll period must be at least one minute")
    return zlib.crc32(f"{salt}:{athlete_id}".encode()) % period_minutes


def due_for_poll(
    athlete_ids: Iterable[int], tick: datetime, period_minutes: int, *, salt: str
) -> list[int]:
    """The athletes whose slot is the minute of `tick` (seconds are ignored)."""
    minute = int(tick.astimezone(UTC).timestamp()) // 60
    position = minute % period_minutes
    return sorted(
        athlete_id
        for athlete_id in set(athlete_ids)
        if poll_slot(athlete_id, period_minutes, salt=salt) == position
    )


def passed_local_midnight(
    athletes: Iterable[tuple[int, str]], tick: datetime, period: timedelta
) -> list[int]:
    """The athletes (id, IANA zone) whose local date changed in (tick - period, tick]."""
    earlier = tick - period
    due: list[int] = []
    for athlete_id, timezone in athletes:
        zone = ZoneInfo(timezone)
        if earlier.astimezone(zone).date() != tick.astimezone(zone).date():
            due.append(athlete_id)
    return sorted(due)


def expiring(
    expiries: Iterable[tuple[int, datetime | None]], tick: datetime, ahead: timedelta
) -> list[int]:
    """The athletes whose token expires before `tick + ahead` (refreshed ahead of time)."""
    limit = tick + ahead
    return sorted(
        athlete_id for athlete_id, expires in expiries if expires is not None and expires <= limit
    )
