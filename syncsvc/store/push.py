"""An athlete's push channels (CalDAV, Garmin, Google) and what each holds per session.

The channel's password or OAuth grant is decrypted only here (`secret`), like
the credentials in `sync_state.py`; `Channel` itself never carries it, so
anything listing channels cannot leak one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, delete, func, or_, select
from sqlalchemy.orm import Session as OrmSession

from syncsvc import clock
from syncsvc.secrets import SecretBox
from syncsvc.store.schema import AthleteRow, PushChannelRow, PushLedgerRow
from syncsvc.store.sets import AthleteIds, among, by_athlete


@dataclass(frozen=True, slots=True)
class Channel:
    """A push channel as it may be shown: no secret in it."""

    id: int
    kind: str
    target: str
    options: dict[str, Any]
    remote: dict[str, Any]
    state: str
    last_error: str
    failures: int
    created_at: datetime
    last_push_at: datetime | None
    last_success_at: datetime | None
    last_read_at: datetime | None
    plan_changed_at: datetime | None


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """What one channel holds for one session."""

    session_id: str
    remote_id: str = ""
    etag: str = ""
    content_hash: str = ""
    sequence: int = 0
    local_date: date | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    state: str = "pending"
    last_result: str = ""
    pushed_at: datetime | None = None


def _channel(row: PushChannelRow | Row[Any]) -> Channel:
    return Channel(
        id=row.id,
        kind=row.kind,
        target=row.target,
        options=json.loads(row.options_json or "{}"),
        remote=json.loads(row.remote_json or "{}"),
        state=row.state,
        last_error=row.last_error,
        failures=row.failures,
        created_at=row.created_at,
        last_push_at=row.last_push_at,
        last_success_at=row.last_success_at,
        last_read_at=row.last_read_at,
        plan_changed_at=row.plan_changed_at,
    )


def _entry(row: PushLedgerRow) -> LedgerEntry:
    return LedgerEntry(
        session_id=row.session_id,
        remote_id=row.remote_id,
        etag=row.etag,
        content_hash=row.content_hash,
        sequence=row.sequence,
        local_date=row.local_date,
        extra=json.loads(row.extra_json or "{}"),
        state=row.state,
        last_result=row.last_result,
        pushed_at=row.pushed_at,
    )


CHANNEL_COLUMNS = tuple(c for c in PushChannelRow.__table__.columns if c.name != "secret_enc")
"""What a `Channel` shows: every column but the secret (plain rows: a tick reads thousands)."""


def channels_of(orm: OrmSession, athlete_ids: AthleteIds) -> dict[int, list[Channel]]:
    """Some athletes' push channels, each athlete's by id."""
    rows = orm.execute(
        select(*CHANNEL_COLUMNS)
        .where(among(PushChannelRow.athlete_id, athlete_ids))
        .order_by(PushChannelRow.athlete_id, PushChannelRow.id)
    )
    return by_athlete((row.athlete_id, _channel(row)) for row in rows)


def ledger_counts_of(orm: OrmSession, athlete_ids: AthleteIds, state: str) -> dict[int, int]:
    """How many ledger entries in `state` each channel of some athletes holds, by channel id
    (a channel with none is absent): one grouped query, for `/metrics` at every scrape."""
    rows = orm.execute(
        select(PushLedgerRow.channel_id, func.count())
        .where(among(PushLedgerRow.athlete_id, athlete_ids), PushLedgerRow.state == state)
        .group_by(PushLedgerRow.channel_id)
    )
    return {int(channel_id): int(count) for channel_id, count in rows}


def channels_behind_of(orm: OrmSession, athlete_ids: AthleteIds) -> list[tuple[int, Channel]]:
    """(athlete id, channel) of some athletes' channels behind the plan (changed since the
    channel's last success), by athlete name, then channel id.

    Filtered in the query: the minute tick asks this of every channel of every
    athlete, and nearly all of them are in step.
    """
    rows = orm.execute(
        select(*CHANNEL_COLUMNS)
        .join(AthleteRow, AthleteRow.id == PushChannelRow.athlete_id)
        .where(
            among(PushChannelRow.athlete_id, athlete_ids),
            PushChannelRow.plan_changed_at.is_not(None),
            or_(
                PushChannelRow.last_success_at.is_(None),
                PushChannelRow.last_success_at < PushChannelRow.plan_changed_at,
            ),
        )
        .order_by(AthleteRow.name, PushChannelRow.id)
    )
    return [(row.athlete_id, _channel(row)) for row in rows]


class PushRepository:
    def __init__(self, orm: OrmSession, athlete_id: int, secrets: SecretBox) -> None:
        self.orm = orm
        self.athlete_id = athlete_id
        self.secrets = secrets

    def _row(self, channel_id: int) -> PushChannelRow | None:
        return self.orm.scalar(
            select(PushChannelRow).where(
                PushChannelRow.athlete_id == self.athlete_id, PushChannelRow.id == channel_id
            )
        )

    def channels(self) -> list[Channel]:
        return channels_of(self.orm, [self.athlete_id]).get(self.athlete_id, [])

    def channel(self, channel_id: int) -> Channel | None:
        row = self._row(channel_id)
        return None if row is None else _channel(row)

    def secret(self, channel_id: int) -> dict[str, Any] | None:
        row = self._row(channel_id)
        if row is None or row.secret_enc is None:
            return None
        payload: dict[str, Any] = json.loads(self.secrets.decrypt(row.secret_enc))
        return payload

    def ledger(self, channel_id: int) -> list[LedgerEntry]:
        rows = self.orm.scalars(
            select(PushLedgerRow)
            .where(
                PushLedgerRow.athlete_id == self.athlete_id,
                PushLedgerRow.channel_id == channel_id,
            )
            .order_by(PushLedgerRow.session_id)
        )
        return [_entry(row) for row in rows]

    def add_channel(
        self,
        kind: str,
        target: str,
        *,
        options: dict[str, Any] | None = None,
        secret: dict[str, Any] | None = None,
    ) -> Channel:
        """A new channel, or the same kind and target again with a new secret (reconnect)."""
        row = self.orm.scalar(
            select(PushChannelRow).where(
                PushChannelRow.athlete_id == self.athlete_id,
                PushChannelRow.kind == kind,
                PushChannelRow.target == target,
            )
        )
        if row is None:
            row = PushChannelRow(
                athlete_id=self.athlete_id,
                kind=kind,
                target=target,
                remote_json="{}",
                created_at=clock.now(),
                plan_changed_at=clock.now(),  # nothing pushed yet: the minute tick pushes it
            )
            self.orm.add(row)
        row.options_json = json.dumps(options or {}, sort_keys=True)
        row.secret_enc = (
            None if secret is None else self.secrets.encrypt(json.dumps(secret).encode())
        )
        row.state, row.last_error, row.failures = "ok", "", 0
        self.orm.flush()
        return _channel(row)

    def save_secret(self, channel_id: int, secret: dict[str, Any]) -> None:
        row = self._row(channel_id)
        if row is not None:
            row.secret_enc = self.secrets.encrypt(json.dumps(secret).encode())

    def remove_channel(self, channel_id: int) -> bool:
        row = self._row(channel_id)
        if row is None:
            return False
        self.orm.execute(
            delete(PushLedgerRow).where(
                PushLedgerRow.athlete_id == self.athlete_id,
                PushLedgerRow.channel_id == channel_id,
            )
        )
        self.orm.delete(row)
        return True

    def record_outcome(
        self,
        channel_id: int,
        *,
        state: str,
        error: str = "",
    ) -> None:
        """How a push went: `ok` clears the failures; anything else counts one more."""
        row = self._row(channel_id)
        if row is None:
            return
        now = clock.now()
        row.last_push_at = now
        row.state, row.last_error = state, error
        if state == "ok":
            row.failures = 0
            row.last_success_at = now
        else:
            row.failures += 1

    def save_remote(self, channel_id: int, remote: dict[str, Any], *, read: bool = False) -> None:
        """What the channel learnt about its remote side (never a secret); `read`: it listed it."""
        row = self._row(channel_id)
        if row is None:
            return
        row.remote_json = json.dumps(remote, sort_keys=True)
        if read:
            row.last_read_at = clock.now()

    def note_plan_changed(self, at: datetime) -> None:
        """The plan changed at `at`: every channel lags from then until its next success."""
        for row in self.orm.scalars(
            select(PushChannelRow).where(PushChannelRow.athlete_id == self.athlete_id)
        ):
            if row.plan_changed_at is None or (
                row.last_success_at is not None and row.last_success_at >= row.plan_changed_at
            ):
                row.plan_changed_at = at

    def save_entry(self, channel_id: int, entry: LedgerEntry) -> None:
        if self._row(channel_id) is None:
            raise ValueError("a channel of another athlete given to this scope")
        row = self.orm.get(PushLedgerRow, (channel_id, entry.session_id))
        if row is None:
            row = PushLedgerRow(
                channel_id=channel_id, session_id=entry.session_id, athlete_id=self.athlete_id
            )
            self.orm.add(row)
        row.remote_id, row.etag = entry.remote_id, entry.etag
        row.content_hash, row.sequence = entry.content_hash, entry.sequence
        row.local_date = entry.local_date
        row.extra_json = json.dumps(entry.extra, sort_keys=True)
        row.state, row.last_result, row.pushed_at = entry.state, entry.last_result, entry.pushed_at

    def forget_entry(self, channel_id: int, session_id: str) -> None:
        row = self.orm.get(PushLedgerRow, (channel_id, session_id))
        if row is not None and row.athlete_id == self.athlete_id:
            self.orm.delete(row)
