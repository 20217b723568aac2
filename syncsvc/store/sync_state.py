"""Per-athlete sync state: cursors, credentials, pending Strava work, webhook events."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as OrmSession

from syncsvc import clock
from syncsvc.domain import Source, SyncCursor
from syncsvc.secrets import SecretBox
from syncsvc.store.schema import (
    CredentialRow,
    PendingFetchRow,
    SyncCursorRow,
    WebhookEventRow,
)
from syncsvc.store.sets import AthleteIds, among, by_athlete


def cursors_of(orm: OrmSession, athlete_ids: AthleteIds) -> dict[int, list[SyncCursor]]:
    """The sync cursors of some athletes (every source that has one, by source)."""
    rows = orm.execute(
        select(*SyncCursorRow.__table__.columns)
        .where(among(SyncCursorRow.athlete_id, athlete_ids))
        .order_by(SyncCursorRow.athlete_id, SyncCursorRow.source)
    )
    return by_athlete((row.athlete_id, _cursor(row)) for row in rows)


def _cursor(row: SyncCursorRow | Row[Any]) -> SyncCursor:
    return SyncCursor(
        athlete_id=row.athlete_id,
        source=Source(row.source),
        newest_start_utc=row.newest_start_utc,
        last_attempt_at=row.last_attempt_at,
        last_success_at=row.last_success_at,
        last_error=row.last_error,
        full_sync_at=row.full_sync_at,
    )


CREDENTIAL_COLUMNS = tuple(c for c in CredentialRow.__table__.columns if c.name != "secret_enc")
"""What a `CredentialInfo` shows: every column but the secret."""


def credential_infos_of(
    orm: OrmSession, athlete_ids: AthleteIds
) -> dict[int, dict[str, CredentialInfo]]:
    """What may be shown of some athletes' credentials, by athlete and provider."""
    rows = orm.execute(
        select(*CREDENTIAL_COLUMNS).where(among(CredentialRow.athlete_id, athlete_ids))
    )
    found: dict[int, dict[str, CredentialInfo]] = {}
    for row in rows:
        found.setdefault(row.athlete_id, {})[row.provider] = _info(row)
    return found


def _info(row: CredentialRow | Row[Any]) -> CredentialInfo:
    return CredentialInfo(
        provider=row.provider,
        provider_user_id=row.provider_user_id,
        scope=row.scope,
        expires_at=row.expires_at,
        status=row.status,
        status_message=row.status_message,
        updated_at=row.updated_at,
    )


def pending_of(
    orm: OrmSession, athlete_ids: AthleteIds, source: Source
) -> dict[int, list[tuple[str, str, int]]]:
    """Some athletes' pending work from `source`: (object id, kind, priority), best first."""
    rows = orm.execute(
        select(
            PendingFetchRow.athlete_id,
            PendingFetchRow.object_id,
            PendingFetchRow.kind,
            PendingFetchRow.priority,
        )
        .where(
            among(PendingFetchRow.athlete_id, athlete_ids), PendingFetchRow.source == source.value
        )
        .order_by(PendingFetchRow.priority, PendingFetchRow.created_at, PendingFetchRow.id)
    )
    return by_athlete((row.athlete_id, (row.object_id, row.kind, row.priority)) for row in rows)


class CursorRepository:
    def __init__(self, orm: OrmSession, athlete_id: int) -> None:
        self.orm = orm
        self.athlete_id = athlete_id

    def get(self, source: Source) -> SyncCursor:
        row = self.orm.get(SyncCursorRow, (self.athlete_id, source.value))
        return SyncCursor(self.athlete_id, source) if row is None else _cursor(row)

    def all(self) -> list[SyncCursor]:
        return cursors_of(self.orm, [self.athlete_id]).get(self.athlete_id, [])

    def save(self, cursor: SyncCursor) -> None:
        row = self.orm.get(SyncCursorRow, (self.athlete_id, cursor.source.value))
        if row is None:
            row = SyncCursorRow(athlete_id=self.athlete_id, source=cursor.source.value)
            self.orm.add(row)
        row.newest_start_utc = cursor.newest_start_utc
        row.last_attempt_at = cursor.last_attempt_at
        row.last_success_at = cursor.last_success_at
        row.last_error = cursor.last_error
        row.full_sync_at = cursor.full_sync_at


class CredentialRepository:
    """Tokens, decrypted only here; the payload is a provider-specific JSON object."""

    def __init__(self, orm: OrmSession, athlete_id: int, secrets: SecretBox) -> None:
        self.orm = orm
        self.athlete_id = athlete_id
        self.secrets = secrets

    def _row(self, provider: str) -> CredentialRow | None:
        return self.orm.scalar(
            select(CredentialRow).where(
                CredentialRow.athlete_id == self.athlete_id, CredentialRow.provider == provider
            )
        )

    def load(self, provider: str) -> dict[str, Any] | None:
        row = self._row(provider)
        if row is None:
            return None
        payload: dict[str, Any] = json.loads(self.secrets.decrypt(row.secret_enc))
        return payload

    def info(self, provider: str) -> CredentialInfo | None:
        row = self._row(provider)
        return None if row is None else _info(row)

    def save(
        self,
        provider: str,
        payload: dict[str, Any],
        *,
        provider_user_id: str | None = None,
        scope: str = "",
        expires_at: datetime | None = None,
    ) -> None:
        secret = self.secrets.encrypt(json.dumps(payload, sort_keys=True).encode())
        row = self._row(provider)
        if row is None:
            row = CredentialRow(athlete_id=self.athlete_id, provider=provider)
            self.orm.add(row)
        row.secret_enc = secret
        if provider_user_id is not None:
            row.provider_user_id = provider_user_id
        row.scope = scope or row.scope or ""
        row.expires_at = expires_at
        row.status = "ok"
        row.status_message = ""
        row.updated_at = clock.now()

    def mark(self, provider: str, status: str, message: str) -> None:
        row = self._row(provider)
        if row is not None:
            row.status, row.status_message, row.updated_at = status, message, clock.now()

    def remove(self, provider: str) -> bool:
        result = self.orm.execute(
            delete(CredentialRow).where(
                CredentialRow.athlete_id == self.athlete_id, CredentialRow.provider == provider
            )
        )
        return bool(getattr(result, "rowcount", 0))


