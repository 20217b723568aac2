"""The same migrations give the same schema on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from syncsvc.store.migrate import SCHEMA_HEAD, _alembic_config, current_revision
from syncsvc.store.schema import ATHLETE_TABLES, Base
from syncsvc.testing.stores import open_store

STORE_WIDE_TABLES = {"store_meta", "strava_budget", "athletes", "alembic_version", "oauth_states"}
USER_TABLES = {"web_sessions", "sign_in_links"}
"""A web user's rows: a coach or an admin may have no athlete, so they hang off `users`."""


def normalised_schema(engine: Engine) -> dict[str, Any]:
    """Tables, columns (name, nullability, type family), keys and indexes, comparably."""
    inspector = inspect(engine)
    schema: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        columns = {
            column["name"]: (column["nullable"], _type_family(column["type"]))
            for column in inspector.get_columns(table)
        }
        schema[table] = {
            "columns": columns,
            "primary_key": tuple(inspector.get_pk_constraint(table)["constrained_columns"]),
            "foreign_keys": sorted(
                (tuple(fk["constrained_columns"]), fk["referred_table"])
                for fk in inspector.get_foreign_keys(table)
            ),
            "unique": sorted(
                tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)
            ),
            "indexes": sorted(
                (index["name"], tuple(index["column_names"]))
                for index in inspector.get_indexes(table)
                if not index.get("unique")
            ),
        }
    return schema


def _type_family(column_type: Any) -> str:
    python_type = getattr(column_type, "python_type", None)
    try:
        return python_type.__name__ if python_type else type(column_type).__name__
    except NotImplementedError:
        return type(column_type).__name__


def test_schema_head_constant_matches_the_newest_migration() -> None:
    assert ScriptDirectory.from_config(_alembic_config()).get_current_head() == SCHEMA_HEAD


def test_migrations_give_the_same_schema_on_sqlite_and_postgresql(
    tmp_path: Path, postgres_url: str
) -> None:
    sqlite = open_store(f"sqlite+pysqlite:///{tmp_path / 's.db'}")
    postgres = open_store(postgres_url)
    assert normalised_schema(sqlite.engine) == normalised_schema(postgres.engine)
    assert current_revision(sqlite.engine) == current_revision(postgres.engine) == SCHEMA_HEAD


def test_migrated_schema_matches_the_models(store_url: str) -> None:
    store = open_store(store_url)
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_every_table_with_athlete_data_carries_an_athlete_id() -> None:
    for table in Base.metadata.sorted_tables:
        if table.name in STORE_WIDE_TABLES:
            continue
        if table.name in USER_TABLES:
            assert {fk.column.table.name for fk in table.c.user_id.foreign_keys} == {"users"}
            assert all(fk.ondelete == "CASCADE" for fk in table.c.user_id.foreign_keys)
            continue
        assert "athlete_id" in table.c, table.name
    assert {t.name for t in ATHLETE_TABLES} >= {
        "activities",
        "credentials",
        "sync_cursors",
        "sessions",
        "overrides",
        "checkins",
        "feed_tokens",
    }


@pytest.mark.parametrize("table", [t.name for t in ATHLETE_TABLES])
def test_athlete_rows_go_with_their_athlete(table: str) -> None:
    foreign = {fk.column.table.name for fk in Base.metadata.tables[table].c.athlete_id.foreign_keys}
    assert foreign == {"athletes"}
