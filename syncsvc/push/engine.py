"""One push of one channel: the plan read once, the ledger compared, only the differences written.

The steps, the same for every channel:

1. Read the channel, its secret, its ledger, the athlete and the sessions in
   the channel's window (one read transaction).
2. When a read is due (forced, or an hour since the last), ask the remote side
   what the runner removed or edited. A removed copy marks its session skipped
   with its origin ("deleted in iCloud on 3 Dec"), through a skip override, so
   the next replan keeps it skipped; it is never re-created. An edited copy is
   overwritten: the plan wins, with SEQUENCE raised.
3. For each session: create what the channel lacks, update what changed
   (compared by content hash, so an unchanged replan writes nothing), move
   what changed day (Garmin reschedules), remove what was cancelled.
4. Each remote write is followed at once by its own ledger write, and a create
   is preceded by a `pending` entry, so a crash at any point converges on the
   next run: ids derived from the UID (CalDAV, Google) meet a 412 or 409 and
   are adopted; Garmin finds a workout left by a crash by its marker.

A failing channel never raises out of `push_all`: it is marked failing (backed
off) or paused (a refused password or grant) with one message naming the fix.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from syncsvc import clock
from syncsvc.config import Settings
from syncsvc.domain import Athlete, Override, OverrideAction, Session, SessionStatus
from syncsvc.errors import NotFoundError, SyncsvcError
from syncsvc.push.caldav import CalDavRemote
from syncsvc.push.garmin import GarminRemote
from syncsvc.push.google import GoogleRemote
from syncsvc.push.model import (
    READ_INTERVAL,
    ChannelAuthError,
    ChannelKind,
    ChannelState,
    ChannelUnavailable,
    EntryState,
    Projection,
    PushCounts,
    PushResult,
    RemoteChanges,
    RemoteConflict,
    RemoteGone,
    backoff,
)
from syncsvc.push.project import REMOVED
from syncsvc.store.database import Store
from syncsvc.store.push import Channel, LedgerEntry

log = logging.getLogger(__name__)


class Remote(Protocol):
    """A channel's remote side, as the engine drives it (see caldav.py, garmin.py, google.py)."""

    kind: ChannelKind

    @property
    def reads(self) -> int: ...

    @property
    def writes(self) -> int: ...

    def where(self) -> str:
        """Where the runner sees it, for "deleted in ... on 3 Dec"."""
        ...

    def window(self, today: date) -> tuple[date, date | None]: ...

    def project(self, session: Session) -> Projection: ...

    def prepare(self, remote: dict[str, Any]) -> dict[str, Any]:
        """Find or make the calendar; returns the remote state to keep."""
        ...

    def changes(self, remote: dict[str, Any], entries: Sequence[LedgerEntry]) -> RemoteChanges: ...

    def create(
        self, projection: Projection, session: Session, entry: LedgerEntry | None
    ) -> LedgerEntry: ...

    def update(
        self, projection: Projection, session: Session, entry: LedgerEntry, edited_etag: str
    ) -> LedgerEntry: ...

    def delete(self, entry: LedgerEntry) -> None: ...

    def saved_secret(self) -> dict[str, Any] | None:
        """A refreshed secret to keep (OAuth tokens), once; None when unchanged."""
        ...

    def close(self) -> None: ...


def connect(
    store: Store, settings: Settings, athlete: Athlete, channel: Channel, http: Any
) -> Remote:
    with store.read() as tx:
        secret = tx.athlete(athlete.id).push.secret(channel.id)
    host = store.info().uid_host
    kind = ChannelKind(channel.kind)
    if kind is ChannelKind.CALDAV:
        return CalDavRemote(channel, secret or {}, athlete, host, settings.feed)
    if kind is ChannelKind.GOOGLE:
        return GoogleRemote(channel, secret or {}, athlete, host, settings.feed, http=http)
    return GarminRemote(store, settings, athlete, channel)


def origin_note(where: str, day: date) -> str:
    return f"deleted in {where} on {day.day} {day:%b}"


def _mark_skipped(
    store: Store, athlete_id: int, session_ids: Sequence[str], note: str, kind: str
) -> list[str]:
    """The runner removed these sessions' copies: skip them, saying where it happened."""
    now = clock.now()
    marked = []
    with store.write() as tx:
        scope = tx.athlete(athlete_id)
        for session_id in session_ids:
            session = scope.sessions.get(session_id)
            if session is None or session.status is not SessionStatus.PLANNED:
                continue
            scope.overrides.append(
                Override(
                    athlete_id,
                    OverrideAction.SKIP,
                    now,
                    session_id=session_id,
                    note=note,
                    origin=f"push:{kind}",
                )
            )
            scope.sessions.save(
                [
                    replace(
                        session,
                        status=SessionStatus.SKIPPED,
                        version=session.version + 1,
                        changed_at=now,
                        reasons=(*session.reasons, note),
                        outcome_note=note,
                    )
                ]
            )
            marked.append(session_id)
    return marked


