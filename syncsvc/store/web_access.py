"""Web users, their sign-in links, browser sessions and OAuth `state` values.

Every secret (link, session cookie, state) is random, handed out once, and kept
only as its SHA-256: a copy of the database opens no session. An athlete's
side (`tx.athlete(id).web`) sees only the user linked to that athlete; the
store-wide side (`tx.web`) finds a link, session or state by its hash, which
is how a request arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.orm import Session as OrmSession

from syncsvc import clock
from syncsvc.store.feeds import hash_token, new_token
from syncsvc.store.schema import OAuthStateRow, SignInLinkRow, UserRow, WebSessionRow

ATHLETE_ROLE = "athlete"
COACH_ROLE = "coach"
ADMIN_ROLE = "admin"
ROLES = (ATHLETE_ROLE, COACH_ROLE, ADMIN_ROLE)
JOINING_LOCK_NAMESPACE = 0x5359  # "SY", as the athlete locks (store/locks.py)
JOINING_LOCK_KEY = 0x4A4F  # "JO"


@dataclass(frozen=True, slots=True)
class WebUser:
    id: int
    role: str
    athlete_id: int | None
    name: str = ""
    """A coach's or an admin's label (a name or an email); "" for a runner."""


@dataclass(frozen=True, slots=True)
class WebSession:
    """A live browser session, as a request finds it."""

    id: int
    user: WebUser
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class OpenedSession:
    token: str
    """The cookie's value: shown once, stored only hashed."""
    session: WebSession


