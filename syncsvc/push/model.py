"""The values push channels share: what a session looks like to a channel, and what a push did."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from syncsvc.errors import AuthError, SourceError


class ChannelKind(StrEnum):
    CALDAV = "caldav"
    GARMIN = "garmin"
    GOOGLE = "google"


class ChannelState(StrEnum):
    OK = "ok"
    FAILING = "failing"
    """The remote side failed (down, 5xx, 429): retried with backoff, recovers by itself."""
    PAUSED = "paused"
    """A wrong password or a revoked grant: nothing is pushed until the runner reconnects."""


class EntryState(StrEnum):
    PENDING = "pending"
    """A write was started and its answer not yet recorded (a crash converges from here)."""
    PUSHED = "pushed"
    REMOVED = "removed"
    """We removed it (a cancellation)."""
    DELETED_REMOTE = "deleted-remote"
    """The runner removed it on the remote side: the session became skipped; never re-created."""


LABELS = {
    ChannelKind.CALDAV: "CalDAV",
    ChannelKind.GARMIN: "Garmin Connect",
    ChannelKind.GOOGLE: "Google Calendar",
}

READ_INTERVAL = timedelta(hours=1)
"""At most how often a channel's remote side is listed for deletions (unless forced)."""
GARMIN_WINDOW_DAYS = 14
"""Watches keep only a few scheduled workouts: the next 14 days are on the calendar."""
BACKOFF_MAX = timedelta(hours=1)


def content_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def backoff(failures: int) -> timedelta:
    """1, 2, 4 ... minutes after each failure in a row, at most an hour."""
    if failures <= 0:
        return timedelta(0)
    return min(timedelta(minutes=2 ** min(failures - 1, 10)), BACKOFF_MAX)


@dataclass(frozen=True, slots=True)
class Projection:
    """One session as a channel will hold it: the bytes or JSON to write and their hash."""

    session_id: str
    local_date: date
    content_hash: str
    payload: Any
    summary: str = ""


@dataclass(frozen=True, slots=True)
class PushCounts:
    created: int = 0
    updated: int = 0
    moved: int = 0
    deleted: int = 0
    skipped_by_runner: int = 0
    unchanged: int = 0


@dataclass(frozen=True, slots=True)
class PushResult:
    """What one push of one channel did, in counts and requests."""

    channel_id: int
    kind: str
    state: ChannelState
    counts: PushCounts = PushCounts()
    reads: int = 0
    writes: int = 0
    error: str = ""
    skipped_sessions: tuple[str, ...] = ()
    ran: bool = True
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    """A channel as `push list` and `status` show it: never a password or token."""

    id: int
    kind: str
    target: str
    state: str
    last_push_at: datetime | None
    last_success_at: datetime | None
    lag_s: float
    last_error: str
    sessions: int
    retry_after: datetime | None


class ChannelAuthError(AuthError):
    """The channel's password or grant was refused: the channel pauses until reconnected."""


class ChannelUnavailable(SourceError):
    """The remote side is down, throttling or failing: try again later."""


class RemoteGone(Exception):
    """The remote copy is gone (the runner deleted it)."""


class RemoteConflict(Exception):
    """The remote object exists already (a create after a crash, a 409)."""


@dataclass(frozen=True, slots=True)
class RemoteChanges:
    """What a read of the remote side found against the ledger."""

    gone: frozenset[str] = frozenset()
    """Sessions whose pushed copy the runner removed."""
    edited: dict[str, str] = field(default_factory=dict)
    """Sessions whose pushed copy was edited behind our back: session id -> current etag."""
    remote: dict[str, Any] = field(default_factory=dict)
    """The channel's remote state after the read (a new sync token, say)."""
