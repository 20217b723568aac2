"""The distributed engine in one process: its schema, retries, fan-outs, metrics and status."""

from __future__ import annotations

import asyncio
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from syncsvc.domain import Source
from syncsvc.runtime import Runtime
from syncsvc.server.distributed import (
    ANALYSE_AFTER,
    REFRESH_TASK,
    REPLAN_TASK,
    ProcrastinateJobs,
    Worker,
    conninfo,
)
from syncsvc.server.jobs import JobKind, JobRequest, Priority
from syncsvc.store.job_schema import ensure_job_schema, migration_names
from syncsvc.store.job_stats import read_queue_stats
from syncsvc.testing.cli import invoke
from tests.distributed.builders import add_athletes, write_distributed_home

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


def _drain(worker: Worker, *, until_empty_s: float = 30.0) -> None:
    """Run the worker until no job waits (held-back retries included)."""
    deadline = time.monotonic() + until_empty_s
    while time.monotonic() < deadline:
        asyncio.run(worker.run_async(wait=False, install_signal_handlers=False))
        if read_queue_stats(worker.runtime.store).waiting == 0:
            return
        time.sleep(0.3)
    raise AssertionError("jobs still waiting")


def _waiting(runtime: Runtime) -> list[tuple[str, str, int]]:
    with runtime.store.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT task_name, queueing_lock, priority FROM procrastinate_jobs "
                "WHERE status = 'todo' AND task_name IN ('syncsvc.refresh', 'syncsvc.replan') "
                "ORDER BY id"
            )
        )
        return [(str(a), str(b), int(c)) for a, b, c in rows]


def test_the_store_url_becomes_a_libpq_conninfo_keeping_the_search_path() -> None:
    info = conninfo(
        "postgresql+psycopg://sync:s3cret@db.example:6543/syncsvc?options=-csearch_path%3Dt_1"
    )
    import psycopg.conninfo

    assert psycopg.conninfo.conninfo_to_dict(info) == {
        "host": "db.example",
        "port": "6543",
        "dbname": "syncsvc",
        "user": "sync",
        "password": "s3cret",
        "options": "-csearch_path=t_1",
    }


def test_the_job_schema_is_installed_once_and_records_every_migration(runtime: Runtime) -> None:
    with runtime.store.engine.connect() as connection:
        recorded = {
            row[0] for row in connection.execute(text("SELECT migration FROM syncsvc_job_schema"))
        }
    assert recorded == set(migration_names())
    assert ensure_job_schema(runtime.store.engine) == []


def test_a_single_machine_store_on_postgresql_gets_no_job_tables(
    tmp_path: Path, postgres_url: str
) -> None:
    home = tmp_path / "single"
    write_distributed_home(home, postgres_url, extra="")
    settings = (home / "settings.toml").read_text().replace('mode = "worker"', 'mode = "single"')
    (home / "settings.toml").write_text(settings)
    runtime = Runtime.create(home=home)
    store = runtime.open_store(create=True)
    with store.engine.connect() as connection:
        tables = {
            row[0]
            for row in connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            )
        }
    runtime.close()
    assert "strava_budget" in tables
    assert not any(name.startswith(("procrastinate", "syncsvc_job")) for name in tables)


def test_a_distributed_mode_on_sqlite_is_refused_in_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "settings.toml").write_text('[service]\nmode = "worker"\n')

    result = invoke(["--home", str(home), "worker"])

    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "need PostgreSQL" in lines[0]


def test_syncsvc_worker_in_single_mode_says_how_to_turn_the_engine_on(tmp_path: Path) -> None:
    result = invoke(["--home", str(tmp_path / "home"), "worker"])

    assert result.exit_code != 0
    assert "service.mode = worker" in result.stderr


def test_priorities_and_delays_map_onto_procrastinate(runtime: Runtime) -> None:
    (athlete_id,) = add_athletes(runtime, 1)
    jobs = ProcrastinateJobs.open(runtime)
    try:
        assert jobs.enqueue(JobRequest(JobKind.REFRESH, athlete_id, "poll", Priority.POLL))
        assert not jobs.enqueue(JobRequest(JobKind.REFRESH, athlete_id, "webhook", delay_s=3))
        assert jobs.enqueue(JobRequest(JobKind.REPLAN, athlete_id, "midnight", Priority.MIDNIGHT))
    finally:
        jobs.close()

    assert _waiting(runtime) == [
        (REFRESH_TASK, f"refresh:{athlete_id}", -Priority.POLL),
        (REPLAN_TASK, f"replan:{athlete_id}", -Priority.MIDNIGHT),
    ]
    assert read_queue_stats(runtime.store).waiting == 2


