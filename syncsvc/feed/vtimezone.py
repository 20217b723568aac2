"""VTIMEZONE components every parser reads the same way.

icalendar's `add_missing_timezones()` / `Timezone.from_tzinfo()` group onsets
into one multi-valued RDATE, and ical.js (Thunderbird) reads only the first
value of each RDATE, so events land an hour off for half the year.
Here every onset is its own STANDARD/DAYLIGHT observance with a single DTSTART,
taken from the IANA database (zoneinfo) for the years the feed covers: no RDATE,
no RRULE, nothing a parser can read two ways.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from icalendar import Timezone


UTC_ALIASES = frozenset(
    {
        "UTC",
        "Etc/UTC",
        "Etc/UCT",
        "UCT",
        "Etc/Universal",
        "Universal",
        "Etc/Zulu",
        "Zulu",
        "GMT",
        "Etc/GMT",
        "Etc/GMT0",
        "Etc/GMT+0",
        "Etc/GMT-0",
        "Etc/Greenwich",
        "Greenwich",
        "GMT0",
        "GMT+0",
        "GMT-0",
    }
)
"""Zone names written as plain UTC (`...Z`) rather than with a TZID."""

_ANCHOR = datetime(1970, 1, 1)
"""DTSTART of the leading observance: the offset in force when the feed's range begins."""

_SCAN_STEP_S = 6 * 3600
"""Transitions are found by sampling every 6 h, then bisecting to the second."""


@dataclass(frozen=True, slots=True)
class _State:
    offset: timedelta
    dst: bool
    name: str


@dataclass(frozen=True, slots=True)
class Onset:
    """One change of offset: local onset (in the old offset), from, to, name, DST or not."""

    local_start: datetime
    offset_from: timedelta
    offset_to: timedelta
    name: str
    dst: bool


def is_utc_zone(tzid: str) -> bool:
    return tzid in UTC_ALIASES


def event_zone(tzid: str) -> tzinfo:
    """The tzinfo to write event times with: `UTC` for UTC aliases, else the IANA zone."""
    return UTC if is_utc_zone(tzid) else ZoneInfo(tzid)


def _state(zone: ZoneInfo, timestamp: int) -> _State:
    moment = datetime.fromtimestamp(timestamp, tz=zone)
    offset = moment.utcoffset() or timedelta(0)
    dst = bool(moment.dst())
    name = moment.tzname() or _offset_name(offset)
    return _State(offset, dst, name)


def _offset_name(offset: timedelta) -> str:
    total_min = int(offset.total_seconds()) // 60
    sign = "-" if total_min < 0 else "+"
    hours, minutes = divmod(abs(total_min), 60)
    return f"{sign}{hours:02d}{minutes:02d}" if minutes else f"{sign}{hours:02d}"


@lru_cache(maxsize=128)
def zone_onsets(tzid: str, first_year: int, last_year: int) -> tuple[Onset, ...]:
    """The leading state (at 1 January of `first_year`) and every change up to `last_year`'s end.

    The first element describes the offset in force at the start of the range
    (`offset_from == offset_to`, `local_start` = 1970-01-01); the others are
    the real transitions, in order.
    """
    zone = ZoneInfo(tzid)
    start = int(datetime(first_year, 1, 1, tzinfo=UTC).timestamp()) - 86400
    end = int(datetime(last_year + 1, 1, 1, tzinfo=UTC).timestamp()) + 86400
    current = _state(zone, start)
    onsets = [Onset(_ANCHOR, current.offset, current.offset, current.name, current.dst)]
    sample = start
    while sample < end:
        following = min(sample + _SCAN_STEP_S, end)
        state = _state(zone, following)
        if state != current:
            low, high = sample, following  # state(low) == current, state(high) != current
            while high - low > 1:
                middle = (low + high) // 2
                if _state(zone, middle) == current:
                    low = middle
                else:
                    high = middle
            changed = _state(zone, high)
            local_start = datetime.fromtimestamp(high, tz=UTC).replace(tzinfo=None)
            onsets.append(
                Onset(
                    local_start + current.offset,
                    current.offset,
                    changed.offset,
                    changed.name,
                    changed.dst,
                )
            )
            current = changed
            sample = high
            continue
        sample = following
    return tuple(onsets)


def vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE for `tzid`, exact for every instant from `first_year` to `last_year`."""
    from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

    component = Timezone()
    component.add("TZID", tzid)
    for onset in zone_onsets(tzid, first_year, last_year):
        observance = TimezoneDaylight() if onset.dst else TimezoneStandard()
        observance.add("DTSTART", onset.local_start)
        observance.add("TZOFFSETFROM", onset.offset_from)
        observance.add("TZOFFSETTO", onset.offset_to)
        observance.add("TZNAME", onset.name)
        component.add_component(observance)
    return component
