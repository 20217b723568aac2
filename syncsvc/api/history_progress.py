"""How far the first Strava sync (the backfill) has read, for the page to show while it runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from syncsvc import clock
from syncsvc.domain import Athlete, Source
from syncsvc.runtime import Runtime


@dataclass(frozen=True, slots=True)
class HistoryProgress:
    weeks_read: int
    """Whole weeks from the oldest Strava activity stored so far to now (newest come first)."""
    reached: date | None
    """The day of that oldest activity; None before the first page is stored."""
    stopped: str
    """Why the last attempt stopped (the shared budget, say), else ""."""


def history_progress(runtime: Runtime, athlete: Athlete) -> HistoryProgress | None:
    """While Strava is connected and its first sync has not finished; None otherwise."""
    with runtime.store.read() as tx:
        scope = tx.athlete(athlete.id)
        if scope.credentials.info(Source.STRAVA.value) is None:
            return None
        cursor = scope.cursors.get(Source.STRAVA)
        if cursor.last_success_at is not None:
            return None
        oldest = scope.activities.oldest_start(Source.STRAVA)
    weeks = 0 if oldest is None else max(0, (clock.now() - oldest).days // 7)
    return HistoryProgress(weeks, None if oldest is None else oldest.date(), cursor.last_error)


def backfill_resumes_at(runtime: Runtime, athlete: Athlete) -> datetime | None:
    """When a backfill the read budget paused should go on: the end of the spent window.

    None when there is nothing to resume: the history is read, or Strava's
    access is not in order (a revoked token waits for the runner, not the clock).
    """
    from syncsvc.sources.ratelimit import resume_time  # noqa: PLC0415 - requests: jobs only

    progress = history_progress(runtime, athlete)
    if progress is None or not progress.stopped:
        return None
    with runtime.store.read() as tx:
        info = tx.athlete(athlete.id).credentials.info(Source.STRAVA.value)
    if info is None or info.status != "ok":
        return None
    return resume_time(runtime.store, runtime.settings.strava, clock.now())
