"""Migrations run on start only when the schema differs, after a backup of a SQLite file."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

from alembic import command
from cryptography.fernet import Fernet
from sqlalchemy import create_engine

from syncsvc.secrets import SecretBox
from syncsvc.store.database import Store
from syncsvc.store.migrate import SCHEMA_HEAD, _alembic_config, current_revision, ensure_schema

FIRST = "0001_initial"


def store_at_first_revision(path: Path) -> None:
    engine = create_engine(f"sqlite+pysqlite:///{path}")
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, FIRST)
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO athletes (name, is_default, profile_json, created_at, updated_at) "
            "VALUES ('ana', 1, '{}', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
    engine.dispose()


def test_an_older_sqlite_store_is_backed_up_then_migrated(tmp_path: Path) -> None:
    database = tmp_path / "syncsvc.db"
    store_at_first_revision(database)

    store = Store.open(
        f"sqlite+pysqlite:///{database}", SecretBox(Fernet.generate_key()), sqlite_path=database
    )

    assert current_revision(store.engine) == SCHEMA_HEAD
    (backup,) = tmp_path.glob(f"syncsvc.db.{FIRST}.*.bak")
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    with sqlite3.connect(backup) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone()[0] == FIRST
        assert connection.execute("SELECT name FROM athletes").fetchall() == [("ana",)]
    with store.read() as tx:
        assert [a.name for a in tx.athletes.all()] == ["ana"]


def test_a_current_store_is_neither_migrated_nor_backed_up(tmp_path: Path) -> None:
    database = tmp_path / "syncsvc.db"
    engine = create_engine(f"sqlite+pysqlite:///{database}")
    assert ensure_schema(engine, sqlite_path=database) is True  # a new store: no backup needed
    assert ensure_schema(engine, sqlite_path=database) is False
    assert list(tmp_path.glob("*.bak")) == []