def _save_entry(store: Store, athlete_id: int, channel_id: int, entry: LedgerEntry) -> None:
    with store.write() as tx:
        tx.athlete(athlete_id).push.save_entry(channel_id, entry)


def _read_due(channel: Channel, now: datetime, force: bool) -> bool:
    return force or channel.last_read_at is None or now - channel.last_read_at >= READ_INTERVAL


def next_attempt_at(channel: Channel) -> datetime | None:
    """When a failing channel may be tried again; None when it may be tried now."""
    if channel.state != ChannelState.FAILING or channel.last_push_at is None:
        return None
    return channel.last_push_at + backoff(channel.failures)


def push_channel(
    store: Store,
    settings: Settings,
    athlete_id: int,
    channel_id: int,
    *,
    force_read: bool = False,
    http: Any = None,
) -> PushResult:
    """Bring one channel in step with the stored plan; never raises for a remote failure.

    `force_read`: list the remote side even if it was read within the hour (the
    daily push does). `http`: an httplib2.Http for Google (tests pass
    HttpMockSequence).
    """
    with store.read() as tx:
        athlete = tx.athletes.by_id(athlete_id)
        channel = tx.athlete(athlete_id).push.channel(channel_id)
    if athlete is None or channel is None:
        raise NotFoundError(f"no push channel {channel_id} for this athlete")
    if channel.state == ChannelState.PAUSED:
        return PushResult(
            channel.id, channel.kind, ChannelState.PAUSED, error=channel.last_error, ran=False
        )
    remote: Remote | None = None
    counts = PushCounts()
    skipped: list[str] = []
    try:
        remote = connect(store, settings, athlete, channel, http)
        counts, skipped = _push(store, athlete, channel, remote, force_read)
    except ChannelAuthError as error:
        return _finish(store, athlete_id, channel, remote, ChannelState.PAUSED, error, counts)
    except RemoteConflict:
        raced = ChannelUnavailable(
            "an event changed again while it was being written",
            hint="the next push tries again",
        )
        return _finish(store, athlete_id, channel, remote, ChannelState.FAILING, raced, counts)
    except RemoteGone:
        # The whole calendar is gone (deleted by the runner): forget where it was
        # and what it held; the next push finds or makes it again and writes all.
        _forget_remote(store, athlete_id, channel.id)
        gone = ChannelUnavailable(
            "the calendar on the server is gone",
            hint="the next push makes it again; syncsvc push remove stops this channel",
        )
        return _finish(store, athlete_id, channel, remote, ChannelState.FAILING, gone, counts)
    except SyncsvcError as error:
        return _finish(store, athlete_id, channel, remote, ChannelState.FAILING, error, counts)
    finally:
        if remote is not None:
            remote.close()
    return _finish(store, athlete_id, channel, remote, ChannelState.OK, None, counts, skipped)


def _forget_remote(store: Store, athlete_id: int, channel_id: int) -> None:
    with store.write() as tx:
        push = tx.athlete(athlete_id).push
        push.save_remote(channel_id, {})
        for entry in push.ledger(channel_id):
            if entry.state in (EntryState.PUSHED, EntryState.PENDING):
                push.save_entry(
                    channel_id,
                    replace(entry, state=EntryState.REMOVED, last_result="calendar gone"),
                )


def _finish(
    store: Store,
    athlete_id: int,
    channel: Channel,
    remote: Remote | None,
    state: ChannelState,
    error: SyncsvcError | None,
    counts: PushCounts,
    skipped: Sequence[str] = (),
) -> PushResult:
    message = "" if error is None else error.one_line()
    if error is not None:
        log.warning(
            "push channel failed",
            extra={"channel": channel.id, "kind": channel.kind, "error": message},
        )
    with store.write() as tx:
        push = tx.athlete(athlete_id).push
        if remote is not None:
            secret = remote.saved_secret()
            if secret is not None:
                push.save_secret(channel.id, secret)
        push.record_outcome(channel.id, state=state, error=message)
    return PushResult(
        channel.id,
        channel.kind,
        state,
        counts,
        reads=0 if remote is None else remote.reads,
        writes=0 if remote is None else remote.writes,
        error=message,
        skipped_sessions=tuple(skipped),
    )


