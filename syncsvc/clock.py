"""The one clock: every layer asks `now()` instead of calling `datetime.now()`.

Tests, benchmarks and the demo set time with `set_now()` / `frozen_at()`, and
child processes inherit it through `SYNCSVC_NOW` (an ISO 8601 instant; with
`SYNCSVC_NOW_TICKING=1` the clock starts there and then runs).
"""

from __future__ import annotations

import os
import time as _time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

_override: Callable[[], datetime] | None = None


def _from_environment() -> Callable[[], datetime] | None:
    raw = os.environ.get("SYNCSVC_NOW")
    if not raw:
        return None
    start = parse_instant(raw)
    if os.environ.get("SYNCSVC_NOW_TICKING") == "1":
        origin = _time.monotonic()
        return lambda: datetime.fromtimestamp(
            start.timestamp() + (_time.monotonic() - origin), tz=UTC
        )
    return lambda: start


def parse_instant(raw: str) -> datetime:
    """An ISO 8601 instant as aware UTC; a naive value is read as UTC."""
    value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


_environment_clock = _from_environment()


def now() -> datetime:
    """The current instant, timezone-aware UTC."""
    if _override is not None:
        return _override()
    if _environment_clock is not None:
        return _environment_clock()
    return datetime.now(UTC)


def today_in(zone: str) -> date:
    """The calendar day it is now in an IANA time zone (an athlete's "today")."""
    return day_at(now(), zone)


def day_at(instant: datetime, zone: str) -> date:
    """The calendar day `instant` falls on in an IANA time zone."""
    return instant.astimezone(ZoneInfo(zone)).date()


def set_now(source: datetime | Callable[[], datetime] | None) -> None:
    """Fix the clock at an instant, drive it by a function, or (None) restore it."""
    global _override
    if source is None or callable(source):
        _override = source
        return
    fixed = source.astimezone(UTC)
    _override = lambda: fixed  # noqa: E731


@contextmanager
def frozen_at(instant: datetime) -> Iterator[None]:
    previous = _override
    set_now(instant)
    try:
        yield
    finally:
        set_now(previous)
