"""Store.idle_connection_held: SQLite writes inside stop checkpointing on every close, and
nothing else changes (other writers go on, every write is kept)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from syncsvc.store.database import Store
from syncsvc.testing.stores import add_athlete, open_store

AT = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Path:
    return tmp_path / "store.db"


def wal_of(database: Path) -> Path:
    return database.with_name(database.name + "-wal")


def record_run(store: Store, athlete_id: int, trigger: str) -> None:
    with store.write() as tx:
        tx.athlete(athlete_id).runs.record(trigger, AT, AT, "ok", {})


def triggers(store: Store, athlete_id: int) -> set[str]:
    with store.read() as tx:
        return {run.trigger for run in tx.athlete(athlete_id).runs.latest(100)}


def test_without_it_every_write_checkpoints_and_removes_the_log(sqlite_file: Path) -> None:
    store = open_store(f"sqlite+pysqlite:///{sqlite_file}")
    athlete = add_athlete(store, "a")

    record_run(store, athlete.id, "alone")

    assert not wal_of(sqlite_file).exists()  # the last connection closed: checkpointed


def test_inside_the_log_stays_until_the_end(sqlite_file: Path) -> None:
    store = open_store(f"sqlite+pysqlite:///{sqlite_file}")
    athlete = add_athlete(store, "a")

    with store.idle_connection_held():
        record_run(store, athlete.id, "first")
        record_run(store, athlete.id, "second")
        assert wal_of(sqlite_file).stat().st_size > 0  # not checkpointed at each close

    assert not wal_of(sqlite_file).exists()  # checkpointed once, at the end
    assert triggers(store, athlete.id) == {"first", "second"}


def test_another_store_writes_and_reads_meanwhile(sqlite_file: Path) -> None:
    url = f"sqlite+pysqlite:///{sqlite_file}"
    store, other = open_store(url), open_store(url)
    athlete = add_athlete(store, "a")

    with store.idle_connection_held():
        record_run(store, athlete.id, "held")
        record_run(other, athlete.id, "elsewhere")  # the idle connection holds no lock
        assert triggers(other, athlete.id) == {"held", "elsewhere"}

    assert triggers(store, athlete.id) == {"held", "elsewhere"}
