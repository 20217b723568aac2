"""Coaches and admins: web users of other roles, who sees whom, and the squad's figures.

`Coaching` (`tx.coaching`) is store-wide, as a coach's squad spans athletes:
the users by role, the coach-athlete assignments, the one access question
(`may_see`), and the squad reads behind the coach's page. Each squad read is
one set-based query for all the athletes asked about (`WHERE athlete_id IN
...`, grouped in SQL where it can), so the page costs the same number of
queries for 5 athletes as for 500.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session as OrmSession

from syncsvc import clock
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
    at: datetime | None


@dataclass(frozen=True, slots=True)
class ActivitySummary:
    athlete_id: int
    first_start_utc: datetime | None
    newest_source: str
    newest_fetched_at: datetime | None


def _utc(value: datetime | str | None) -> datetime | None:
    """A scalar subquery's instant: the column type is not applied to it on SQLite."""
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class WeekFigures:
    week_m: float
    """The last 7 days' distance, today included."""
    previous_week_m: float
    ratio: float | None
    """The acute:chronic ratio of the newest stored past day."""


def _date(value: date | str) -> date:
    """A date from a subquery's column (SQLite hands it back as text)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


@dataclass(frozen=True, slots=True)
class SquadMember:
    id: int
    name: str
    timezone: str


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

    def members(self, athlete_ids: Sequence[int]) -> list[SquadMember]:
        """Names and time zones (the squad needs no more of a profile)."""
        rows = self.orm.execute(
            select(AthleteRow.id, AthleteRow.name, AthleteRow.profile_json)
            .where(AthleteRow.id.in_(athlete_ids))
            .order_by(AthleteRow.name)
        ).all()
        return [
            SquadMember(athlete_id, name, json.loads(profile).get("timezone", "UTC"))
            for athlete_id, name, profile in rows
        ]

    def last_syncs(self, athlete_ids: Sequence[int]) -> list[SourceSeen]:
        """Per athlete and source: the last successful sync."""
        synced = self.orm.execute(
            select(
                SyncCursorRow.athlete_id, SyncCursorRow.source, SyncCursorRow.last_success_at
            ).where(
                SyncCursorRow.athlete_id.in_(athlete_ids),
                SyncCursorRow.last_success_at.is_not(None),
            )
        ).all()
        return [SourceSeen(athlete_id, source, _utc(at)) for athlete_id, source, at in synced]

    def activity_summaries(self, athlete_ids: Sequence[int]) -> list[ActivitySummary]:
        """Each athlete's first activity and newest one, in one statement.

        Correlated subqueries, each answered from the (athlete_id, start_utc) index,
        rather than a GROUP BY over every activity of the squad: a squad of 500 with
        a year each is 150,000 rows to group, and this reads a few index entries
        per athlete.
        """

        def newest(column: Any) -> Any:
            return (
                select(column)
                .where(ActivityRow.athlete_id == AthleteRow.id)
                .order_by(ActivityRow.start_utc.desc())
                .limit(1)
                .scalar_subquery()
            )

        first = (
            select(func.min(ActivityRow.start_utc))
            .where(ActivityRow.athlete_id == AthleteRow.id)
            .scalar_subquery()
        )
        rows = self.orm.execute(
            select(
                AthleteRow.id,
                first,
                newest(ActivityRow.source),
                newest(ActivityRow.fetched_at),
            ).where(AthleteRow.id.in_(athlete_ids))
        ).all()
        return [
            ActivitySummary(athlete_id, _utc(first_at), source or "", _utc(fetched_at))
            for athlete_id, first_at, source, fetched_at in rows
        ]

    def week_distances(self, athlete_ids: Sequence[int], today: date) -> dict[int, WeekFigures]:
        """The last 7 days' distance (today included), the 7 before, and the newest stored
        past day's ratio, per athlete, summed in SQL."""
        week_start = today - timedelta(days=6)
        past = DayClassRow.forecast.is_(False)
        newest_ratio = (
            select(DayClassRow.acwr)
            .where(
                DayClassRow.athlete_id == AthleteRow.id,
                DayClassRow.day <= today,
                DayClassRow.forecast.is_(False),
            )
            .order_by(DayClassRow.day.desc())
            .limit(1)
            .scalar_subquery()
        )
        sums = (
            select(
                DayClassRow.athlete_id.label("athlete_id"),
                func.sum(
                    case((DayClassRow.day >= week_start, DayClassRow.distance_m), else_=0.0)
                ).label("week_m"),
                func.sum(
                    case((DayClassRow.day < week_start, DayClassRow.distance_m), else_=0.0)
                ).label("before_m"),
            )
            .where(
                DayClassRow.athlete_id.in_(athlete_ids),
                DayClassRow.day >= today - timedelta(days=13),
                DayClassRow.day <= today,
                past,
            )
            .group_by(DayClassRow.athlete_id)
            .subquery()
        )
        rows = self.orm.execute(
            select(AthleteRow.id, sums.c.week_m, sums.c.before_m, newest_ratio)
            .outerjoin(sums, sums.c.athlete_id == AthleteRow.id)
            .where(AthleteRow.id.in_(athlete_ids))
        ).all()
        return {
            athlete_id: WeekFigures(float(week or 0.0), float(before or 0.0), ratio)
            for athlete_id, week, before, ratio in rows
        }

    def session_counts(
        self, athlete_ids: Sequence[int], since: date, until: date
    ) -> dict[int, tuple[int, int]]:
        """Sessions done and planned (every status but cancelled) from `since` to before
        `until`, per athlete."""
        rows = self.orm.execute(
            select(
                SessionRow.athlete_id,
                func.sum(case((SessionRow.status == "done", 1), else_=0)),
                func.count(),
            )
            .where(
                SessionRow.athlete_id.in_(athlete_ids),
                SessionRow.local_date >= since,
                SessionRow.local_date < until,
                SessionRow.status != "cancelled",
            )
            .group_by(SessionRow.athlete_id)
        ).all()
        return {athlete_id: (int(done or 0), int(total)) for athlete_id, done, total in rows}

    def next_sessions(
        self, athlete_ids: Sequence[int], since: date, until: date
    ) -> dict[int, SessionBrief]:
        """Each athlete's first planned session from `since` to `until` (a window function:
        one row per athlete, however many sessions lie ahead)."""
        order = func.row_number().over(
            partition_by=SessionRow.athlete_id,
            order_by=(SessionRow.local_date, SessionRow.start_time),
        )
        ranked = (
            select(
                SessionRow.athlete_id,
                SessionRow.id,
                SessionRow.kind,
                SessionRow.local_date,
                SessionRow.start_time,
                SessionRow.status,
                order.label("rank"),
            )
            .where(
                SessionRow.athlete_id.in_(athlete_ids),
                SessionRow.local_date >= since,
                SessionRow.local_date <= until,
                SessionRow.status == "planned",
            )
            .subquery()
        )
        rows = self.orm.execute(
            select(
                ranked.c.athlete_id,
                ranked.c.id,
                ranked.c.kind,
                ranked.c.local_date,
                ranked.c.start_time,
                ranked.c.status,
            ).where(ranked.c.rank == 1)
        ).all()
        return {
            a: SessionBrief(a, sid, kind, _date(day), time.fromisoformat(start), status)
            for a, sid, kind, day, start, status in rows
        }

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
