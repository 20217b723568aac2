"""The coach's squad, read set-based: one query per column group for all its athletes.

`SquadReads` (`tx.squad`) answers for the athletes asked about at once (`WHERE
athlete_id IN ...`, summed, counted or ranked in SQL), so the coach's page
costs the same number of queries for 5 athletes as for 500. It reads only:
who may be asked about is `store/coaching.py`'s question, asked first.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session as OrmSession

from syncsvc.store.schema import (
    ActivityRow,
    AthleteRow,
    CheckInRow,
    DayClassRow,
    SessionRow,
    SyncCursorRow,
)


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


class SquadReads:
    """A squad's figures, each read once for all its athletes."""

    def __init__(self, orm: OrmSession) -> None:
        self.orm = orm

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
