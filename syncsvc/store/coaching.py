"""Coaches and admins: web users of other roles, who sees whom, and the squad's figures.

`Coaching` (`tx.coaching`) is store-wide, as a coach's squad spans athletes:
the users by role, the coach-athlete assignments, the one access question
(`may_see`), and the squad reads behind the coach's page. Each squad read is
one set-based query for all the athletes asked about (`WHERE athlete_id IN
...`, grouped in SQL where it can), so the page costs the same number of
queries for 5 athletes as for 500.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session as OrmSession

from syncsvc import clock
from syncsvc.domain import Athlete
from syncsvc.store.athletes import athlete_from_row
from syncsvc.store.feeds import hash_token, new_token
from syncsvc.store.schema import (
    ActivityRow,
    AthleteRow,
    CheckInRow,
    CoachAssignmentRow,
    DayClassRow,
    SessionRow,
    SignInLinkRow,
    SyncCursorRow,
    UserRow,
)
from syncsvc.store.web_access import ADMIN_ROLE, ATHLETE_ROLE, COACH_ROLE, WebUser, user_from_row


@dataclass(frozen=True, slots=True)
class SourceSeen:
    """When data last came from one source for one athlete (a sync, or a record fetched)."""

    athlete_id: int
    source: str
    at: datetime


@dataclass(frozen=True, slots=True)
class StoredDay:
    athlete_id: int
    day: date
    distance_m: float
    acwr: float | None


@dataclass(frozen=True, slots=True)
class SessionBrief:
    athlete_id: int
    id: str
    kind: str
    local_date: date
    start_time: time
    status: str


@dataclass(frozen=True, slots=True)
class LatestCheckIn:
    athlete_id: int
    at: datetime
    back_score: int


class Coaching:
    """Store-wide: users by role, assignments, access, and the squad's figures."""

    def __init__(self, orm: OrmSession) -> None:
        self.orm = orm

    # ------------------------------------------------------------ users

    def user(self, user_id: int) -> WebUser | None:
        row = self.orm.get(UserRow, user_id)
        return None if row is None else user_from_row(row)

    def users(self) -> list[WebUser]:
        """Coaches and admins first (by name), then the runners' users."""
        rows = self.orm.scalars(select(UserRow).order_by(UserRow.id)).all()
        found = [user_from_row(row) for row in rows]
        return sorted(found, key=lambda u: (u.role == ATHLETE_ROLE, u.name.lower(), u.id))

    def user_named(self, name: str) -> WebUser | None:
        """A coach or an admin by their label (case-insensitive)."""
        row = self.orm.scalar(
            select(UserRow)
            .where(func.lower(UserRow.name) == name.strip().lower(), UserRow.name != "")
            .order_by(UserRow.id)
        )
        return None if row is None else user_from_row(row)

    def has_admin(self) -> bool:
        found = self.orm.scalar(select(UserRow.id).where(UserRow.role == ADMIN_ROLE).limit(1))
        return found is not None

    def add_user(self, role: str, name: str) -> WebUser:
        """A coach or an admin without an athlete of their own."""
        row = UserRow(role=role, name=name, athlete_id=None, created_at=clock.now())
        self.orm.add(row)
        self.orm.flush()
        return user_from_row(row)

    def set_role(self, user_id: int, role: str) -> None:
        row = self.orm.get(UserRow, user_id)
        if row is not None:
            row.role = role

    def set_name(self, user_id: int, name: str) -> None:
        row = self.orm.get(UserRow, user_id)
        if row is not None:
            row.name = name

    # ------------------------------------------------------------ links

    def links_issued_since(self, user_id: int, since: datetime) -> int:
        return (
            self.orm.scalar(
                select(func.count())
                .select_from(SignInLinkRow)
                .where(SignInLinkRow.user_id == user_id, SignInLinkRow.created_at >= since)
            )
            or 0
        )

    def issue_link(self, user_id: int, lifetime: timedelta) -> str:
        """A new single-use sign-in link token for this user (a coach or an admin)."""
        token = new_token()
        now = clock.now()
        self.orm.add(
            SignInLinkRow(
                user_id=user_id,
                token_hash=hash_token(token),
                created_at=now,
                expires_at=now + lifetime,
            )
        )
        return token

    # ------------------------------------------------------------ assignments

    def assign(self, coach_user_id: int, athlete_id: int) -> bool:
        """Give the coach this athlete; False when they had them already."""
        if self.orm.get(CoachAssignmentRow, (coach_user_id, athlete_id)) is not None:
            return False
        self.orm.add(
            CoachAssignmentRow(
                coach_user_id=coach_user_id, athlete_id=athlete_id, created_at=clock.now()
            )
        )
        return True

    def unassign(self, coach_user_id: int, athlete_id: int) -> bool:
        result = self.orm.execute(
            delete(CoachAssignmentRow).where(
                CoachAssignmentRow.coach_user_id == coach_user_id,
                CoachAssignmentRow.athlete_id == athlete_id,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    def assignments(self) -> list[tuple[int, int]]:
        """Every (coach user id, athlete id) pair."""
        rows = self.orm.execute(
            select(CoachAssignmentRow.coach_user_id, CoachAssignmentRow.athlete_id).order_by(
                CoachAssignmentRow.coach_user_id, CoachAssignmentRow.athlete_id
            )
        ).all()
        return [(coach, athlete) for coach, athlete in rows]

    def visible_athlete_ids(self, user: WebUser) -> list[int]:
        """Whom this user may see: an admin everyone, a coach their athletes and their own,
        a runner themselves."""
        if user.role == ADMIN_ROLE:
            return list(self.orm.scalars(select(AthleteRow.id).order_by(AthleteRow.id)))
        own = [] if user.athlete_id is None else [user.athlete_id]
        if user.role != COACH_ROLE:
            return own
        assigned = self.orm.scalars(
            select(CoachAssignmentRow.athlete_id).where(CoachAssignmentRow.coach_user_id == user.id)
        ).all()
        return sorted({*own, *assigned})

    def may_see(self, user: WebUser, athlete_id: int) -> bool:
        """The one access question: may this user see and plan for this athlete?"""
        if user.athlete_id == athlete_id:
            return True
        if user.role == ADMIN_ROLE:
            return True
        if user.role != COACH_ROLE:
            return False
        found = self.orm.get(CoachAssignmentRow, (user.id, athlete_id))
        return found is not None

    # ------------------------------------------------------------ the squad's figures

    def athletes(self, athlete_ids: Sequence[int]) -> list[Athlete]:
        rows = self.orm.scalars(
            select(AthleteRow).where(AthleteRow.id.in_(athlete_ids)).order_by(AthleteRow.name)
        ).all()
        return [athlete_from_row(row) for row in rows]

    def sources_seen(self, athlete_ids: Sequence[int]) -> list[SourceSeen]:
        """Per athlete and source: the last successful sync, or the newest record fetched."""
        synced = self.orm.execute(
            select(
                SyncCursorRow.athlete_id, SyncCursorRow.source, SyncCursorRow.last_success_at
            ).where(
                SyncCursorRow.athlete_id.in_(athlete_ids),
                SyncCursorRow.last_success_at.is_not(None),
            )
        ).all()
        fetched = self.orm.execute(
            select(ActivityRow.athlete_id, ActivityRow.source, func.max(ActivityRow.fetched_at))
            .where(ActivityRow.athlete_id.in_(athlete_ids))
            .group_by(ActivityRow.athlete_id, ActivityRow.source)
        ).all()
        return [
            SourceSeen(athlete_id, source, at)
            for athlete_id, source, at in (*synced, *fetched)
            if at is not None
        ]

    def first_runs(self, athlete_ids: Sequence[int]) -> dict[int, date]:
        """Each athlete's first recorded activity day (when a ratio starts to mean something)."""
        rows = self.orm.execute(
            select(ActivityRow.athlete_id, func.min(ActivityRow.local_date))
            .where(ActivityRow.athlete_id.in_(athlete_ids), ActivityRow.merged_into_id.is_(None))
            .group_by(ActivityRow.athlete_id)
        ).all()
        return {athlete_id: day for athlete_id, day in rows if day is not None}

    def stored_days(self, athlete_ids: Sequence[int], since: date, until: date) -> list[StoredDay]:
        """The past days the pipeline stored (distance and ratio), oldest first."""
        rows = self.orm.execute(
            select(
                DayClassRow.athlete_id, DayClassRow.day, DayClassRow.distance_m, DayClassRow.acwr
            )
            .where(
                DayClassRow.athlete_id.in_(athlete_ids),
                DayClassRow.day >= since,
                DayClassRow.day <= until,
                DayClassRow.forecast.is_(False),
            )
            .order_by(DayClassRow.athlete_id, DayClassRow.day)
        ).all()
        return [StoredDay(a, d, distance or 0.0, acwr) for a, d, distance, acwr in rows]

    def sessions_between(
        self, athlete_ids: Sequence[int], since: date, until: date
    ) -> list[SessionBrief]:
        """Sessions on these days (any status but cancelled), by athlete then time."""
        rows = self.orm.execute(
            select(
                SessionRow.athlete_id,
                SessionRow.id,
                SessionRow.kind,
                SessionRow.local_date,
                SessionRow.start_time,
                SessionRow.status,
            )
            .where(
                SessionRow.athlete_id.in_(athlete_ids),
                SessionRow.local_date >= since,
                SessionRow.local_date <= until,
                SessionRow.status != "cancelled",
            )
            .order_by(SessionRow.athlete_id, SessionRow.local_date, SessionRow.start_time)
        ).all()
        return [
            SessionBrief(a, sid, kind, day, time.fromisoformat(start), status)
            for a, sid, kind, day, start, status in rows
        ]

    def latest_checkins(self, athlete_ids: Sequence[int]) -> dict[int, LatestCheckIn]:
        """Each athlete's newest low-back check-in (one query: the newest id per athlete)."""
        newest = (
            select(func.max(CheckInRow.id).label("id"))
            .where(CheckInRow.athlete_id.in_(athlete_ids))
            .group_by(CheckInRow.athlete_id)
            .subquery()
        )
        rows = self.orm.execute(
            select(CheckInRow.athlete_id, CheckInRow.at, CheckInRow.back_score).join(
                newest, newest.c.id == CheckInRow.id
            )
        ).all()
        return {a: LatestCheckIn(a, at, score) for a, at, score in rows}
