"""Strava work announced by the webhook: fetch, delete, deauthorise. Runs inside a refresh.

The webhook only records what Strava announced (`tx.athlete(id).pending`, kind
`activity`, `delete` or `deauthorize`); this module does the work under the
athlete's lock, as the sync step of `refresh_athlete`. The payload is never
trusted, and it carries no signature (anyone who knows a public athlete id can
post one): an announced activity, deleted or not, is fetched from the API (one
read, taken from the budget without waiting), so a type or privacy change
arrives as Strava now has it; only a 404 means the activity is gone or private
to us, and its record goes.

A deauthorisation is real only when Strava refuses the athlete's refresh token
(400/401); a granted refresh shows it forged, and it is dropped. When the check
cannot run (network down), the work stays pending. A verified one follows
Strava's API agreement: stop syncing, remove the tokens, delete the Strava
records (an activity whose only source is Strava goes; a merged one keeps its
other record), keep the plan.

Fetching and deleting one activity is the sources layer's
(`syncsvc.sources.strava_activity`); this module records what was announced and
works through it in priority order.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from syncsvc import clock
from syncsvc.config import Settings
from syncsvc.domain import Athlete, Source, SyncCursor, SyncSummary
from syncsvc.errors import AuthError, SyncsvcError
from syncsvc.sources.http import CountingSession
from syncsvc.sources.ingest import PageResult, delete_and_remerge
from syncsvc.sources.strava_activity import (
    FETCH_KIND,
    FetchOutcome,
    fetch_strava_activity,
)
from syncsvc.sources.strava_auth import Authorisation, check_authorisation
from syncsvc.store.database import Store

log = logging.getLogger(__name__)

FETCH = FETCH_KIND
DELETE = "delete"
"""Pending deletes of older versions: now done as a fetch that deletes on a 404."""
DEAUTHORIZE = "deauthorize"
WEBHOOK_PRIORITY = 0
"""`Priority.WEBHOOK` of the job layer: such work may spend the budget's reserve."""


class Announcement(StrEnum):
    DUPLICATE = "duplicate"
    """Seen before: nothing written."""
    NOTED = "noted"
    """Recorded, but announces no work (an athlete update other than a deauthorisation)."""
    WORK = "work"
    """Recorded with the work it announces: a refresh should follow."""
    CATCH_UP = "catch_up"
    """Over the athlete's daily cap, the first time today: not stored; one catch-up sync
    of the athlete's activity list should follow instead."""
    CAPPED = "capped"
    """Over the athlete's daily cap: dropped (a catch-up sync is already scheduled)."""


UPDATE_KEYS = ("title", "type", "private", "authorized")
"""The keys Strava sends in `updates`; anything else is not Strava's and is not stored."""
UPDATE_VALUE_CHARS = 255
CATCH_UP_MARK = ("athlete", "catch-up", "catch_up")
"""object type, id and aspect of the row that marks today's catch-up as scheduled."""


def bounded_updates(updates: dict[str, object]) -> dict[str, str]:
    """Strava's own `updates` keys only, each a string of bounded length."""
    return {
        key: str(updates[key])[:UPDATE_VALUE_CHARS]
        for key in UPDATE_KEYS
        if key in updates and isinstance(updates[key], str | bool | int | float)
    }


