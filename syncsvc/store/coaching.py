"""Coaches and admins: web users of other roles, and who sees whom.

`Coaching` (`tx.coaching`) is store-wide, as a coach's squad spans athletes:
the users by role, their sign-in links, the coach-athlete assignments and the
one access question (`may_see`). The squad's figures are `store/squad.py`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session as OrmSession

from syncsvc import clock
from syncsvc.store.feeds import hash_token, new_token
from syncsvc.store.schema import (
    AthleteRow,
    CoachAssignmentRow,
    SignInLinkRow,
    UserRow,
)
from syncsvc.store.web_access import ADMIN_ROLE, ATHLETE_ROLE, COACH_ROLE, WebUser, user_from_row


class Coaching:
    """Store-wide: users by role, their links, assignments, access."""

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
