"""A backfill of 3,000 activities killed at random points, then run to completion, loses nothing.

The child is the real `python -m syncsvc sync` (Strava and Garmin faked at the
HTTP layer inside it). Each chain starts from a fresh copy of the never-synced
home and kills the sync at a random moment after its first request, again and
again, until one run completes; the store must then equal a clean run's:
the same records by source id, the same merge groups, the same cursors, no
duplicates. At least 20 kills land per case: SIGKILL and SIGTERM on SQLite,
SIGKILL on PostgreSQL (compared with the same clean SQLite run: the backends
must agree too).
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from syncsvc.testing.history import HistorySpec, SyntheticRun, generate_history
from tests.faults.store_state import SyncState
from tests.faults.sync_home import SyncHome, make_sync_home

pytestmark = pytest.mark.slow

ACTIVITIES = 3000
KILLS = 20


@dataclass(frozen=True)
class CleanRun:
    pristine: SyncHome
    state: SyncState
    sync_seconds: float
    """From the first request to the end of a clean run (sync, replan, publish)."""


def _runs() -> list[SyntheticRun]:
    spec = HistorySpec(weeks=700, end=date(2026, 11, 22), seed=11)
    return generate_history(spec)[-ACTIVITIES:]


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> CleanRun:
    folder = tmp_path_factory.mktemp("clean")
    pristine = make_sync_home(folder / "pristine", _runs())
    clean = _copy(pristine, folder / "clean")
    log = folder / "clean.log"
    started = time.monotonic()
    process = clean.start_sync(log)
    first_request = _wait_for_requests(process, log, 1)
    _out, err = process.communicate(timeout=180)
    finished = time.monotonic()
    assert process.returncode == 0, err.decode()
    state = clean.state()
    assert len(state.groups) == ACTIVITIES
    assert state.duplicates() == []
    return CleanRun(pristine, state, finished - (first_request or started))


def _copy(source: SyncHome, folder: Path) -> SyncHome:
    folder.mkdir(parents=True)
    shutil.copytree(source.home, folder / "home")
    return replace(source, home=folder / "home")


def _wait_for_requests(process: subprocess.Popen[bytes], log: Path, count: int) -> float | None:
    """Wait until the child logged `count` remote requests; None when it ended first."""
    while process.poll() is None:
        if log.exists() and len(log.read_text().splitlines()) >= count:
            return time.monotonic()
        time.sleep(0.005)
    return None


@pytest.fixture
def new_chain(
    request: pytest.FixtureRequest, clean_run: CleanRun, tmp_path: Path
) -> Iterator[Callable[[int], SyncHome]]:
    """Fresh never-synced homes: copies of the pristine SQLite one, or new PostgreSQL schemas."""
    backend = request.node.callspec.params["backend"]
    if backend == "sqlite":
        yield lambda number: _copy(clean_run.pristine, tmp_path / f"chain{number}")
        return
    server = str(request.getfixturevalue("_postgres_server"))
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    schemas: list[str] = []

    def on_postgres(number: int) -> SyncHome:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        schemas.append(schema)
        separator = "&" if "?" in server else "?"
        url = f"{server}{separator}options=-csearch_path%3D{schema}"
        return make_sync_home(tmp_path / f"chain{number}", _runs(), url)

    yield on_postgres
    with admin.connect() as connection:
        for schema in schemas:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.mark.parametrize(
    ("backend", "kill_signal"),
    [("sqlite", signal.SIGKILL), ("sqlite", signal.SIGTERM), ("postgres", signal.SIGKILL)],
    ids=["sqlite-SIGKILL", "sqlite-SIGTERM", "postgres-SIGKILL"],
)
def test_a_backfill_killed_at_random_points_ends_equal_to_a_clean_run(
    clean_run: CleanRun,
    new_chain: Callable[[int], SyncHome],
    tmp_path: Path,
    backend: str,
    kill_signal: signal.Signals,
) -> None:
    rng = random.Random(f"crash-{backend}-{kill_signal.name}")
    kills: list[float] = []
    chains = 0
    while len(kills) < KILLS:
        chains += 1
        chain = new_chain(chains)
        for attempt in range(1, 40):
            log = tmp_path / f"chain{chains}-{attempt}.log"
            process = chain.start_sync(log)
            delay = rng.uniform(0, clean_run.sync_seconds)
            if _wait_for_requests(process, log, 1) is not None:
                time.sleep(delay)
            if process.poll() is None:
                process.send_signal(kill_signal)
            _out, err = process.communicate(timeout=60)
            if process.returncode == -kill_signal:
                kills.append(delay)
                continue
            assert process.returncode == 0, err.decode()  # it finished before the signal
            break
        else:
            pytest.fail(f"chain {chains} never completed a sync")
        finished = chain.sync(tmp_path / f"chain{chains}-final.log")
        assert finished.returncode == 0, finished.stderr.decode()
        state = chain.state()
        assert state.duplicates() == []
        assert state.records == clean_run.state.records, f"chain {chains}, kills at {kills}"
        assert state.groups == clean_run.state.groups, f"chain {chains}, kills at {kills}"
        assert state.cursors == clean_run.state.cursors, f"chain {chains}, kills at {kills}"
        assert state.skipped == clean_run.state.skipped
    assert len(kills) >= KILLS