def test_a_failing_job_is_retried_a_few_times_then_kept_as_failed(runtime: Runtime) -> None:
    jobs = ProcrastinateJobs.open(runtime)
    worker = Worker(runtime, jobs)
    try:
        jobs.enqueue(JobRequest(JobKind.REFRESH, 9999, "poll"))  # no such athlete: it fails
        _drain(worker)
    finally:
        jobs.close()

    stats = {t.task: t for t in read_queue_stats(runtime.store).tasks}
    attempts = runtime.settings.service.job_attempts
    assert stats[REFRESH_TASK].failures == attempts
    assert stats[REFRESH_TASK].retries == attempts - 1
    assert stats[REFRESH_TASK].failed_kept == attempts
    assert stats[REFRESH_TASK].waiting == 0


@pytest.mark.parametrize(
    ("tick", "zone"),
    [
        (datetime(2026, 11, 30, 23, 0, tzinfo=UTC), "Europe/Berlin"),
        (datetime(2026, 11, 30, 18, 30, tzinfo=UTC), "Asia/Kolkata"),
        (datetime(2026, 11, 30, 18, 15, tzinfo=UTC), "Asia/Kathmandu"),
        (datetime(2026, 12, 1, 3, 30, tzinfo=UTC), "America/St_Johns"),
        (datetime(2026, 12, 1, 0, 0, tzinfo=UTC), "UTC"),
    ],
)
def test_the_midnight_fanout_replans_the_zones_whose_midnight_the_tick_just_passed(
    runtime: Runtime, tick: datetime, zone: str
) -> None:
    ids = add_athletes(runtime, 5)  # one athlete in each of five zones
    with runtime.store.read() as tx:
        zones = {a.id: a.profile.timezone for a in tx.athletes.all()}
    jobs = ProcrastinateJobs.open(runtime)
    try:
        made = Worker(runtime, jobs).midnight(int(tick.timestamp()))
    finally:
        jobs.close()

    due = [athlete for athlete in ids if zones[athlete] == zone]
    assert made == 1
    assert _waiting(runtime) == [(REPLAN_TASK, f"replan:{due[0]}", -Priority.MIDNIGHT)]


def test_metrics_and_status_show_the_queue_failures_and_the_budget(
    runtime: Runtime, distributed_home: Path
) -> None:
    from syncsvc.server.serve import Service

    (athlete_id,) = add_athletes(runtime, 1)
    service = Service(runtime)
    try:
        service.jobs.enqueue(JobRequest(JobKind.REFRESH, athlete_id, "poll"))
        with TestClient(service.app()) as client:
            body = client.get("/metrics").text
    finally:
        service.stop()

    assert 'syncsvc_jobs_waiting{task="syncsvc.refresh"} 1.0' in body
    assert "syncsvc_job_queue_depth 1.0" in body
    assert "syncsvc_job_oldest_wait_seconds" in body
    assert "syncsvc_strava_budget_left 100.0" in body
    status = invoke(["--home", str(distributed_home), "status", "--json"])
    assert status.exit_code == 0, status.stderr
    assert '"waiting": 1' in status.stdout
    assert "syncsvc.refresh" in status.stdout


