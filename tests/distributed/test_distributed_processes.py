"""Several processes on one PostgreSQL: queueing locks, locks, ticks, the budget, dying workers.

Each test starts real processes (`tests/distributed/procs.py`) on the test's
own PostgreSQL schema; nothing is faked but the job bodies' hold time.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from syncsvc.runtime import Runtime
from syncsvc.server.distributed import REPLAN_TASK, ProcrastinateJobs, Worker
from syncsvc.server.jobs import JobKind, JobRequest
from syncsvc.store.job_stats import read_queue_stats
from tests.distributed.builders import add_athletes, write_distributed_home

REPO = Path(__file__).resolve().parents[2]
FIXED_NOW = "2026-11-30T07:31:00Z"
ATHLETE_JOBS = "WHERE task_name IN ('syncsvc.refresh', 'syncsvc.replan')"


def _spawn(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    environment = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.distributed.procs", *args],
        cwd=REPO,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen[str], timeout: float = 120) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-2000:]
    return out


def _wait_ready(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.strip() == "ready", process.stderr.read() if process.stderr else ""


def _rows(runtime: Runtime, sql: str) -> list[tuple[object, ...]]:
    with runtime.store.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def _intervals(log: Path) -> dict[int, list[tuple[int, int]]]:
    """(start, end) of each job, per athlete, from the workers' log lines."""
    opened: dict[tuple[int, int], int] = {}
    spans: dict[int, list[tuple[int, int]]] = {}
    for line in log.read_text().splitlines():
        event, _kind, athlete, pid, at = line.split()
        key = (int(athlete), int(pid))
        if event == "start":
            assert key not in opened, f"athlete {athlete} started twice in one worker"
            opened[key] = int(at)
        else:
            spans.setdefault(int(athlete), []).append((opened.pop(key), int(at)))
    assert opened == {}, "a job started and never ended"
    return spans


def test_two_producers_bursting_make_exactly_one_waiting_job_per_athlete(
    distributed_home: Path, runtime: Runtime
) -> None:
    ids = add_athletes(runtime, 40)
    producers = [_spawn("produce", str(distributed_home), "5", *map(str, ids)) for _ in range(2)]
    made = sum(int(_finish(p)) for p in producers)

    waiting = _rows(
        runtime,
        "SELECT args->>'athlete_id', count(*) FROM procrastinate_jobs "
        "WHERE status = 'todo' GROUP BY 1",
    )
    assert made == len(ids)
    assert sorted(int(str(athlete)) for athlete, _ in waiting) == sorted(ids)
    assert {count for _, count in waiting} == {1}


@pytest.mark.slow
def test_two_workers_never_run_one_athlete_twice_at_once(
    distributed_home: Path, runtime: Runtime, tmp_path: Path
) -> None:
    ids = add_athletes(runtime, 6)
    log = tmp_path / "jobs.log"
    jobs = ProcrastinateJobs.open(runtime)
    workers = [_spawn("work", str(distributed_home), str(log), "0.05") for _ in range(2)]
    try:
        for process in workers:
            _wait_ready(process)
        for _ in range(8):  # refreshes and replans of the same athletes, while they run
            for athlete_id in ids:
                jobs.enqueue(JobRequest(JobKind.REFRESH, athlete_id, "poll"))
                jobs.enqueue(JobRequest(JobKind.REPLAN, athlete_id, "runner"))
            time.sleep(0.2)
        deadline = time.monotonic() + 90
        while read_queue_stats(runtime.store).waiting + read_queue_stats(
            runtime.store
        ).running and (time.monotonic() < deadline):
            time.sleep(0.2)
    finally:
        jobs.close()
        for process in workers:
            process.send_signal(signal.SIGTERM)
        for process in workers:
            _finish(process)

    spans = _intervals(log)
    pids = {line.split()[3] for line in log.read_text().splitlines()}
    assert len(pids) == 2, "both workers took jobs"
    assert set(spans) == set(ids)
    for athlete_id, athlete_spans in spans.items():
        ordered = sorted(athlete_spans)
        for (_, end), (start, _) in itertools.pairwise(ordered):
            assert start >= end, f"two jobs of athlete {athlete_id} overlapped"


def test_each_periodic_tick_is_deferred_once_however_many_workers_defer_it(
    distributed_home: Path, runtime: Runtime
) -> None:
    at = datetime(2026, 11, 30, 3, 17, 30, tzinfo=UTC).timestamp()
    tickers = [_spawn("tick", str(distributed_home), str(at)) for _ in range(4)]
    for process in tickers:
        _finish(process)

    deferred = _rows(
        runtime,
        "SELECT task_name, defer_timestamp FROM procrastinate_periodic_defers",
    )
    per_tick = Counter(deferred)
    assert per_tick, "no tick was deferred"
    assert set(per_tick.values()) == {1}
    names = {name for name, _ in deferred}
    assert {"syncsvc.polls", "syncsvc.cleanup", "syncsvc.retry_stalled"} <= names
    jobs_per_tick = _rows(
        runtime,
        "SELECT task_name, args->>'timestamp', count(*) FROM procrastinate_jobs "
        "WHERE task_name LIKE 'syncsvc.%' AND task_name NOT IN "
        "('syncsvc.refresh', 'syncsvc.replan') GROUP BY 1, 2",
    )
    assert {count for _, _, count in jobs_per_tick} == {1}


def test_the_strava_budget_never_over_grants_with_four_processes_competing(
    distributed_home: Path, runtime: Runtime
) -> None:
    limit = runtime.settings.strava.read_limit_15min
    takers = [
        _spawn("acquire", str(distributed_home), env={"SYNCSVC_NOW": FIXED_NOW}) for _ in range(4)
    ]
    granted = [int(_finish(p)) for p in takers]

    assert sum(granted) == limit
    with runtime.store.read() as tx:
        state = tx.shared.strava_budget(
            datetime.fromisoformat(FIXED_NOW),
            limit_15min=limit,
            limit_day=runtime.settings.strava.read_limit_daily,
        )
    assert state.used_15min == limit


