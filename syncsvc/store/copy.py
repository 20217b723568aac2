"""Copy a whole store to another database (SQLite to PostgreSQL for a club)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, Table, func, insert, literal, null, select, text, update
from sqlalchemy.orm import Session as OrmSession

from syncsvc.errors import UsageError
from syncsvc.store.engine import create_store_engine
from syncsvc.store.migrate import ensure_schema
from syncsvc.store.schema import AthleteRow, Base

BATCH = 1000


@dataclass(frozen=True, slots=True)
class CopyResult:
    rows: dict[str, int]


def copy_store(source: Engine, target_url: str) -> CopyResult:
    """Copy every row, ids kept, into an empty store at `target_url`, in one transaction."""
    target = create_store_engine(target_url)
    try:
        ensure_schema(target)
        with target.connect() as probe:
            if probe.scalar(select(func.count()).select_from(AthleteRow.__table__)):
                raise UsageError("the target store is not empty; copy only into a new database")
        counts: dict[str, int] = {}
        with source.connect() as reader, target.begin() as writer:
            for table in Base.metadata.sorted_tables:
                counts[table.name] = _copy_table(reader, writer, table)
            if target.dialect.name == "postgresql":
                _reset_sequences(writer)
        return CopyResult(counts)
    finally:
        target.dispose()


def _copy_table(reader, writer, table: Table) -> int:  # type: ignore[no-untyped-def]
    self_reference = "merged_into_id" in table.c
    rows = [dict(row) for row in reader.execute(select(table)).mappings()]
    links = {row["id"]: row["merged_into_id"] for row in rows} if self_reference else {}
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        if self_reference:
            chunk = [{**row, "merged_into_id": None} for row in chunk]
        writer.execute(insert(table), chunk)
    # Links may point forward in id order, so they are set once every row exists.
    for row_id, target_id in links.items():
        if target_id is not None:
            writer.execute(
                update(table).where(table.c.id == row_id).values(merged_into_id=target_id)
            )
    return len(rows)


def _reset_sequences(writer) -> None:  # type: ignore[no-untyped-def]
    for table in Base.metadata.sorted_tables:
        if "id" in table.c and table.c.id.autoincrement is True:
            # Table names come from our own metadata, never from input.
            statement = (
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            )
            writer.execute(text(statement))


def copy_athlete_rows(
    orm: OrmSession, source_id: int, target_id: int, tables: Sequence[str]
) -> int:
    """Copy one athlete's rows of `tables` to another athlete, in SQL (INSERT ... SELECT).

    For benchmarks and tests that need a large squad fast: each copy is a new
    row (a fresh autoincrement id; merge links dropped), so it is data to read,
    not a faithful second history (session ids repeat across the copies).
    """
    copied = 0
    for name in tables:
        table = Base.metadata.tables[name]
        columns = [c for c in table.c if not (c.name == "id" and c.autoincrement is True)]
        values = [
            literal(target_id).label(c.name)
            if c.name == "athlete_id"
            else null().label(c.name)
            if c.name == "merged_into_id"
            else c
            for c in columns
        ]
        result = orm.execute(
            insert(table).from_select(
                [c.name for c in columns], select(*values).where(table.c.athlete_id == source_id)
            )
        )
        copied += int(getattr(result, "rowcount", 0) or 0)
    return copied
