"""An athlete's feed tokens, last good feed rendering, and imported plan sources."""

from __future__ import annotations

import hashlib
import secrets as random_secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session as OrmSession

from syncsvc import clock
from syncsvc.domain import RenderedFeed
from syncsvc.secrets import SecretBox
from syncsvc.store.schema import FeedRow, FeedTokenRow, PlanSourceRow
from syncsvc.store.sets import AthleteIds, among, by_athlete

FEED_TOKEN_BYTES = 24
"""192 random bits: a feed URL is its own password, so at least 128 are needed."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return random_secrets.token_urlsafe(FEED_TOKEN_BYTES)


class FeedRepository:
    def __init__(self, orm: OrmSession, athlete_id: int, secrets: SecretBox) -> None:
        self.orm = orm
        self.athlete_id = athlete_id
        self.secrets = secrets

    def active_token(self) -> str | None:
        row = self.orm.scalar(
            select(FeedTokenRow)
            .where(FeedTokenRow.athlete_id == self.athlete_id, FeedTokenRow.revoked_at.is_(None))
            .order_by(FeedTokenRow.created_at.desc(), FeedTokenRow.id.desc())
            .limit(1)
        )
        return None if row is None else self.secrets.decrypt(row.token_enc).decode()

    def issue_token(self) -> str:
        """Revoke every active token of this athlete and issue a new one."""
        now = clock.now()
        self.orm.execute(
            update(FeedTokenRow)
            .where(FeedTokenRow.athlete_id == self.athlete_id, FeedTokenRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        token = new_token()
        self.orm.add(
            FeedTokenRow(
                athlete_id=self.athlete_id,
                token_hash=hash_token(token),
                token_enc=self.secrets.encrypt(token.encode()),
                created_at=now,
            )
        )
        return token

    def ensure_token(self) -> str:
        return self.active_token() or self.issue_token()

    def rendered(self) -> RenderedFeed | None:
        row = self.orm.get(FeedRow, self.athlete_id)
        if row is None:
            return None
        return RenderedFeed(self.athlete_id, row.body, row.etag, row.rendered_at, row.plan_version)

    def store_rendered(self, feed: RenderedFeed) -> bool:
        """Keep a new rendering; False (and nothing written) when the bytes are the same."""
        row = self.orm.get(FeedRow, self.athlete_id)
        if row is not None and row.etag == feed.etag:
            return False
        if row is None:
            self.orm.add(
                FeedRow(
                    athlete_id=self.athlete_id,
                    body=feed.body,
                    etag=feed.etag,
                    plan_version=feed.plan_version,
                    rendered_at=feed.rendered_at,
                )
            )
        else:
            row.body, row.etag = feed.body, feed.etag
            row.plan_version, row.rendered_at = feed.plan_version, feed.rendered_at
        return True


@dataclass(frozen=True, slots=True)
class PlanSource:
    id: int
    location: str
    name: str
    added_at: datetime
    last_read_at: datetime | None
    last_error: str
    content: bytes | None


def plan_sources_of(orm: OrmSession, athlete_ids: AthleteIds) -> dict[int, list[PlanSource]]:
    """Some athletes' imported training plans, each athlete's in the order they were added."""
    rows = orm.scalars(
        select(PlanSourceRow)
        .where(among(PlanSourceRow.athlete_id, athlete_ids))
        .order_by(PlanSourceRow.athlete_id, PlanSourceRow.id)
    )
    return by_athlete(
        (
            r.athlete_id,
            PlanSource(
                r.id, r.location, r.name, r.added_at, r.last_read_at, r.last_error, r.content
            ),
        )
        for r in rows
    )


class PlanSourceRepository:
    def __init__(self, orm: OrmSession, athlete_id: int) -> None:
        self.orm = orm
        self.athlete_id = athlete_id

    def all(self) -> list[PlanSource]:
        return plan_sources_of(self.orm, [self.athlete_id]).get(self.athlete_id, [])

    def add(self, location: str, name: str) -> PlanSource:
        row = PlanSourceRow(
            athlete_id=self.athlete_id, location=location, name=name, added_at=clock.now()
        )
        self.orm.add(row)
        self.orm.flush()
        return PlanSource(row.id, location, name, row.added_at, None, "", None)

    def _row(self, source_id: int) -> PlanSourceRow | None:
        return self.orm.scalar(
            select(PlanSourceRow).where(
                PlanSourceRow.athlete_id == self.athlete_id, PlanSourceRow.id == source_id
            )
        )

    def remove(self, source_id: int) -> bool:
        row = self._row(source_id)
        if row is None:
            return False
        self.orm.delete(row)
        return True

    def record_read(self, source_id: int, content: bytes | None, error: str = "") -> bool:
        """Store what a re-read found; True when the content changed."""
        row = self._row(source_id)
        if row is None:
            return False
        row.last_read_at = clock.now()
        row.last_error = error
        if content is not None and content != row.content:
            row.content = content
            return True
        return False