class LinkStatus(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"


@dataclass(frozen=True, slots=True)
class LinkUse:
    status: LinkStatus
    user: WebUser | None


@dataclass(frozen=True, slots=True)
class OAuthState:
    provider: str
    purpose: str
    user_id: int | None


def user_from_row(row: UserRow) -> WebUser:
    return WebUser(row.id, row.role, row.athlete_id, row.name)


class WebAccess:
    """One athlete's side: their user, the links issued to it, its sessions."""

    def __init__(self, orm: OrmSession, athlete_id: int) -> None:
        self.orm = orm
        self.athlete_id = athlete_id

    def user(self) -> WebUser | None:
        row = self.orm.scalar(select(UserRow).where(UserRow.athlete_id == self.athlete_id))
        return None if row is None else user_from_row(row)

    def ensure_user(self) -> WebUser:
        """The athlete's user, created (role athlete) the first time."""
        found = self.user()
        if found is not None:
            return found
        row = UserRow(role=ATHLETE_ROLE, athlete_id=self.athlete_id, created_at=clock.now())
        self.orm.add(row)
        self.orm.flush()
        return user_from_row(row)

    def links_issued_since(self, since: datetime) -> int:
        return (
            self.orm.scalar(
                select(func.count())
                .select_from(SignInLinkRow)
                .join(UserRow, UserRow.id == SignInLinkRow.user_id)
                .where(UserRow.athlete_id == self.athlete_id, SignInLinkRow.created_at >= since)
            )
            or 0
        )

    def issue_link(self, lifetime: timedelta) -> str:
        """A new single-use sign-in link token for this athlete's user."""
        user = self.ensure_user()
        token = new_token()
        now = clock.now()
        self.orm.add(
            SignInLinkRow(
                user_id=user.id,
                token_hash=hash_token(token),
                created_at=now,
                expires_at=now + lifetime,
            )
        )
        return token

    def sessions(self) -> list[WebSession]:
        """Live sessions of this athlete's user, newest first."""
        now = clock.now()
        rows = self.orm.execute(
            select(WebSessionRow, UserRow)
            .join(UserRow, UserRow.id == WebSessionRow.user_id)
            .where(
                UserRow.athlete_id == self.athlete_id,
                WebSessionRow.revoked_at.is_(None),
                WebSessionRow.expires_at > now,
            )
            .order_by(WebSessionRow.created_at.desc(), WebSessionRow.id.desc())
        ).all()
        return [
            WebSession(session.id, user_from_row(user), session.csrf_token, session.expires_at)
            for session, user in rows
        ]

    def sign_out_everywhere(self) -> int:
        """End every session of this athlete's user; the number ended."""
        user = self.user()
        if user is None:
            return 0
        result = self.orm.execute(
            update(WebSessionRow)
            .where(WebSessionRow.user_id == user.id, WebSessionRow.revoked_at.is_(None))
            .values(revoked_at=clock.now())
        )
        return int(getattr(result, "rowcount", 0) or 0)


class WebDirectory:
    """Store-wide lookups by hash: how a link, a cookie or a state comes back."""

    def __init__(self, orm: OrmSession) -> None:
        self.orm = orm

    def take_link(self, token: str) -> LinkUse:
        """Use a sign-in link once: unknown, expired and already-used links are refused."""
        row = self.orm.scalar(
            select(SignInLinkRow).where(SignInLinkRow.token_hash == hash_token(token))
        )
        if row is None:
            return LinkUse(LinkStatus.UNKNOWN, None)
        if row.used_at is not None:
            return LinkUse(LinkStatus.USED, None)
        now = clock.now()
        if row.expires_at <= now:
            return LinkUse(LinkStatus.EXPIRED, None)
        claimed = self.orm.execute(
            update(SignInLinkRow)
            .where(SignInLinkRow.id == row.id, SignInLinkRow.used_at.is_(None))
            .values(used_at=now)
        )
        if not getattr(claimed, "rowcount", 0):
            return LinkUse(LinkStatus.USED, None)  # another request took it first
        user = self.orm.get(UserRow, row.user_id)
        return LinkUse(LinkStatus.OK, None if user is None else user_from_row(user))

    def open_session(self, user: WebUser, lifetime: timedelta) -> OpenedSession:
        token = new_token()
        csrf = new_token()
        now = clock.now()
        row = WebSessionRow(
            user_id=user.id,
            token_hash=hash_token(token),
            csrf_token=csrf,
            created_at=now,
            expires_at=now + lifetime,
        )
        self.orm.add(row)
        self.orm.flush()
        return OpenedSession(token, WebSession(row.id, user, csrf, row.expires_at))

    def session(self, token: str) -> WebSession | None:
        """The live session whose cookie is `token`, else None."""
        found = self.orm.execute(
            select(WebSessionRow, UserRow)
            .join(UserRow, UserRow.id == WebSessionRow.user_id)
            .where(WebSessionRow.token_hash == hash_token(token))
        ).first()
        if found is None:
            return None
        session, user = found
        if session.revoked_at is not None or session.expires_at <= clock.now():
            return None
        return WebSession(session.id, user_from_row(user), session.csrf_token, session.expires_at)

    def close_session(self, token: str) -> None:
        self.orm.execute(
            update(WebSessionRow)
            .where(WebSessionRow.token_hash == hash_token(token))
            .values(revoked_at=clock.now())
        )

    def put_state(
        self, provider: str, purpose: str, user_id: int | None, lifetime: timedelta
    ) -> str:
        state = new_token()
        now = clock.now()
        self.orm.add(
            OAuthStateRow(
                state_hash=hash_token(state),
                provider=provider,
                purpose=purpose,
                user_id=user_id,
                created_at=now,
                expires_at=now + lifetime,
            )
        )
        return state

    def take_state(self, state: str, provider: str) -> OAuthState | None:
        """The state's record, removed so it works once; None when unknown, expired or foreign."""
        row = self.orm.get(OAuthStateRow, hash_token(state))
        if row is None:
            return None
        self.orm.delete(row)
        if row.provider != provider or row.expires_at <= clock.now():
            return None
        return OAuthState(row.provider, row.purpose, row.user_id)

    def hold_joining_lock(self) -> None:
        """Make joining one at a time until this transaction ends.

        So two sign-ins of one new Strava athlete make one athlete, and
        `web.signup_max` holds under a burst. SQLite's write transactions are
        one at a time already; PostgreSQL takes a transaction advisory lock.
        """
        if self.orm.get_bind().dialect.name == "postgresql":
            self.orm.execute(
                text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
                {"namespace": JOINING_LOCK_NAMESPACE, "key": JOINING_LOCK_KEY},
            )

    def forget_expired(self, now: datetime) -> None:
        """Drop links, sessions and states that can no longer be used."""
        self.orm.execute(delete(SignInLinkRow).where(SignInLinkRow.expires_at <= now))
        self.orm.execute(
            delete(WebSessionRow).where(
                or_(WebSessionRow.expires_at <= now, WebSessionRow.revoked_at.is_not(None))
            )
        )
        self.orm.execute(delete(OAuthStateRow).where(OAuthStateRow.expires_at <= now))
