"""Strava's rate limits: read the headers, keep the shared budget in the store, never sleep.

Strava limits reads per application: 100 per 15 minutes and 1,000 per day (200 /
2,000 for all requests). Every response carries `X-RateLimit-Usage` /
`X-RateLimit-Limit` and, for reads, `X-ReadRateLimit-*` ("15-minute,daily"). The
names come back as `X-Readratelimit-Usage`, so they are matched case-insensitively
(shared/fixtures/README.md). The budget rows live in the store (store/shared.py),
shared by every athlete and process: a request first takes one read from it in a
short write transaction, and its response headers then correct the counters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from syncsvc.config import StravaSettings
from syncsvc.errors import RateLimited
from syncsvc.store.database import Store
from syncsvc.store.shared import DAY, QUARTER, window_end


@dataclass(frozen=True, slots=True)
class RateUsage:
    """Usage and limits from one response: (15-minute, daily)."""

    used_15min: int
    used_day: int
    limit_15min: int
    limit_day: int

    @property
    def exhausted(self) -> bool:
        return self.used_15min >= self.limit_15min or self.used_day >= self.limit_day


def _pair(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    parts = [part.strip() for part in value.split(",")]
    if len(parts) != 2:
        return None
    try:
        return int(parts[0]), int(parts[1])
    except ValueError:
        return None


def parse_rate_headers(headers: Mapping[str, str], *, read: bool = True) -> RateUsage | None:
    """The read limits (for a GET) or the overall ones, from any header capitalisation."""
    lowered = {key.lower(): value for key, value in headers.items()}
    prefixes = ("x-readratelimit", "x-ratelimit") if read else ("x-ratelimit",)
    for prefix in prefixes:
        usage = _pair(lowered.get(f"{prefix}-usage"))
        limit = _pair(lowered.get(f"{prefix}-limit"))
        if usage is not None and limit is not None:
            return RateUsage(usage[0], usage[1], limit[0], limit[1])
    return None


def resume_time(store: Store, settings: StravaSettings, now: datetime) -> datetime:
    """When the budget next has room: the end of the spent window."""
    with store.read() as tx:
        state = tx.shared.strava_budget(
            now, limit_15min=settings.read_limit_15min, limit_day=settings.read_limit_daily
        )
    if state.used_day >= state.limit_day:
        return window_end(DAY, now)
    return window_end(QUARTER, now)


def take_read(store: Store, settings: StravaSettings, now: datetime, *, reserve: int) -> None:
    """Take one read from the shared budget, or raise RateLimited saying when to resume."""
    with store.write() as tx:
        granted = tx.shared.acquire_strava(
            1,
            now,
            limit_15min=settings.read_limit_15min,
            limit_day=settings.read_limit_daily,
            reserve=reserve,
        )
    if not granted:
        resume = resume_time(store, settings, now)
        raise RateLimited(
            f"Strava's read budget is spent; syncing resumes after {resume:%H:%M} UTC",
            hint="the next sync picks up where this one stopped",
        )


def record_usage(store: Store, settings: StravaSettings, usage: RateUsage, now: datetime) -> None:
    """Set the budget from Strava's own counters (they are the truth)."""
    with store.write() as tx:
        tx.shared.correct_strava(
            now,
            used_15min=usage.used_15min,
            used_day=usage.used_day,
            limit_15min=min(usage.limit_15min, settings.read_limit_15min),
            limit_day=min(usage.limit_day, settings.read_limit_daily),
        )


def mark_exhausted(store: Store, settings: StravaSettings, now: datetime) -> None:
    """A 429 without usable headers: treat the 15-minute window as spent."""
    with store.write() as tx:
        state = tx.shared.strava_budget(
            now, limit_15min=settings.read_limit_15min, limit_day=settings.read_limit_daily
        )
        tx.shared.correct_strava(
            now,
            used_15min=state.limit_15min,
            used_day=state.used_day,
            limit_15min=state.limit_15min,
            limit_day=state.limit_day,
        )