def utc_day_start(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass
class StravaWork:
    """What one pass over the pending Strava work did."""

    fetched: int = 0
    new: int = 0
    updated: int = 0
    deleted: int = 0
    skipped: int = 0
    deauthorized: bool = False
    stopped: str = ""
    requests: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def did_anything(self) -> bool:
        return bool(
            self.fetched or self.deleted or self.deauthorized or self.stopped or self.problems
        )

    def add(self, page: PageResult) -> None:
        self.fetched += page.fetched
        self.new += page.new
        self.updated += page.updated
        self.skipped += page.skipped
        self.problems.extend(page.problems)

    def summary(self) -> SyncSummary:
        return SyncSummary(
            source=Source.STRAVA,
            fetched=self.fetched,
            new=self.new,
            updated=self.updated,
            skipped=self.skipped,
            deleted=self.deleted,
            requests=self.requests,
            stopped=self.stopped,
            problems=tuple(self.problems),
        )


def record_announcement(
    store: Store,
    athlete_id: int,
    *,
    object_type: str,
    object_id: int,
    aspect_type: str,
    event_time: int,
    updates: dict[str, object],
    priority: int = WEBHOOK_PRIORITY,
    daily_cap: int | None = None,
) -> Announcement:
    """Store one webhook event and the work it announces, in one transaction.

    Anyone who knows a public athlete id can post events, so at most `daily_cap`
    are stored per athlete per UTC day; beyond it the first one tells the caller
    to schedule a catch-up sync (real events are then late, never lost).
    """
    kept = bounded_updates(updates)
    with store.write() as tx:
        scope = tx.athlete(athlete_id)
        if daily_cap is not None:
            day = utc_day_start(clock.now())
            if scope.webhook_events.count_since(day) >= daily_cap:
                mark_type, mark_id, mark_aspect = CATCH_UP_MARK
                first = scope.webhook_events.record(
                    mark_type, mark_id, mark_aspect, int(day.timestamp()), {}
                )
                return Announcement.CATCH_UP if first else Announcement.CAPPED
        if not scope.webhook_events.record(
            object_type, str(object_id), aspect_type, event_time, dict(kept)
        ):
            return Announcement.DUPLICATE
        if object_type == "athlete":
            if not is_deauthorization(aspect_type, kept):
                return Announcement.NOTED
            scope.pending.add(Source.STRAVA, str(object_id), DEAUTHORIZE, priority)
            return Announcement.WORK
        # A delete is only a claim: the fetch deletes on Strava's own 404.
        scope.pending.add(Source.STRAVA, str(object_id), FETCH, priority)
    return Announcement.WORK


def is_deauthorization(aspect_type: str, updates: Mapping[str, object]) -> bool:
    """Strava sends `updates: {"authorized": "false"}` (a string) when access is revoked."""
    return aspect_type == "update" and str(updates.get("authorized", "")).lower() == "false"


def pending_strava(store: Store, athlete_id: int) -> list[tuple[str, str, int]]:
    with store.read() as tx:
        return tx.athlete(athlete_id).pending.all(Source.STRAVA)


def process_pending(store: Store, settings: Settings, athlete: Athlete) -> StravaWork:
    """Do the athlete's pending Strava work, best priority first; stop when budget runs out."""
    work = StravaWork()
    pending = pending_strava(store, athlete.id)
    if not pending:
        return work
    session = CountingSession()
    if any(kind == DEAUTHORIZE for _, kind, _ in pending):
        verdict, detail = check_authorisation(store, settings.strava, athlete.id, session)
        work.requests = session.requests_made
        if verdict is Authorisation.REFUSED:
            deauthorize(store, settings, athlete.id)
            work.deauthorized = True
            return work
        if verdict is Authorisation.UNKNOWN:
            log.warning(
                "strava deauthorisation not verified yet; it stays pending",
                extra={"athlete_id": athlete.id, "detail": detail},
            )
            work.stopped = detail
            return work
        log.warning(
            "strava deauthorisation event refused: the token refresh was granted (forged?)",
            extra={"athlete_id": athlete.id},
        )
        with store.write() as tx:
            for object_id, kind, _ in tx.athlete(athlete.id).pending.all(Source.STRAVA):
                if kind == DEAUTHORIZE:
                    tx.athlete(athlete.id).pending.done(Source.STRAVA, object_id, kind)
        pending = [item for item in pending if item[1] != DEAUTHORIZE]
    try:
        for object_id, kind, priority in pending:
            fetched = fetch_strava_activity(
                store,
                settings,
                athlete.id,
                object_id,
                priority=priority,
                reserve=0 if priority <= WEBHOOK_PRIORITY else settings.strava.budget_reserve,
                session=session,
                kind=kind,
            )
            if fetched.outcome is FetchOutcome.PENDING:
                work.stopped = fetched.detail
                break
            if fetched.outcome is FetchOutcome.GONE:
                work.deleted += 1
            elif fetched.page is not None:
                work.add(fetched.page)
    except AuthError as error:
        if _credentials_gone(store, athlete.id):
            _forget_pending(store, athlete.id)
        work.stopped = error.one_line()
    except SyncsvcError as error:
        work.stopped = error.one_line()
    work.requests = session.requests_made
    return work


def _credentials_gone(store: Store, athlete_id: int) -> bool:
    with store.read() as tx:
        return tx.athlete(athlete_id).credentials.info("strava") is None


def _forget_pending(store: Store, athlete_id: int) -> None:
    with store.write() as tx:
        pending = tx.athlete(athlete_id).pending
        for object_id, kind, _ in pending.all(Source.STRAVA):
            pending.done(Source.STRAVA, object_id, kind)


def deauthorize(store: Store, settings: Settings, athlete_id: int) -> int:
    """Forget Strava for this athlete: tokens, Strava records, cursor, pending work.

    One transaction, so a crash leaves either all of it or none. Returns how
    many Strava records went; the plan and the other sources' records stay.
    """
    with store.write() as tx:
        scope = tx.athlete(athlete_id)
        scope.credentials.remove("strava")
        strava_ids = sorted(scope.activities.source_ids(Source.STRAVA))
        deleted = delete_and_remerge(tx, athlete_id, Source.STRAVA, strava_ids, settings.merge)
        scope.cursors.save(SyncCursor(athlete_id, Source.STRAVA))
        for object_id, kind, _ in scope.pending.all(Source.STRAVA):
            scope.pending.done(Source.STRAVA, object_id, kind)
    log.info("strava deauthorised", extra={"athlete_id": athlete_id, "deleted": deleted})
    return deleted
