"""The distributed job engine's tables (procrastinate's, and two of ours), on PostgreSQL only.

Installed and upgraded by the same step as the store's own schema
(`ensure_schema`, so `syncsvc init` and every start), and only when the
distributed engine is in use (`service.mode` web or worker): a single-machine
store, SQLite or PostgreSQL, never gets them, and the project's own schema (the
Alembic migrations) stays the same on both databases.

procrastinate ships `schema.sql` (a fresh install) and one SQL file per
migration; it leaves recording which ran to its user. `syncsvc_job_schema`
(`JOB_SCHEMA_TABLE`) holds the names of the migration files applied (a fresh
install records them all), so an upgrade of procrastinate applies exactly the
new files, in order. Run the upgrade with the workers stopped (procrastinate's
"pre" and "post" migrations then simply run one after the other).

`syncsvc_job_counters` (`COUNTERS_TABLE`) counts failed attempts and retries
per task: procrastinate deletes a job that succeeds (the tables would grow
otherwise), so a retry that later succeeded would leave no trace in its tables.

Two processes starting at once take a transaction-level advisory lock, so the
schema is installed once.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

from sqlalchemy import Connection, Engine, TableClause, column, inspect, select, table, text
from sqlalchemy.dialects.postgresql import insert

log = logging.getLogger(__name__)

JOB_SCHEMA_TABLE = "syncsvc_job_schema"
COUNTERS_TABLE = "syncsvc_job_counters"
INSTALL_LOCK_KEY = 0x5359_4A4F_4253  # "SYJOBS": apart from the store's other advisory keys

job_schema_table: TableClause = table(JOB_SCHEMA_TABLE, column("migration"))
counters_table: TableClause = table(
    COUNTERS_TABLE, column("task"), column("outcome"), column("count")
)
"""Our two tables as SQLAlchemy Core sees them, to query (`_OWN_TABLES` creates them)."""

_OWN_TABLES = f"""
CREATE TABLE IF NOT EXISTS {JOB_SCHEMA_TABLE} (
    migration text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS {COUNTERS_TABLE} (
    task text NOT NULL,
    outcome text NOT NULL,
    count bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (task, outcome)
);
"""


def migrations_dir() -> Path:
    from procrastinate.schema import SchemaManager

    return Path(SchemaManager.get_migrations_path())


def migration_names() -> list[str]:
    """procrastinate's migration files, in the order they apply (their names sort so)."""
    return sorted(path.name for path in migrations_dir().glob("*.sql"))


def _run_script(connection: Connection, script: str) -> None:
    """Run a multi-statement SQL file as it is (no parameters, so `%` stays `%`)."""
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute(script)


def applied_migrations(connection: Connection) -> set[str] | None:
    """The recorded migration files, or None when the job schema is not installed."""
    if not inspect(connection).has_table(JOB_SCHEMA_TABLE):
        return None
    rows = connection.execute(select(job_schema_table.c.migration))
    return {row[0] for row in rows}


def ensure_job_schema(engine: Engine) -> list[str]:
    """Install or upgrade the job engine's schema; returns what it applied ([] when current)."""
    if engine.dialect.name != "postgresql":
        raise ValueError("the distributed job engine runs on PostgreSQL only")
    names = migration_names()
    with engine.connect() as connection:
        applied = applied_migrations(connection)
    if applied is not None and applied.issuperset(names):
        return []
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": INSTALL_LOCK_KEY})
        applied = applied_migrations(connection)
        has_jobs = inspect(connection).has_table("procrastinate_jobs")
        done: list[str] = []
        if applied is None and not has_jobs:
            schema = (resources.files("procrastinate.sql") / "schema.sql").read_text("utf-8")
            _run_script(connection, schema)
            done.append("schema.sql")
            applied = set(names)
        elif applied is None:
            # procrastinate installed by hand, before syncsvc tracked it: assume current.
            applied = set(names)
        _run_script(connection, _OWN_TABLES)
        for name in names:
            if name in applied:
                continue
            _run_script(connection, (migrations_dir() / name).read_text("utf-8"))
            done.append(name)
        for name in names:
            connection.execute(
                insert(job_schema_table).values(migration=name).on_conflict_do_nothing()
            )
    if done:
        log.info("job engine schema updated", extra={"applied": done})
    return done
