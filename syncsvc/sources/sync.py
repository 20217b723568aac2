"""One sync of one source into the store: pages in, committed one by one, cursor after.

- Strava: `after=` the newest stored start minus `strava.cursor_overlap_s` (0 for
  `--full`), 200 a page, oldest first, so the cursor moves with each committed page;
  nothing new costs one request.
- Strava's first sync (the backfill, no cursor yet) reads newest first instead
  (`before=`, Strava's order without `after`), so the recent weeks the plan needs
  are stored first. The cursor stays unset until the walk reaches the oldest
  activity; a walk stopped (by the budget, say) resumes `before=` the oldest
  start stored. N activities cost ceil(N/200) list requests (one more, empty, when N
  is a multiple of 200).
- Garmin: `get_activities(start, limit)`, newest first, 1000 a page for a backfill
  and `garmin.incremental_page_size` when a cursor exists; paging stops at the first
  page reaching back past the cursor. Newest-first pages cannot move the cursor
  safely midway, so it moves when the walk completes; a rerun after a failure
  refetches, and duplicates nothing.
- `full`: every page from the beginning, then the records the source no longer
  has are deleted (their merged groups keep the other records).

A failure keeps what was committed and ends the source's sync with the reason in
`SyncSummary.stopped`; the other sources still run.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from syncsvc import clock
from syncsvc.config import Settings
from syncsvc.domain import Athlete, Source, SourceRecord, SyncCursor, SyncSummary
from syncsvc.errors import AuthError, SourceError, SyncsvcError
from syncsvc.sources.garmin import GarminSession, load_tokens, read_tokens, save_tokens
from syncsvc.sources.http import CountingSession
from syncsvc.sources.ingest import PageResult, delete_missing, store_page
from syncsvc.sources.normalise_garmin import garmin_id_of, garmin_record
from syncsvc.sources.normalise_strava import strava_id_of, strava_record
from syncsvc.sources.settings import MergeSettings
from syncsvc.sources.strava import StravaApi, StravaUnauthorized
from syncsvc.sources.strava_auth import fresh_token, mark_broken, refresh, scope_warning
from syncsvc.store.database import Store, Transaction

log = logging.getLogger(__name__)

ProgressCallback = Callable[[Source, int], None]
"""Called after each committed page with the source and its activities fetched so far."""

REMOTE_SOURCES = (Source.STRAVA, Source.GARMIN)


@dataclass(frozen=True, slots=True)
class SourceOutcome:
    summary: SyncSummary
    error: SyncsvcError | None = None


@dataclass
class _Tally:
    source: Source
    fetched: int = 0
    new: int = 0
    updated: int = 0
    merged: int = 0
    skipped: int = 0
    deleted: int = 0
    problems: list[str] = field(default_factory=list)
    seen_ids: set[str] = field(default_factory=set)

    def add(self, page: PageResult) -> None:
        self.fetched += page.fetched
        self.new += page.new
        self.updated += page.updated
        self.merged += page.merged
        self.skipped += page.skipped
        self.problems.extend(page.problems)
        self.seen_ids.update(page.seen_ids)

    def summary(self, requests: int, stopped: str = "") -> SyncSummary:
        return SyncSummary(
            source=self.source,
            fetched=self.fetched,
            new=self.new,
            updated=self.updated,
            merged=self.merged,
            skipped=self.skipped,
            deleted=self.deleted,
            requests=requests,
            stopped=stopped,
            problems=tuple(self.problems),
        )


def connected_sources(store: Store, athlete_id: int) -> list[Source]:
    with store.read() as tx:
        credentials = tx.athlete(athlete_id).credentials
        return [source for source in REMOTE_SOURCES if credentials.info(source.value) is not None]


def _cursor(store: Store, athlete_id: int, source: Source) -> SyncCursor:
    with store.read() as tx:
        return tx.athlete(athlete_id).cursors.get(source)


def _finish(
    store: Store,
    athlete_id: int,
    source: Source,
    started: datetime,
    *,
    error: SyncsvcError | None,
    newest: datetime | None = None,
    full: bool = False,
) -> None:
    """Record the attempt; a success also clears the error and, for Garmin, moves the cursor."""
    with store.write() as tx:
        cursors = tx.athlete(athlete_id).cursors
        cursor = dataclasses.replace(cursors.get(source), last_attempt_at=started)
        if newest is not None:
            cursor = dataclasses.replace(cursor, newest_start_utc=newest)
        if error is not None:
            cursor = dataclasses.replace(cursor, last_error=error.one_line())
        else:
            cursor = dataclasses.replace(cursor, last_success_at=started, last_error="")
            if full:
                cursor = dataclasses.replace(cursor, full_sync_at=started)
        cursors.save(cursor)


def _move_cursor(athlete_id: int, source: Source) -> Callable[[Transaction, PageResult], None]:
    """Move the cursor in the page's own transaction, so it never passes an uncommitted one."""

    def move(tx: Transaction, page: PageResult) -> None:
        newest = page.newest_start
        if newest is None:
            return
        cursors = tx.athlete(athlete_id).cursors
        cursor = cursors.get(source)
        if cursor.newest_start_utc is None or newest > cursor.newest_start_utc:
            cursors.save(dataclasses.replace(cursor, newest_start_utc=newest))

    return move