def test_a_webhook_in_a_web_process_enqueues_straight_into_procrastinate(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from syncsvc import clock
    from syncsvc.server.serve import Service
    from tests.server.service_builders import event, seed_store, write_home

    home = tmp_path / "home"
    write_home(home, extra='mode = "web"')
    monkeypatch.setenv("SYNCSVC_STORE__URL", postgres_url)
    clock.set_now(datetime(2026, 11, 30, 7, 30, tzinfo=UTC))
    runtime = Runtime.create(home=home)
    seeded = seed_store(runtime, weeks=2, end=datetime(2026, 11, 29).date())
    service = Service(runtime)
    try:
        with TestClient(service.app()) as client:
            answers = [client.post("/webhooks/strava", json=event(7000 + n)) for n in range(3)]
    finally:
        service.stop()
        runtime.close()

    assert [(a.status_code, a.text.strip()) for a in answers] == [(200, "accepted")] * 3
    runtime = Runtime.create(home=home)
    try:
        assert _waiting(runtime) == [
            (REFRESH_TASK, f"refresh:{seeded.athlete_id}", -Priority.WEBHOOK)
        ]
        with runtime.store.read() as tx:
            assert len(tx.athlete(seeded.athlete_id).pending.all(Source.STRAVA)) == 3
    finally:
        runtime.close()


def test_store_migrate_installs_the_job_tables_in_a_distributed_mode(
    tmp_path: Path, postgres_url: str
) -> None:
    home = tmp_path / "home"
    write_distributed_home(home, postgres_url)

    result = invoke(["--home", str(home), "store", "migrate"])

    assert result.exit_code == 0, result.stderr
    assert "job engine" in result.stdout
    runtime = Runtime.create(home=home)
    try:
        assert ensure_job_schema(runtime.store.engine) == []
    finally:
        runtime.close()


def test_the_poll_fanout_polls_garmin_in_its_slot_and_leaves_strava_to_webhooks(
    runtime: Runtime,
) -> None:
    from syncsvc.server.fanout import poll_slot

    garmin_athlete, strava_athlete = add_athletes(runtime, 2)
    with runtime.store.write() as tx:
        tx.athlete(garmin_athlete).credentials.save("garmin", {"token": "t"}, provider_user_id="g")
        tx.athlete(strava_athlete).credentials.save("strava", {"token": "t"}, provider_user_id="s")
    garmin_period = runtime.settings.garmin.poll_minutes
    strava_period = round(runtime.settings.strava.poll_hours * 60)
    day = int(datetime(2026, 11, 30, tzinfo=UTC).timestamp())
    garmin_tick = day + 60 * poll_slot(garmin_athlete, garmin_period, salt="garmin")
    strava_tick = day + 60 * poll_slot(strava_athlete, strava_period, salt="strava")
    jobs = ProcrastinateJobs.open(runtime)
    try:
        worker = Worker(runtime, jobs)
        made = [worker.polls(garmin_tick), worker.polls(strava_tick)]
    finally:
        jobs.close()

    assert made[0] == 1
    assert _waiting(runtime) == [(REFRESH_TASK, f"refresh:{garmin_athlete}", -Priority.BACKFILL)], (
        "the first Garmin poll of an athlete is a backfill; Strava is never polled"
    )


def test_a_fanout_in_batches_leaves_out_athletes_whose_job_already_waits(
    runtime: Runtime,
) -> None:
    ids = add_athletes(runtime, 7)
    jobs = ProcrastinateJobs.open(runtime)
    try:
        jobs.enqueue(JobRequest(JobKind.REPLAN, ids[3], "runner", Priority.RUNNER))
        made = jobs.enqueue_many(
            [JobRequest(JobKind.REPLAN, i, "midnight", Priority.MIDNIGHT) for i in ids]
        )
    finally:
        jobs.close()

    assert made == len(ids) - 1
    waiting = _waiting(runtime)
    assert sorted(lock for _, lock, _ in waiting) == sorted(f"replan:{i}" for i in ids)
    assert (REPLAN_TASK, f"replan:{ids[3]}", -Priority.RUNNER) in waiting


def _planner_rows(runtime: Runtime) -> float:
    """What the planner believes the jobs table holds (its statistics, not a count)."""
    with runtime.store.engine.connect() as connection:
        return float(
            connection.execute(
                text("SELECT reltuples FROM pg_class WHERE oid = 'procrastinate_jobs'::regclass")
            ).scalar_one()
        )


def test_a_large_fanout_leaves_the_jobs_table_with_fresh_statistics(runtime: Runtime) -> None:
    """A bulk defer into a table analysed while empty (production's quiet hours) is analysed
    at once: the workers' job-picking query is planned for thousands of rows, not one."""
    ids = add_athletes(runtime, ANALYSE_AFTER + 50)
    with runtime.store.engine.begin() as connection:
        connection.execute(text("ANALYZE procrastinate_jobs"))
    assert _planner_rows(runtime) < 10
    jobs = ProcrastinateJobs.open(runtime)
    try:
        made = jobs.enqueue_many(
            [JobRequest(JobKind.REPLAN, i, "midnight", Priority.MIDNIGHT) for i in ids]
        )
    finally:
        jobs.close()

    assert made == len(ids)
    assert _planner_rows(runtime) >= len(ids)


def test_the_daily_cleanup_removes_finished_jobs_older_than_the_history_kept(
    runtime: Runtime,
) -> None:
    jobs = ProcrastinateJobs.open(runtime)
    worker = Worker(runtime, jobs)
    try:
        for athlete_id in (9001, 9002):  # no such athletes: each attempt fails and is kept
            jobs.enqueue(JobRequest(JobKind.REPLAN, athlete_id, "runner"))
        _drain(worker)
        with runtime.store.engine.begin() as connection:
            connection.execute(
                text(
                    "UPDATE procrastinate_events SET at = now() - interval '40 days' "
                    "WHERE job_id IN (SELECT id FROM procrastinate_jobs "
                    "WHERE args->>'athlete_id' = '9001')"
                )
            )
        removed = worker.cleanup(int(datetime(2026, 12, 1, 3, 17, tzinfo=UTC).timestamp()))
    finally:
        jobs.close()

    attempts = runtime.settings.service.job_attempts
    assert removed == attempts
    with runtime.store.engine.connect() as connection:
        left = connection.execute(
            text(
                "SELECT DISTINCT args->>'athlete_id' FROM procrastinate_jobs "
                "WHERE task_name = 'syncsvc.replan'"
            )
        ).all()
    assert left == [("9002",)]
