"""The stored plan read straight from a SQLite store with the stdlib `sqlite3`.

`syncsvc plan` and `syncsvc today` show what the pipeline already stored; on the
SQLite default they read it here without SQLAlchemy (whose ORM alone costs more
than the rest of the command). The rows convert through `store/convert.py`, the
same functions the ORM repositories use, so both reads give the same values.
Read-only: anything that writes goes through `Store`.

Every function answers None when this read cannot stand in for the full one
(no store file, a schema of another revision, an athlete that is not plainly
there); the caller then takes the full path, which says what is wrong.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from syncsvc.domain import Athlete, ClassSource, DayClass, DayView, Override, Session
from syncsvc.store.convert import override_from_row, profile_from_json, session_from_row
from syncsvc.store.revision import SCHEMA_HEAD


@dataclass(frozen=True, slots=True)
class StoredPlan:
    sessions: tuple[Session, ...]
    overrides: tuple[Override, ...]
    notes: tuple[str, ...]
    uid_host: str
    days: tuple[DayView, ...]


@contextmanager
def open_sqlite(path: Path, *, busy_timeout_ms: int) -> Iterator[sqlite3.Connection | None]:
    """A read-only connection to a current store, or None (no file, another schema)."""
    if not path.is_file():
        yield None
        return
    connection = sqlite3.connect(
        f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=busy_timeout_ms / 1000
    )
    try:
        connection.row_factory = sqlite3.Row
        try:
            revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:  # not migrated, or damaged: the full path says which
            revision = None
        yield connection if revision is not None and revision[0] == SCHEMA_HEAD else None
    finally:
        connection.close()


def _instant(raw: str | None) -> datetime | None:
    """SQLAlchemy's SQLite text for a UTC instant, as the aware value the ORM gives."""
    if raw is None:
        return None
    value = datetime.fromisoformat(raw)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _day(raw: str | None) -> date | None:
    return None if raw is None else date.fromisoformat(raw)


def _row(row: sqlite3.Row, **typed: Any) -> SimpleNamespace:
    return SimpleNamespace(**{**dict(zip(row.keys(), row, strict=True)), **typed})


def resolve_athlete(connection: sqlite3.Connection, name: str | None) -> Athlete | None:
    """The named athlete, else the only one, else the default one; None otherwise."""
    rows = connection.execute(
        "SELECT id, name, is_default, profile_json, created_at FROM athletes ORDER BY name"
    ).fetchall()
    if name is not None:
        chosen = [row for row in rows if row["name"] == name]
    elif len(rows) == 1:
        chosen = rows
    else:
        chosen = [row for row in rows if row["is_default"]][:1]
    if len(chosen) != 1:
        return None
    row = chosen[0]
    created_at = _instant(row["created_at"])
    assert created_at is not None
    return Athlete(
        id=row["id"],
        name=row["name"],
        profile=profile_from_json(row["profile_json"]),
        created_at=created_at,
        is_default=bool(row["is_default"]),
    )


def read_stored_plan(
    connection: sqlite3.Connection, athlete_id: int, first: date, last: date
) -> StoredPlan | None:
    """Sessions from `first` to `last`, the override log, the plan's notes, the UID
    host and the stored day classes, in one read transaction."""
    connection.execute("BEGIN")
    try:
        sessions = tuple(
            session_from_row(
                _row(  # type: ignore[arg-type]
                    row,
                    local_date=_day(row["local_date"]),
                    pinned=bool(row["pinned"]),
                    changed_at=_instant(row["changed_at"]),
                    created_at=_instant(row["created_at"]),
                )
            )
            for row in connection.execute(
                "SELECT * FROM sessions WHERE athlete_id = ? AND local_date >= ?"
                " AND local_date <= ? ORDER BY local_date, start_time, id",
                (athlete_id, first.isoformat(), last.isoformat()),
            )
        )
        overrides = tuple(
            override_from_row(
                _row(  # type: ignore[arg-type]
                    row,
                    at=_instant(row["at"]),
                    local_date=_day(row["local_date"]),
                    forced=bool(row["forced"]),
                )
            )
            for row in connection.execute(
                "SELECT * FROM overrides WHERE athlete_id = ? ORDER BY at, id", (athlete_id,)
            )
        )
        state = connection.execute(
            "SELECT notes_json FROM plan_state WHERE athlete_id = ?", (athlete_id,)
        ).fetchone()
        host = connection.execute("SELECT value FROM store_meta WHERE key = 'uid_host'").fetchone()
        days = tuple(
            DayView(
                day=date.fromisoformat(row["day"]),
                day_class=DayClass(row["day_class"]),
                reason=row["reason"],
                class_source=ClassSource(row["class_source"]),
                forecast=bool(row["forecast"]),
                load=row["load"],
                distance_m=row["distance_m"],
                atl=row["atl"],
                ctl=row["ctl"],
                acwr=row["acwr"],
            )
            for row in connection.execute(
                "SELECT * FROM day_classes WHERE athlete_id = ? ORDER BY day", (athlete_id,)
            )
        )
    finally:
        connection.execute("COMMIT")
    if host is None:
        return None
    notes: tuple[str, ...] = ()
    if state is not None:
        notes = tuple(json.loads(state["notes_json"]))
    return StoredPlan(sessions, overrides, notes, host["value"], days)