@dataclass(frozen=True, slots=True)
class _PageWalk:
    """What differs between the sources' page loops; `_walk_pages` holds the loop."""

    source: Source
    fetch: Callable[[int], Sequence[Any]]
    """The raw records of page number n (0 first)."""
    page_size: int
    normalise: Callable[[Any], SourceRecord]
    id_of: Callable[[Any], str]
    in_transaction: Callable[[Transaction, PageResult], None] | None = None
    reached_cursor: Callable[[PageResult], bool] = lambda page: False
    """True when the walk has reached back past what is stored (newest-first pages)."""


def _walk_pages(
    store: Store,
    athlete_id: int,
    walk: _PageWalk,
    merge: MergeSettings,
    tally: _Tally,
    *,
    full: bool,
    progress: ProgressCallback | None,
) -> None:
    """Store and count the pages up to a short one; `full` then deletes what the source lost."""
    number = 0
    while True:
        raws = walk.fetch(number)
        result = store_page(
            store,
            athlete_id,
            walk.source,
            raws,
            walk.normalise,
            walk.id_of,
            merge,
            in_transaction=walk.in_transaction,
        )
        tally.add(result)
        if progress is not None:
            progress(walk.source, tally.fetched)
        if len(raws) < walk.page_size or walk.reached_cursor(result):
            break
        number += 1
    if full:
        tally.deleted = delete_missing(store, athlete_id, walk.source, tally.seen_ids, merge)


# ---------------------------------------------------------------- Strava


def sync_strava(
    store: Store,
    settings: Settings,
    athlete: Athlete,
    *,
    full: bool = False,
    progress: ProgressCallback | None = None,
) -> SourceOutcome:
    started = clock.now()
    tally = _Tally(Source.STRAVA)
    session = CountingSession()
    strava = settings.strava
    cursor = _cursor(store, athlete.id, Source.STRAVA)
    after = 0
    if not full and cursor.newest_start_utc is not None:
        after = max(
            0,
            int((cursor.newest_start_utc - timedelta(seconds=strava.cursor_overlap_s)).timestamp()),
        )
    backfill = not full and cursor.newest_start_utc is None
    resumed = backfill and cursor.last_attempt_at is not None
    before = _backfill_resumes_before(store, athlete.id) if resumed else None
    try:
        with store.read() as tx:
            info = tx.athlete(athlete.id).credentials.info("strava")
        warning = scope_warning(info.scope) if info is not None and info.scope else None
        if warning:
            tally.problems.append(warning)
        token = fresh_token(store, strava, athlete.id, session, clock.now())
        api = StravaApi(
            store, strava, token.access_token, reserve=strava.budget_reserve, session=session
        )
        refreshed_after_401 = False

        def fetch(number: int) -> Sequence[Any]:
            nonlocal token, refreshed_after_401
            while True:
                try:
                    if backfill:
                        return api.list_activities_before(
                            before=before, page=number + 1, per_page=strava.page_size
                        )
                    return api.list_activities(
                        after=after, page=number + 1, per_page=strava.page_size
                    )
                except StravaUnauthorized:
                    if refreshed_after_401:
                        message = (
                            "Strava refused the access token even after a refresh (access revoked?)"
                        )
                        mark_broken(store, athlete.id, "revoked", message)
                        raise AuthError(message, hint="run syncsvc auth strava") from None
                    refreshed_after_401 = True
                    token = refresh(store, strava, athlete.id, token, session)
                    api.set_access_token(token.access_token)

        walk = _PageWalk(
            Source.STRAVA,
            fetch,
            strava.page_size,
            strava_record,
            strava_id_of,
            in_transaction=None if backfill else _move_cursor(athlete.id, Source.STRAVA),
        )
        _walk_pages(store, athlete.id, walk, settings.merge, tally, full=full, progress=progress)
    except SyncsvcError as error:
        _finish(store, athlete.id, Source.STRAVA, started, error=error)
        return SourceOutcome(tally.summary(session.requests_made, error.one_line()), error)
    newest = None
    if backfill:  # the walk reached the oldest activity: from now on, only what is newer
        with store.read() as tx:
            newest = tx.athlete(athlete.id).activities.newest_start(Source.STRAVA)
    _finish(store, athlete.id, Source.STRAVA, started, error=None, newest=newest, full=full)
    return SourceOutcome(tally.summary(session.requests_made))