def _push(
    store: Store, athlete: Athlete, channel: Channel, remote: Remote, force_read: bool
) -> tuple[PushCounts, list[str]]:
    now = clock.now()
    today = clock.today_in(athlete.profile.timezone)
    first, last = remote.window(today)
    state = remote.prepare(dict(channel.remote))
    with store.write() as tx:
        tx.athlete(athlete.id).push.save_remote(channel.id, state)
    with store.read() as tx:
        scope = tx.athlete(athlete.id)
        sessions = {s.id: s for s in scope.sessions.all(since=first)}
        entries = {e.session_id: e for e in scope.push.ledger(channel.id)}

    created = updated = moved = deleted = unchanged = 0
    skipped: list[str] = []
    edited: dict[str, str] = {}
    if _read_due(channel, now, force_read):
        found = remote.changes(state, [e for e in entries.values() if _on_remote(e)])
        edited = dict(found.edited)
        gone = sorted(found.gone)
        if gone:
            note = origin_note(remote.where(), today)
            skipped = _mark_skipped(store, athlete.id, gone, note, channel.kind)
            for session_id in gone:
                marked = replace(
                    entries[session_id], state=EntryState.DELETED_REMOTE, last_result=note
                )
                _save_entry(store, athlete.id, channel.id, marked)
                entries[session_id] = marked
            with store.read() as tx:
                sessions = {s.id: s for s in tx.athlete(athlete.id).sessions.all(since=first)}
        with store.write() as tx:
            tx.athlete(athlete.id).push.save_remote(channel.id, found.remote or state, read=True)

    wanted = {
        session_id: session
        for session_id, session in sessions.items()
        if session.status not in REMOVED and (last is None or session.local_date <= last)
    }
    for session_id, session in sorted(wanted.items(), key=lambda item: item[1].local_date):
        entry = entries.get(session_id)
        if entry is not None and entry.state == EntryState.DELETED_REMOTE:
            continue
        projection = remote.project(session)
        # A pending entry is a write whose answer was never recorded (a crash, a
        # dropped connection): written over as a change when it had a remote copy.
        creating = (
            entry is None
            or entry.state == EntryState.REMOVED
            or (entry.state == EntryState.PENDING and not entry.remote_id)
        )
        changed = entry is not None and (
            entry.content_hash != projection.content_hash
            or session_id in edited
            or entry.state == EntryState.PENDING
        )
        if (
            not creating
            and not changed
            and entry is not None
            and entry.local_date == projection.local_date
        ):
            unchanged += 1
            continue
        # Pending until the answer is recorded: a crash in between makes the next
        # run take the create path, which adopts or cleans up what was written.
        base = entry or LedgerEntry(session_id, local_date=session.local_date)
        _save_entry(store, athlete.id, channel.id, replace(base, state=EntryState.PENDING))
        try:
            if creating or entry is None:
                written = remote.create(projection, session, entry)
                created += 1
            elif changed:
                written = remote.update(projection, session, entry, edited.get(session_id, ""))
                updated += 1
            else:
                written = remote.update(projection, session, entry, "")
                moved += 1
        except RemoteGone:
            note = origin_note(remote.where(), today)
            skipped += _mark_skipped(store, athlete.id, [session_id], note, channel.kind)
            _save_entry(
                store,
                athlete.id,
                channel.id,
                replace(base, state=EntryState.DELETED_REMOTE, last_result=note),
            )
            continue
        _save_entry(store, athlete.id, channel.id, replace(written, pushed_at=clock.now()))

    for session_id, held in sorted(entries.items()):
        if session_id in wanted or not _on_remote(held):
            continue
        if session_id not in sessions and held.local_date is not None and held.local_date < first:
            continue  # in the past, outside the window: left as it is
        remote.delete(held)
        deleted += 1
        _save_entry(
            store,
            athlete.id,
            channel.id,
            replace(held, state=EntryState.REMOVED, last_result="removed", pushed_at=clock.now()),
        )
    counts = PushCounts(created, updated, moved, deleted, len(skipped), unchanged)
    return counts, skipped


def _on_remote(entry: LedgerEntry) -> bool:
    return entry.state in (EntryState.PUSHED, EntryState.PENDING) and bool(entry.remote_id)


def push_all(
    store: Store,
    settings: Settings,
    athlete_id: int,
    *,
    force: bool = False,
    force_read: bool = False,
    http: Any = None,
) -> list[PushResult]:
    """Push every channel of an athlete that is due; one failing never stops the others."""
    with store.read() as tx:
        channels = tx.athlete(athlete_id).push.channels()
    results = []
    now = clock.now()
    for channel in channels:
        retry = next_attempt_at(channel)
        if not force and retry is not None and retry > now:
            results.append(
                PushResult(
                    channel.id,
                    channel.kind,
                    ChannelState(channel.state),
                    error=channel.last_error,
                    ran=False,
                )
            )
            continue
        try:
            results.append(
                push_channel(
                    store, settings, athlete_id, channel.id, force_read=force_read, http=http
                )
            )
        except Exception as error:  # a bug in one channel must not stop the others
            log.exception("push channel crashed", extra={"channel": channel.id})
            with store.write() as tx:
                tx.athlete(athlete_id).push.record_outcome(
                    channel.id, state=ChannelState.FAILING, error=type(error).__name__
                )
            results.append(
                PushResult(
                    channel.id, channel.kind, ChannelState.FAILING, error=type(error).__name__
                )
            )
    return results


def lag(channel: Channel, now: datetime) -> timedelta:
    """How long the channel has been behind the plan (0 when in step)."""
    changed = channel.plan_changed_at
    if changed is None:
        return timedelta(0)
    if channel.last_success_at is not None and channel.last_success_at >= changed:
        return timedelta(0)
    return max(now - changed, timedelta(0))
