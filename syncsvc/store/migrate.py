"""Bring a database to the code's schema, on start, only when it differs.

The cheap path (schema already current) reads one row and imports no Alembic,
which keeps CLI start-up fast. A SQLite file is copied aside before any
migration runs on it; a database written by a newer syncsvc is refused.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from syncsvc import clock
from syncsvc.errors import StoreError
from syncsvc.store.job_schema import ensure_job_schema

if TYPE_CHECKING:  # Alembic is imported only when a migration is due (CLI start-up)
    from alembic.config import Config
    from alembic.script import ScriptDirectory

SCHEMA_HEAD = "0005_day_loads"
"""The newest migration's revision id; a test keeps it equal to Alembic's head."""

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
MIGRATION_LOCK_KEY = 0x5359_4D49_4752  # "SYMIGR": one migrating process at a time
log = logging.getLogger(__name__)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def known_revisions() -> set[str]:

    return {script.revision for script in _script_directory().walk_revisions()}


def _alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config())


def ensure_schema(
    engine: Engine, *, sqlite_path: Path | None = None, job_schema: bool = False
) -> bool:
    """Migrate to head if needed; return True when a migration ran.

    `job_schema` (the distributed engine is in use, PostgreSQL only) also
    installs or upgrades procrastinate's tables (`job_schema.py`).
    """
    ran = False
    if job_schema:
        # Only the distributed engine needs it; every command's start-up would pay otherwise.
        ran = bool(ensure_job_schema(engine))
    revision = current_revision(engine)
    if revision == SCHEMA_HEAD:
        return ran
    if revision is not None and revision not in known_revisions():
        raise StoreError(
            f"the database is at schema {revision!r}, newer than this syncsvc understands",
            hint="upgrade syncsvc, or restore the backup made before the last upgrade",
        )
    if revision is not None and sqlite_path is not None and sqlite_path.exists():
        backup = backup_sqlite(sqlite_path, label=revision)
        log.info("store backed up before migration", extra={"backup": str(backup)})
    upgrade_to_head(engine)
    return True


def upgrade_to_head(engine: Engine) -> None:
    """Alembic's upgrade; on PostgreSQL under a transaction-level advisory lock.

    Several processes of a distributed deployment start at once on a fresh
    database: the first migrates, the others wait for it and find the schema
    current.
    """
    from alembic import command

    config = _alembic_config()
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
            if inspect(connection).has_table("alembic_version") and (
                connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
                == SCHEMA_HEAD
            ):
                return
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def backup_sqlite(path: Path, *, label: str) -> Path:
    """A consistent copy (SQLite's backup API, safe under WAL), owner-only."""
    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.{label}.{stamp}.bak")
    source = sqlite3.connect(path)
    try:
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()
    target.chmod(0o600)
    return target