def _backfill_resumes_before(store: Store, athlete_id: int) -> int | None:
    """Where a stopped backfill goes on: just after the oldest Strava start stored (None: now).

    One second later than that start, so an activity sharing its second is read
    again rather than missed (storing it twice changes nothing). Only a backfill
    that was already attempted resumes: Strava records stored without a cursor
    by other means (the demo's) must not cut a first backfill short.
    """
    with store.read() as tx:
        oldest = tx.athlete(athlete_id).activities.oldest_start(Source.STRAVA)
    return None if oldest is None else int(oldest.timestamp()) + 1


# ---------------------------------------------------------------- Garmin


def sync_garmin(
    store: Store,
    settings: Settings,
    athlete: Athlete,
    *,
    full: bool = False,
    progress: ProgressCallback | None = None,
) -> SourceOutcome:
    started = clock.now()
    tally = _Tally(Source.GARMIN)
    garmin = settings.garmin
    cursor = _cursor(store, athlete.id, Source.GARMIN)
    incremental = not full and cursor.newest_start_utc is not None
    threshold = (
        cursor.newest_start_utc - timedelta(seconds=garmin.cursor_overlap_s)
        if incremental and cursor.newest_start_utc is not None
        else None
    )
    limit = garmin.incremental_page_size if incremental else garmin.page_size
    session: GarminSession | None = None

    def reached_cursor(page: PageResult) -> bool:
        oldest = page.oldest_start
        return threshold is not None and oldest is not None and oldest <= threshold

    try:
        session = opened = GarminSession(_garmin_tokens(store, settings, athlete.id), garmin)

        def fetch(number: int) -> Sequence[Any]:
            try:
                return opened.activities(number * limit, limit)
            finally:
                tokens = opened.tokens_if_changed()
                if tokens is not None:
                    save_tokens(store, athlete.id, tokens)

        walk = _PageWalk(
            Source.GARMIN, fetch, limit, garmin_record, garmin_id_of, reached_cursor=reached_cursor
        )
        _walk_pages(store, athlete.id, walk, settings.merge, tally, full=full, progress=progress)
    except SyncsvcError as error:
        if isinstance(error, AuthError):
            with store.write() as tx:
                tx.athlete(athlete.id).credentials.mark("garmin", "expired", error.message)
        requests = session.requests_made if session is not None else 0
        _finish(store, athlete.id, Source.GARMIN, started, error=error)
        return SourceOutcome(tally.summary(requests, error.one_line()), error)
    with store.read() as tx:
        newest = tx.athlete(athlete.id).activities.newest_start(Source.GARMIN)
    _finish(store, athlete.id, Source.GARMIN, started, error=None, newest=newest, full=full)
    return SourceOutcome(tally.summary(session.requests_made))


def _garmin_tokens(store: Store, settings: Settings, athlete_id: int) -> str:
    """The stored tokens; on first use, the ones `GARMINTOKENS` names (then stored encrypted)."""
    try:
        return load_tokens(store, athlete_id)
    except AuthError:
        if not settings.garmin.tokens:
            raise
    tokens = read_tokens(settings.garmin.tokens)
    save_tokens(store, athlete_id, tokens)
    return tokens


# ---------------------------------------------------------------- all sources

SYNCERS = {Source.STRAVA: sync_strava, Source.GARMIN: sync_garmin}


def sync_athlete(
    store: Store,
    settings: Settings,
    athlete: Athlete,
    *,
    sources: Sequence[Source] | None = None,
    full: bool = False,
    progress: ProgressCallback | None = None,
) -> list[SourceOutcome]:
    """Sync the named sources (default: every connected one), each to its end or its stop."""
    chosen = list(sources) if sources else connected_sources(store, athlete.id)
    if not chosen:
        raise SourceError(
            "no source is connected",
            hint="run syncsvc auth strava or syncsvc auth garmin, or syncsvc import FILES",
        )
    outcomes: list[SourceOutcome] = []
    for source in chosen:
        if source not in SYNCERS:
            raise SourceError(f"{source.value} cannot be synced; use syncsvc import for files")
        outcome = SYNCERS[source](store, settings, athlete, full=full, progress=progress)
        log.info(
            "sync finished",
            extra={
                "source": source.value,
                "athlete_id": athlete.id,
                "stopped": outcome.summary.stopped,
            },
        )
        outcomes.append(outcome)
    return outcomes