@dataclass(frozen=True, slots=True)
class CredentialInfo:
    """What may be shown about a credential: never the secret itself."""

    provider: str
    provider_user_id: str | None
    scope: str
    expires_at: datetime | None
    status: str
    status_message: str
    updated_at: datetime


class PendingFetches:
    """Strava fetches that found no budget; highest priority (lowest number) first."""

    def __init__(self, orm: OrmSession, athlete_id: int) -> None:
        self.orm = orm
        self.athlete_id = athlete_id

    def add(self, source: Source, object_id: str, kind: str, priority: int) -> None:
        existing = self.orm.scalar(
            select(PendingFetchRow).where(
                PendingFetchRow.athlete_id == self.athlete_id,
                PendingFetchRow.source == source.value,
                PendingFetchRow.object_id == object_id,
                PendingFetchRow.kind == kind,
            )
        )
        if existing is None:
            self.orm.add(
                PendingFetchRow(
                    athlete_id=self.athlete_id,
                    source=source.value,
                    object_id=object_id,
                    kind=kind,
                    priority=priority,
                    created_at=clock.now(),
                )
            )
        else:
            # Announced again (a title edit while we fetch): a fetch that began before
            # this announcement must not count as having done it.
            existing.announcements += 1
            existing.priority = min(existing.priority, priority)

    def all(self, source: Source) -> list[tuple[str, str, int]]:
        return pending_of(self.orm, [self.athlete_id], source).get(self.athlete_id, [])

    def announcements(self, source: Source, object_id: str, kind: str) -> int:
        """How often this work has been announced so far (0: it is not pending)."""
        count = self.orm.scalar(
            select(PendingFetchRow.announcements).where(
                PendingFetchRow.athlete_id == self.athlete_id,
                PendingFetchRow.source == source.value,
                PendingFetchRow.object_id == object_id,
                PendingFetchRow.kind == kind,
            )
        )
        return count or 0

    def done(
        self, source: Source, object_id: str, kind: str, *, announced: int | None = None
    ) -> None:
        """Forget pending work; with `announced` (the count when the work began), only if
        it was not announced again while the work ran."""
        query = delete(PendingFetchRow).where(
            PendingFetchRow.athlete_id == self.athlete_id,
            PendingFetchRow.source == source.value,
            PendingFetchRow.object_id == object_id,
            PendingFetchRow.kind == kind,
        )
        if announced is not None:
            query = query.where(PendingFetchRow.announcements <= announced)
        self.orm.execute(query)


class WebhookEvents:
    def __init__(self, orm: OrmSession, athlete_id: int) -> None:
        self.orm = orm
        self.athlete_id = athlete_id

    def record(
        self,
        object_type: str,
        object_id: str,
        aspect_type: str,
        event_time: int,
        updates: dict[str, Any],
    ) -> bool:
        """Record a delivery; False when this exact event was seen before."""
        exists = self.orm.scalar(
            select(WebhookEventRow.id).where(
                WebhookEventRow.athlete_id == self.athlete_id,
                WebhookEventRow.object_type == object_type,
                WebhookEventRow.object_id == object_id,
                WebhookEventRow.aspect_type == aspect_type,
                WebhookEventRow.event_time == event_time,
            )
        )
        if exists is not None:
            return False
        try:
            with self.orm.begin_nested():
                self.orm.add(
                    WebhookEventRow(
                        athlete_id=self.athlete_id,
                        object_type=object_type,
                        object_id=object_id,
                        aspect_type=aspect_type,
                        event_time=event_time,
                        updates_json=json.dumps(updates, sort_keys=True),
                        received_at=clock.now(),
                    )
                )
        except IntegrityError:
            return False
        return True

    def count_since(self, instant: datetime) -> int:
        """Deliveries recorded for this athlete since `instant` (the daily cap counts them)."""
        count = self.orm.scalar(
            select(func.count())
            .select_from(WebhookEventRow)
            .where(
                WebhookEventRow.athlete_id == self.athlete_id,
                WebhookEventRow.received_at >= instant,
            )
        )
        return int(count or 0)

    def forget_before(self, instant: datetime) -> int:
        """Drop deliveries received before `instant`; how many went."""
        return forget_webhook_events_before(self.orm, [self.athlete_id], instant)


def forget_webhook_events_before(
    orm: OrmSession, athlete_ids: AthleteIds, instant: datetime
) -> int:
    """Drop some athletes' webhook deliveries received before `instant`; how many went."""
    result = orm.execute(
        delete(WebhookEventRow).where(
            among(WebhookEventRow.athlete_id, athlete_ids), WebhookEventRow.received_at < instant
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
