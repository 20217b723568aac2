"""The athletes of one store: a runner alone, a family, a coach's squad."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Row, delete, func, select, update
from sqlalchemy.orm import Session as OrmSession

from syncsvc import clock
from syncsvc.domain import Athlete, Profile
from syncsvc.errors import NotFoundError, UsageError
from syncsvc.store.convert import profile_from_json, profile_to_json, timezone_from_json
from syncsvc.store.schema import ATHLETE_TABLES, AthleteRow


def athlete_from_row(row: AthleteRow | Row[Any]) -> Athlete:
    return Athlete(
        id=row.id,
        name=row.name,
        profile=profile_from_json(row.profile_json),
        created_at=row.created_at,
        is_default=row.is_default,
    )


class AthleteDirectory:
    def __init__(self, orm: OrmSession) -> None:
        self.orm = orm

    def all(self) -> list[Athlete]:
        """Every athlete, by name (plain rows: a fan-out reads thousands)."""
        rows = self.orm.execute(select(*AthleteRow.__table__.columns).order_by(AthleteRow.name))
        return [athlete_from_row(row) for row in rows]

    def zones(self) -> list[tuple[int, str]]:
        """(id, time zone) of every athlete, by name: what a fan-out needs of thousands."""
        rows = self.orm.execute(
            select(AthleteRow.id, AthleteRow.profile_json).order_by(AthleteRow.name)
        )
        return [(row.id, timezone_from_json(row.profile_json)) for row in rows]

    def count(self) -> int:
        return self.orm.scalar(select(func.count()).select_from(AthleteRow)) or 0

    def by_name(self, name: str) -> Athlete | None:
        row = self.orm.scalar(select(AthleteRow).where(AthleteRow.name == name))
        return athlete_from_row(row) if row else None

    def by_id(self, athlete_id: int) -> Athlete | None:
        row = self.orm.get(AthleteRow, athlete_id)
        return athlete_from_row(row) if row else None

    def by_ids(self, athlete_ids: Sequence[int]) -> dict[int, Athlete]:
        """Those of these athletes that exist, by id."""
        rows = self.orm.execute(
            select(*AthleteRow.__table__.columns).where(AthleteRow.id.in_(list(athlete_ids)))
        )
        return {row.id: athlete_from_row(row) for row in rows}

    def resolve(self, name: str | None) -> Athlete:
        """The named athlete, else the only one, else the default one."""
        if name is not None:
            athlete = self.by_name(name)
            if athlete is None:
                raise NotFoundError(
                    f"no athlete named {name!r}", hint="syncsvc athlete list shows them"
                )
            return athlete
        athletes = self.all()
        if not athletes:
            raise NotFoundError("this store has no athlete yet", hint="run syncsvc init")
        if len(athletes) == 1:
            return athletes[0]
        defaults = [athlete for athlete in athletes if athlete.is_default]
        if defaults:
            return defaults[0]
        raise UsageError(
            "this store has several athletes; say which with --athlete NAME",
            hint="or set one with syncsvc athlete default NAME",
        )

    def add(self, name: str, profile: Profile) -> Athlete:
        if not name.strip():
            raise UsageError("an athlete name cannot be empty")
        if self.by_name(name) is not None:
            raise UsageError(f"an athlete named {name!r} already exists")
        now = clock.now()
        row = AthleteRow(
            name=name,
            profile_json=profile_to_json(profile),
            is_default=self.count() == 0,
            created_at=now,
            updated_at=now,
        )
        self.orm.add(row)
        self.orm.flush()
        return athlete_from_row(row)

    def set_profile(self, athlete_id: int, profile: Profile) -> None:
        self.orm.execute(
            update(AthleteRow)
            .where(AthleteRow.id == athlete_id)
            .values(profile_json=profile_to_json(profile), updated_at=clock.now())
        )

    def set_default(self, athlete_id: int) -> None:
        self.orm.execute(update(AthleteRow).values(is_default=AthleteRow.id == athlete_id))

    def remove(self, athlete_id: int) -> None:
        """Remove an athlete and everything they own (ON DELETE CASCADE)."""
        self.orm.execute(delete(AthleteRow).where(AthleteRow.id == athlete_id))

    def export_tables(self, athlete_id: int) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        """Every row of every table one athlete owns, by table, in primary-key order."""
        for table in ATHLETE_TABLES:
            rows = self.orm.execute(
                select(table).where(table.c.athlete_id == athlete_id).order_by(*table.primary_key)
            ).mappings()
            yield table.name, [dict(row) for row in rows]
