"""The athlete lock and the scheduler lease hold across processes, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from syncsvc.errors import AlreadyRunning
from syncsvc.store.database import Store
from syncsvc.store.locks import LockTimeout, SchedulerLease, athlete_lock
from syncsvc.testing.stores import open_store

HOLDER = """
import sys
from pathlib import Path
from syncsvc.store.locks import SchedulerLease, athlete_lock
from syncsvc.testing.stores import open_store

url, home, what = sys.argv[1:4]
store = open_store(url)
if what == "lease":
    lease = SchedulerLease(store, Path(home))
    lease.acquire()
    print("held", flush=True)
    sys.stdin.read()
    lease.release()
else:
    with athlete_lock(store, Path(home), int(what)):
        print("held", flush=True)
        sys.stdin.read()
"""


@contextmanager
def held_elsewhere(url: str, home: Path, what: str) -> Iterator[None]:
    """Another process holds the lease (`what="lease"`) or an athlete's lock until exit."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url, str(home), what],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "held"
        yield
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = open_store(store_url)
    yield opened
    opened.close()


def test_a_second_scheduler_on_the_same_store_is_refused_while_the_first_lives(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    with held_elsewhere(store_url, tmp_path, "lease"):
        with pytest.raises(AlreadyRunning) as refused:
            SchedulerLease(store, tmp_path).acquire()
        assert "already running" in refused.value.message
        assert "--web-only" in refused.value.hint

    lease = SchedulerLease(store, tmp_path)
    lease.acquire()  # the lease died with its process
    lease.release()


def test_one_process_cannot_hold_the_lease_twice(store: Store, tmp_path: Path) -> None:
    first = SchedulerLease(store, tmp_path)
    first.acquire()
    try:
        with pytest.raises(AlreadyRunning):
            SchedulerLease(store, tmp_path).acquire()
    finally:
        first.release()


def test_an_athletes_lock_held_by_another_process_blocks_only_that_athlete(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    with held_elsewhere(store_url, tmp_path, "1"):
        with pytest.raises(LockTimeout), athlete_lock(store, tmp_path, 1, timeout_s=0.3):
            pass
        with athlete_lock(store, tmp_path, 2, timeout_s=0.3):
            pass

    with athlete_lock(store, tmp_path, 1, timeout_s=5):
        pass


def test_the_cli_waits_while_another_process_holds_the_athletes_lock(tmp_path: Path) -> None:
    """Guard: the holder provably holds the lock for the whole time the CLI is kept out."""
    import os
    import time

    from tests.server.conftest import NOW, make_served

    home, seeded = make_served(tmp_path)
    url = f"sqlite:///{home / 'syncsvc.db'}"
    env = {**os.environ, "SYNCSVC_HOME": str(home), "SYNCSVC_NOW": NOW}

    def replans() -> int:
        opened = open_store(url)
        try:
            with opened.read() as tx:
                return len(tx.athlete(seeded.athlete_id).runs.latest(50))
        finally:
            opened.close()

    before = replans()
    with held_elsewhere(url, home, str(seeded.athlete_id)):
        cli = subprocess.Popen(
            [sys.executable, "-m", "syncsvc", "replan"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(3.0)  # the CLI is well into its wait by now (it starts in about 1 s)
        still_waiting = cli.poll() is None
        written_while_held = replans() - before
    _, errors = cli.communicate(timeout=120)

    assert still_waiting, errors
    assert written_while_held == 0  # nothing written while the holder held the lock
    assert cli.returncode == 0, errors
    assert replans() == before + 1  # and written once it was released
