"""Store-wide lookups that cross athletes: feed tokens, provider ids, Strava's budget.

Strava's rate limits are per application, so the budget is one set of rows for
the whole store, shared by every athlete and every process. The windows follow
Strava's: 15-minute windows starting on the quarter hour, and days starting at
midnight UTC.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session as OrmSession

from syncsvc.secrets import SecretBox
from syncsvc.store.feeds import hash_token
from syncsvc.store.schema import CredentialRow, FeedTokenRow, StravaBudgetRow

QUARTER = "15min"
DAY = "day"


class TokenStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class TokenMatch:
    status: TokenStatus
    athlete_id: int | None = None


@dataclass(frozen=True, slots=True)
class BudgetState:
    used_15min: int
    limit_15min: int
    used_day: int
    limit_day: int

    @property
    def left(self) -> int:
        return max(0, min(self.limit_15min - self.used_15min, self.limit_day - self.used_day))


def window_start(window: str, now: datetime) -> datetime:
    now = now.astimezone(UTC)
    if window == QUARTER:
        return now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def window_end(window: str, now: datetime) -> datetime:
    start = window_start(window, now)
    return start + (timedelta(minutes=15) if window == QUARTER else timedelta(days=1))


class SharedData:
    def __init__(self, orm: OrmSession, secrets: SecretBox) -> None:
        self.orm = orm
        self.secrets = secrets

    # ------------------------------------------------------------ feed tokens

    def find_token(self, token: str) -> TokenMatch:
        """Look a feed token up by its hash, then compare in constant time."""
        digest = hash_token(token)
        row = self.orm.scalar(select(FeedTokenRow).where(FeedTokenRow.token_hash == digest))
        if row is None or not hmac.compare_digest(row.token_hash, digest):
            return TokenMatch(TokenStatus.UNKNOWN)
        if row.revoked_at is not None:
            return TokenMatch(TokenStatus.REVOKED, row.athlete_id)
        return TokenMatch(TokenStatus.ACTIVE, row.athlete_id)

    # ------------------------------------------------------------ providers

    def athlete_for_provider_user(self, provider: str, provider_user_id: str) -> int | None:
        return self.orm.scalar(
            select(CredentialRow.athlete_id).where(
                CredentialRow.provider == provider,
                CredentialRow.provider_user_id == provider_user_id,
            )
        )

    # ------------------------------------------------------------ Strava budget

    def _windows(self, now: datetime, limits: dict[str, int]) -> dict[str, StravaBudgetRow]:
        """Both window rows, locked in a fixed order (no deadlock between two acquirers).

        Missing rows are inserted first with ON CONFLICT DO NOTHING, so two
        processes creating them at once both go on to lock the same rows instead
        of one failing on the primary key.
        """
        self._create_missing(now, limits)
        query = (
            select(StravaBudgetRow)
            .order_by(StravaBudgetRow.window)
            .with_for_update()
            .execution_options(populate_existing=True)  # the locked values, not a cached read
        )
        rows = {row.window: row for row in self.orm.scalars(query)}
        for window in limits:
            row = rows[window]
            start = window_start(window, now)
            if row.window_start < start:
                row.window_start, row.used, row.updated_at = start, 0, now
        self.orm.flush()
        return rows

    def _create_missing(self, now: datetime, limits: dict[str, int]) -> None:
        present = set(self.orm.scalars(select(StravaBudgetRow.window)))
        missing = [
            {
                "window": window,
                "window_start": window_start(window, now),
                "used": 0,
                "limit": limit,
                "updated_at": now,
            }
            for window, limit in limits.items()
            if window not in present
        ]
        if not missing:
            return
        dialect = self.orm.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        self.orm.execute(insert(StravaBudgetRow).values(missing).on_conflict_do_nothing())

    def acquire_strava(
        self, reads: int, now: datetime, *, limit_15min: int, limit_day: int, reserve: int = 0
    ) -> bool:
        """Take `reads` from the budget if they fit; never waits.

        Runs inside a write transaction, which holds the rows locked (SELECT FOR
        UPDATE on PostgreSQL, the database write lock on SQLite), so two
        processes can never both be granted the last reads.
        """
        rows = self._windows(now, {QUARTER: limit_15min, DAY: limit_day})
        if any(row.used + reads > row.limit - reserve for row in rows.values()):
            return False
        for row in rows.values():
            row.used += reads
            row.updated_at = now
        return True

    def correct_strava(
        self,
        now: datetime,
        *,
        used_15min: int,
        used_day: int,
        limit_15min: int,
        limit_day: int,
    ) -> None:
        """Set the counters from Strava's own rate-limit headers (they are the truth)."""
        rows = self._windows(now, {QUARTER: limit_15min, DAY: limit_day})
        for window, used, limit in ((QUARTER, used_15min, limit_15min), (DAY, used_day, limit_day)):
            row = rows[window]
            row.used, row.limit, row.updated_at = used, limit, now

    def strava_budget(self, now: datetime, *, limit_15min: int, limit_day: int) -> BudgetState:
        rows = {row.window: row for row in self.orm.scalars(select(StravaBudgetRow))}

        def used(window: str) -> int:
            row = rows.get(window)
            return 0 if row is None or row.window_start < window_start(window, now) else row.used

        def limit(window: str, default: int) -> int:
            row = rows.get(window)
            return default if row is None else row.limit

        return BudgetState(
            used(QUARTER), limit(QUARTER, limit_15min), used(DAY), limit(DAY, limit_day)
        )
