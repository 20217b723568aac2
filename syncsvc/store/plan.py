"""An athlete's plan (versioned sessions) and the two logs the planner reads."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session as OrmSession

from syncsvc import clock
from syncsvc.domain import CheckIn, MobilityBlock, Override, Plan, Session, SessionStatus
from syncsvc.store.convert import (
    checkin_from_row,
    exercise_from_dict,
    exercise_to_dict,
    override_from_row,
    session_from_row,
    session_values,
)
from syncsvc.store.schema import CheckInRow, OverrideRow, PlanStateRow, SessionRow
from syncsvc.store.sets import AthleteIds, among, by_athlete


def sessions_of(
    orm: OrmSession,
    athlete_ids: AthleteIds,
    *,
    since: date | None = None,
    until: date | None = None,
) -> dict[int, list[Session]]:
    """Some athletes' sessions (cancelled ones too), each athlete's by day, time and id."""
    query = select(SessionRow).where(among(SessionRow.athlete_id, athlete_ids))
    if since is not None:
        query = query.where(SessionRow.local_date >= since)
    if until is not None:
        query = query.where(SessionRow.local_date <= until)
    query = query.order_by(
        SessionRow.athlete_id, SessionRow.local_date, SessionRow.start_time, SessionRow.id
    )
    return by_athlete((row.athlete_id, session_from_row(row)) for row in orm.scalars(query))


def overrides_of(orm: OrmSession, athlete_ids: AthleteIds) -> dict[int, list[Override]]:
    """Some athletes' decisions, each athlete's in the order they were made."""
    query = (
        select(OverrideRow)
        .where(among(OverrideRow.athlete_id, athlete_ids))
        .order_by(OverrideRow.athlete_id, OverrideRow.at, OverrideRow.id)
    )
    return by_athlete((row.athlete_id, override_from_row(row)) for row in orm.scalars(query))


def checkins_of(orm: OrmSession, athlete_ids: AthleteIds) -> dict[int, list[CheckIn]]:
    """Some athletes' check-ins, each athlete's oldest first."""
    query = (
        select(CheckInRow)
        .where(among(CheckInRow.athlete_id, athlete_ids))
        .order_by(CheckInRow.athlete_id, CheckInRow.at, CheckInRow.id)
    )
    return by_athlete((row.athlete_id, checkin_from_row(row)) for row in orm.scalars(query))


class SessionRepository:
    def __init__(self, orm: OrmSession, athlete_id: int) -> None:
        self.orm = orm
        self.athlete_id = athlete_id

    def all(self, *, since: date | None = None, until: date | None = None) -> list[Session]:
        found = sessions_of(self.orm, [self.athlete_id], since=since, until=until)
        return found.get(self.athlete_id, [])

    def get(self, session_id: str) -> Session | None:
        row = self.orm.get(SessionRow, (self.athlete_id, session_id))
        return None if row is None else session_from_row(row)

    def ids(self) -> list[str]:
        return list(
            self.orm.scalars(select(SessionRow.id).where(SessionRow.athlete_id == self.athlete_id))
        )

    def save(self, sessions: list[Session] | tuple[Session, ...]) -> int:
        """Insert or update sessions by id; rows are never deleted (cancelled stay)."""
        if any(session.athlete_id != self.athlete_id for session in sessions):
            raise ValueError("a session of another athlete given to this scope")
        stored = {  # one query for the lot, not one per session
            row.id: row
            for row in self.orm.scalars(
                select(SessionRow).where(
                    SessionRow.athlete_id == self.athlete_id,
                    SessionRow.id.in_([session.id for session in sessions]),
                )
            )
        }
        written = 0
        for session in sessions:
            values = session_values(session)
            row = stored.get(session.id)
            if row is None:
                self.orm.add(SessionRow(athlete_id=self.athlete_id, id=session.id, **values))
                written += 1
                continue
            if any(getattr(row, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(row, name, value)
                written += 1
        return written

    def forget_cancelled(self, *, changed_before: datetime, day_before: date) -> int:
        """Drop cancelled sessions cancelled before `changed_before` on days before `day_before`."""
        return forget_cancelled_of(
            self.orm, [self.athlete_id], changed_before=changed_before, day_before=day_before
        )

    def save_plan(self, plan: Plan) -> int:
        written = self.save(plan.sessions)
        state = self.orm.get(PlanStateRow, self.athlete_id)
        notes_json = json.dumps(list(plan.notes), ensure_ascii=False)
        mobility_json = json.dumps(
            [
                {
                    "date": block.local_date.isoformat(),
                    "minutes": block.minutes,
                    "items": [exercise_to_dict(item) for item in block.items],
                }
                for block in plan.mobility
            ],
            ensure_ascii=False,
        )
        if state is None:
            self.orm.add(
                PlanStateRow(
                    athlete_id=self.athlete_id,
                    notes_json=notes_json,
                    mobility_json=mobility_json,
                    updated_at=clock.now(),
                )
            )
        elif (state.notes_json, state.mobility_json) != (notes_json, mobility_json):
            state.notes_json, state.mobility_json = notes_json, mobility_json
            state.updated_at = clock.now()
        return written

    def plan(self) -> Plan:
        state = self.orm.get(PlanStateRow, self.athlete_id)
        notes: tuple[str, ...] = ()
        mobility: tuple[MobilityBlock, ...] = ()
        if state is not None:
            notes = tuple(json.loads(state.notes_json))
            mobility = tuple(
                MobilityBlock(
                    local_date=date.fromisoformat(item["date"]),
                    minutes=item["minutes"],
                    items=tuple(exercise_from_dict(entry) for entry in item["items"]),
                )
                for item in json.loads(state.mobility_json)
            )
        return Plan(self.athlete_id, tuple(self.all()), mobility, notes)


class OverrideLog:
    def __init__(self, orm: OrmSession, athlete_id: int) -> None:
        self.orm = orm
        self.athlete_id = athlete_id

    def append(self, override: Override) -> Override:
        if override.athlete_id != self.athlete_id:
            raise ValueError("an override of another athlete given to this scope")
        row = OverrideRow(
            athlete_id=self.athlete_id,
            at=override.at,
            action=override.action.value,
            session_id=override.session_id,
            local_date=override.local_date,
            start_time=override.start_time.strftime("%H:%M") if override.start_time else None,
            kind=override.kind.value if override.kind else None,
            forced=override.forced,
            broken_rules_json=json.dumps(list(override.broken_rules)),
            rpe=override.rpe,
            note=override.note,
            origin=override.origin,
            actor_user_id=override.actor_user_id,
            actor_name=override.actor_name,
        )
        self.orm.add(row)
        self.orm.flush()
        return override_from_row(row)

    def all(self) -> list[Override]:
        return overrides_of(self.orm, [self.athlete_id]).get(self.athlete_id, [])


class CheckInLog:
    def __init__(self, orm: OrmSession, athlete_id: int) -> None:
        self.orm = orm
        self.athlete_id = athlete_id

    def append(self, checkin: CheckIn) -> CheckIn:
        if checkin.athlete_id != self.athlete_id:
            raise ValueError("a check-in of another athlete given to this scope")
        row = CheckInRow(
            athlete_id=self.athlete_id,
            at=checkin.at,
            back_score=checkin.back_score,
            sore_json=json.dumps(list(checkin.sore_exercises), ensure_ascii=False),
            note=checkin.note,
        )
        self.orm.add(row)
        self.orm.flush()
        return checkin_from_row(row)

    def all(self) -> list[CheckIn]:
        return checkins_of(self.orm, [self.athlete_id]).get(self.athlete_id, [])


def forget_cancelled_of(
    orm: OrmSession, athlete_ids: AthleteIds, *, changed_before: datetime, day_before: date
) -> int:
    """Drop some athletes' sessions cancelled before `changed_before` on days before
    `day_before`; how many went."""
    result = orm.execute(
        delete(SessionRow).where(
            among(SessionRow.athlete_id, athlete_ids),
            SessionRow.status == SessionStatus.CANCELLED.value,
            SessionRow.changed_at < changed_before,
            SessionRow.local_date < day_before,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