@pytest.mark.slow
def test_a_worker_killed_mid_job_has_its_job_retried_and_the_store_ends_consistent(
    distributed_home: Path, runtime: Runtime, tmp_path: Path
) -> None:
    (athlete_id,) = add_athletes(runtime, 1)
    log = tmp_path / "jobs.log"
    jobs = ProcrastinateJobs.open(runtime)
    # A replan: the worker's start-up catch-up (a missed midnight) merges into it.
    jobs.enqueue(JobRequest(JobKind.REPLAN, athlete_id, "runner"))
    doomed = _spawn("work", str(distributed_home), str(log), "60")
    _wait_ready(doomed)
    deadline = time.monotonic() + 30
    while not log.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    doomed.send_signal(signal.SIGKILL)
    doomed.communicate(timeout=30)
    assert _rows(runtime, f"SELECT status::text FROM procrastinate_jobs {ATHLETE_JOBS}") == [
        ("doing",)
    ]

    time.sleep(runtime.settings.service.stalled_after_s + 1)  # the dead worker's heartbeat ages
    rescuer = Worker(runtime, jobs)

    async def rescue() -> int:
        async with rescuer.app.open_async():
            return await rescuer.retry_stalled(int(time.time()))

    assert asyncio.run(rescue()) >= 1  # the replan, and any fan-out it was running
    survivor = _spawn("drain", str(distributed_home), str(log), "0")
    _finish(survivor)
    jobs.close()

    statuses = Counter(
        str(status)
        for (status,) in _rows(
            runtime, f"SELECT status::text FROM procrastinate_jobs {ATHLETE_JOBS}"
        )
    )
    assert statuses == Counter({"failed": 1}), "the killed attempt is kept, its retry done"
    with runtime.store.read() as tx:
        runs = tx.athlete(athlete_id).runs.latest(5)
    assert [run.status for run in runs] == ["ok"]
    events = [line.split()[0] for line in log.read_text().splitlines()]
    assert events == ["start", "start", "end"], "killed mid-job, then run again to its end"
    stats = read_queue_stats(runtime.store)
    assert [(t.task, t.retries) for t in stats.tasks if t.task == REPLAN_TASK] == [(REPLAN_TASK, 1)]


@pytest.mark.slow
def test_sigterm_lets_the_running_job_finish_and_the_worker_exit_cleanly(
    distributed_home: Path, runtime: Runtime, tmp_path: Path
) -> None:
    (athlete_id,) = add_athletes(runtime, 1)
    log = tmp_path / "jobs.log"
    jobs = ProcrastinateJobs.open(runtime)
    jobs.enqueue(JobRequest(JobKind.REPLAN, athlete_id, "runner"))  # catch-up merges into it
    worker = _spawn("work", str(distributed_home), str(log), "2")
    _wait_ready(worker)
    deadline = time.monotonic() + 30
    while not log.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.send_signal(signal.SIGTERM)
    started = time.monotonic()
    _finish(worker, timeout=runtime.settings.service.shutdown_grace_s + 10)
    jobs.close()

    assert time.monotonic() - started < runtime.settings.service.shutdown_grace_s + 5
    assert [line.split()[0] for line in log.read_text().splitlines()] == ["start", "end"]
    assert _rows(
        runtime, "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'syncsvc.replan'"
    ) == [(0,)]
    assert _rows(runtime, "SELECT count(*) FROM procrastinate_workers") == [(0,)]
    with runtime.store.read() as tx:
        assert [run.status for run in tx.athlete(athlete_id).runs.latest(5)] == ["ok"]


@pytest.mark.slow
def test_a_job_outliving_the_shutdown_grace_is_requeued_and_the_worker_exits_anyway(
    tmp_path: Path, postgres_url: str
) -> None:
    home = tmp_path / "home"
    write_distributed_home(home, postgres_url, shutdown_grace_s=1.0)
    runtime = Runtime.create(home=home)
    runtime.open_store(create=True)
    (athlete_id,) = add_athletes(runtime, 1)
    log = tmp_path / "jobs.log"
    jobs = ProcrastinateJobs.open(runtime)
    jobs.enqueue(JobRequest(JobKind.REPLAN, athlete_id, "runner"))
    worker = _spawn("work", str(home), str(log), "60")
    _wait_ready(worker)
    deadline = time.monotonic() + 30
    while not log.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.send_signal(signal.SIGTERM)
    _finish(worker, timeout=20)
    jobs.close()

    assert [line.split()[0] for line in log.read_text().splitlines()] == ["start"]
    rows = _rows(
        runtime,
        f"SELECT status::text, args->>'attempt' FROM procrastinate_jobs {ATHLETE_JOBS} ORDER BY id",
    )
    assert rows == [("failed", "0"), ("todo", "1")], "the cut-off attempt closed, a retry waits"
    assert _rows(runtime, "SELECT count(*) FROM procrastinate_workers") == [(0,)]
    runtime.close()


@pytest.mark.slow
def test_syncsvc_worker_registers_and_stops_on_sigterm_with_status_0(
    distributed_home: Path, runtime: Runtime
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "syncsvc", "--home", str(distributed_home), "worker"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while _rows(runtime, "SELECT count(*) FROM procrastinate_workers") != [(1,)]:
        assert time.monotonic() < deadline, "the worker never registered"
        assert process.poll() is None, process.communicate()[1]
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)

    assert process.returncode == 0, err[-2000:]
    assert _rows(runtime, "SELECT count(*) FROM procrastinate_workers") == [(0,)]
