"""A CalDAV calendar as a push channel: one event resource per session, named from its UID.

Creates carry `If-None-Match: *` and updates `If-Match: <etag>`; a 412 means
the event was written behind our back (or by a push that crashed before its
ledger write), so it is read once and overwritten: the plan wins, with
SEQUENCE raised above the one read. A 404 on delete means done. The protocol
client, and why it is our own rather than the `caldav` library, is `dav.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any
from urllib.parse import urljoin, urlsplit

from syncsvc.domain import Athlete, Session
from syncsvc.feed.ics import session_uid
from syncsvc.feed.settings import FeedSettings
from syncsvc.push.dav import CalDavClient, href_key, object_name, remote_sequence
from syncsvc.push.model import (
    ChannelKind,
    EntryState,
    Projection,
    RemoteChanges,
    RemoteConflict,
)
from syncsvc.push.project import caldav_body, caldav_projection
from syncsvc.store.push import Channel, LedgerEntry

DEFAULT_CALENDAR = "Core & hip"
PROVIDERS = {
    "icloud.com": "iCloud",
    "fastmail": "Fastmail",
    "nextcloud": "Nextcloud",
    "radicale": "Radicale",
}


def where_of(url: str) -> str:
    """What a runner calls the server: "iCloud", "Fastmail", else its host name."""
    host = urlsplit(url).hostname or url
    for part, name in PROVIDERS.items():
        if part in host or part in url:
            return name
    return host


class CalDavRemote:
    """A CalDAV calendar as a push channel: one event resource per session, named from its UID."""

    kind = ChannelKind.CALDAV

    def __init__(
        self,
        channel: Channel,
        secret: dict[str, Any],
        athlete: Athlete,
        host: str,
        settings: FeedSettings,
    ) -> None:
        self.channel = channel
        self.athlete = athlete
        self.host = host
        self.settings = settings
        self.client = CalDavClient(
            channel.target,
            str(channel.options.get("username", "")),
            str(secret.get("password", "")),
        )
        self.calendar = ""

    @property
    def reads(self) -> int:
        return self.client.reads

    @property
    def writes(self) -> int:
        return self.client.writes

    def where(self) -> str:
        return where_of(self.channel.target)

    def window(self, today: date) -> tuple[date, date | None]:
        return today, None

    def project(self, session: Session) -> Projection:
        return caldav_projection(self.athlete, session, self.host, self.settings)

    def prepare(self, remote: dict[str, Any]) -> dict[str, Any]:
        calendar = str(remote.get("calendar", ""))
        if not calendar:
            name = str(self.channel.options.get("calendar") or DEFAULT_CALENDAR)
            calendar, _created = self.client.discover(name)
        self.calendar = calendar
        return {**remote, "calendar": calendar}

    def changes(self, remote: dict[str, Any], entries: Sequence[LedgerEntry]) -> RemoteChanges:
        listed = self.client.etags(self.calendar)
        gone = frozenset(
            e.session_id
            for e in entries
            if e.state == EntryState.PUSHED and href_key(e.remote_id) not in listed
        )
        edited = {
            e.session_id: listed[href_key(e.remote_id)]
            for e in entries
            if href_key(e.remote_id) in listed
            and e.etag
            and listed[href_key(e.remote_id)] != e.etag
        }
        return RemoteChanges(gone, edited, remote)

    def _href(self, session: Session) -> str:
        return urljoin(self.calendar, object_name(session_uid(session, self.host)))

    def _body(self, session: Session, sequence: int) -> bytes:
        return caldav_body(self.athlete, session, self.host, self.settings, sequence)

    def create(
        self, projection: Projection, session: Session, entry: LedgerEntry | None
    ) -> LedgerEntry:
        href = self._href(session)
        sequence = max(session.version, entry.sequence + 1 if entry else 0)
        try:
            etag = self.client.create(href, self._body(session, sequence))
        except RemoteConflict:
            # Ours from a push that crashed before its ledger write, or re-added
            # after a cancellation: read it and write over it, the plan wins.
            body, current = self.client.get(href)
            sequence = max(sequence, remote_sequence(body) + 1)
            etag = self.client.update(href, self._body(session, sequence), current)
        return LedgerEntry(
            session.id,
            remote_id=href,
            etag=etag,
            content_hash=projection.content_hash,
            sequence=sequence,
            local_date=session.local_date,
            state=EntryState.PUSHED,
            last_result="created",
        )

    def update(
        self, projection: Projection, session: Session, entry: LedgerEntry, edited_etag: str
    ) -> LedgerEntry:
        href = entry.remote_id or self._href(session)
        sequence = max(session.version, entry.sequence + 1)
        try:
            etag = self.client.update(
                href, self._body(session, sequence), edited_etag or entry.etag
            )
        except RemoteConflict:
            # Edited behind our back since we last looked: re-read, and the plan wins.
            body, current = self.client.get(href)
            sequence = max(sequence, remote_sequence(body) + 1)
            etag = self.client.update(href, self._body(session, sequence), current)
        return replace(
            entry,
            remote_id=href,
            etag=etag,
            content_hash=projection.content_hash,
            sequence=sequence,
            local_date=session.local_date,
            state=EntryState.PUSHED,
            last_result="updated",
        )

    def delete(self, entry: LedgerEntry) -> None:
        self.client.delete(entry.remote_id)

    def saved_secret(self) -> dict[str, Any] | None:
        return None

    def close(self) -> None:
        self.client.close()
