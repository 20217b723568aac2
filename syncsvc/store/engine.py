"""Engines for SQLite (the embedded default) and PostgreSQL, set up the same way.

SQLite is tuned so the CLI can write while the server runs: WAL (readers never
block the writer), a busy timeout (a writer waits for another instead of failing
at once), foreign keys on, and write transactions that take the write lock at
their start (`BEGIN IMMEDIATE`): a deferred transaction that reads first and
writes later can fail with "database is locked" without waiting, whatever the
timeout, because SQLite cannot upgrade its lock safely.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from syncsvc.errors import ConfigError

WRITE_OPTION = "syncsvc_write"


def create_store_engine(url: str, *, busy_timeout_ms: int = 10_000) -> Engine:
    try:
        parsed = make_url(url)
    except Exception as error:
        raise ConfigError(f"database URL cannot be read: {error}") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, busy_timeout_ms)
    if backend == "postgresql":
        return create_engine(url, pool_pre_ping=True, future=True)
    raise ConfigError(
        f"unsupported database {backend!r}",
        hint="use a SQLite path or postgresql+psycopg://user@host/db",
    )


def _sqlite_engine(url: str, busy_timeout_ms: int) -> Engine:
    # NullPool: SQLite connections are cheap and a pooled connection kept open in a
    # forked or long-lived process would pin the WAL; one per unit of work is safest.
    engine = create_engine(
        url,
        poolclass=NullPool,
        connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
        future=True,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # isolation_level None: pysqlite emits no BEGIN of its own; we emit ours below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
