#!/usr/bin/env python3
"""The distributed job engine on the local PostgreSQL: throughput, CPU per job, fan-out drain.

    .venv/bin/python scripts/bench_distributed.py [--athletes 10000] [--real 40] [--workers 2]
        [--stale-statistics]

Needs the PostgreSQL server of the tests (SYNCSVC_TEST_POSTGRES_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/test); works in a schema of its
own, dropped at the end. Each worker is a separate process (`syncsvc worker`'s
code) running `--threads` jobs at once (`service.workers`, 1 by default).

The jobs table starts as production's is in its quiet hours: nearly empty and
analysed while empty (autovacuum has seen it so), so the planner's statistics
say "a row or two" until something analyses it again. The bench never
analyses it after that: only the product does (`ProcrastinateJobs.enqueue_many`
after a bulk defer). `--stale-statistics` turns the product's ANALYZE off, to
measure the path it avoids.

1. no-op refreshes (the job body replaced, so only the engine is measured):
   - the minute tick at this many athletes (each with a Garmin account and a
     push channel): reading them, the Garmin poll fan-out and the lagging-push
     tick, as a worker runs them, with the store queries each sends;
   - enqueue: a fan-out (`enqueue_many`, as every tick defers) of a refresh
     for each athlete (jobs/s);
   - drain: N workers run them (jobs/s), CPU per job of the workers and of
     PostgreSQL's processes (from /proc: the server must run on this machine;
     other work on it counts too);
   - a full fan-out: one midnight tick whose athletes are all due (every
     athlete in UTC), run by a worker like any tick: the time from the tick to
     an empty queue.
2. real refreshes (`jobs.execute`: load, forecast, replan, feed) of athletes
   with a year (52 weeks) of synthetic history each: athletes refreshed per minute.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

ADMIN_URL = os.environ.get(
    "SYNCSVC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
HISTORY_WEEKS = 52
ATHLETE_TASKS = "task_name IN ('syncsvc.refresh', 'syncsvc.replan')"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU of the PostgreSQL server's processes (on this machine), living ones."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                total += cpu_seconds(int(entry.name))
        except OSError:
            continue
    return total


def write_home(home: Path, url: str, threads: int) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.toml").write_text(
        f'log_level = "warning"\n[store]\nurl = "{url}"\n'
        f'[service]\nmode = "worker"\nworkers = {threads}\nheartbeat_s = 5.0\n'
    )


def add_athletes(home: Path, count: int, *, history_weeks: int = 0) -> list[int]:
    """`count` athletes in UTC, each with a Garmin account and a push channel in step.

    Without history they are inserted in bulk (10,000 in seconds); the rows are the
    ones the product writes (`tx.athletes.add`, `credentials.save`, `push.add_channel`).
    """
    from sqlalchemy import insert, select

    from syncsvc.domain import Profile, SourceRecord
    from syncsvc.runtime import Runtime
    from syncsvc.sources.ingest import remerge_all
    from syncsvc.sources.settings import MergeSettings
    from syncsvc.store.convert import profile_to_json
    from syncsvc.store.schema import AthleteRow, CredentialRow, PushChannelRow
    from syncsvc.testing.history import HistorySpec, as_activities, generate_history

    runtime = Runtime.create(home=home)
    store = runtime.open_store(create=True)
    store.initialise_meta("bench.invalid")
    profile = profile_to_json(
        Profile(timezone="UTC", hr_rest=50, hr_max=190, long_run_days=(6,), hard_days=(1,))
    )
    now = datetime.now(UTC)
    secret = store.secrets.encrypt(b'{"tokens": "bench"}')
    with store.write() as tx:
        start = len(tx.athletes.all())
        names = [f"b{start + number}" for number in range(count)]
        tx.orm.execute(
            insert(AthleteRow),
            [
                {
                    "name": name,
                    "profile_json": profile,
                    "is_default": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for name in names
            ],
        )
        rows = tx.orm.execute(select(AthleteRow.id).where(AthleteRow.name.in_(names)))
        ids = sorted(row.id for row in rows)
        tx.orm.execute(
            insert(CredentialRow),
            [
                {
                    "athlete_id": i,
                    "provider": "garmin",
                    "secret_enc": secret,
                    "scope": "",
                    "status": "ok",
                    "status_message": "",
                    "updated_at": now,
                }
                for i in ids
            ],
        )
        tx.orm.execute(
            insert(PushChannelRow),
            [
                {
                    "athlete_id": i,
                    "kind": "caldav",
                    "target": f"https://dav.invalid/{i}/",
                    "created_at": now,
                    "plan_changed_at": now,
                    "last_success_at": now,
                }
                for i in ids
            ],
        )
    if history_weeks:
        runs = generate_history(
            HistorySpec(weeks=history_weeks, end=date(2026, 11, 29), timezone="UTC")
        )
        activities = [a for a in as_activities(runs) if a.source.value == "garmin"]
        for athlete_id in ids:
            with store.write() as tx:
                scope = tx.athlete(athlete_id)
                scope.activities.upsert_many(
                    [SourceRecord(a, {"activityId": a.source_id}) for a in activities]
                )
                remerge_all(scope.activities, MergeSettings())
    runtime.close()
    return ids


def count_athlete_jobs(engine: object) -> int:
    from sqlalchemy import text

    with engine.connect() as connection:  # type: ignore[attr-defined]
        return int(
            connection.execute(
                text(
                    f"SELECT count(*) FROM procrastinate_jobs WHERE {ATHLETE_TASKS} "
                    "AND status IN ('todo', 'doing')"
                )
            ).scalar()
        )


def enqueue_all(home: Path, ids: list[int], *, bulk: bool = True) -> float:
    """Defer a refresh for each athlete: as a fan-out does (`bulk`), or one by one."""
    from syncsvc.runtime import Runtime
    from syncsvc.server.distributed import ProcrastinateJobs
    from syncsvc.server.jobs import JobKind, JobRequest

    runtime = Runtime.create(home=home)
    jobs = ProcrastinateJobs.open(runtime)
    requests = [JobRequest(JobKind.REFRESH, athlete_id, "poll") for athlete_id in ids]
    began = time.perf_counter()
    if bulk:
        jobs.enqueue_many(requests)
    else:
        for request in requests:
            jobs.enqueue(request)
    elapsed = time.perf_counter() - began
    jobs.close()
    runtime.close()
    return elapsed


def planner_rows(engine: object) -> float:
    """What PostgreSQL's planner believes the jobs table holds."""
    from sqlalchemy import text

    with engine.connect() as connection:  # type: ignore[attr-defined]
        return float(
            connection.execute(
                text("SELECT reltuples FROM pg_class WHERE oid = 'procrastinate_jobs'::regclass")
            ).scalar_one()
        )


def quiet_table(engine: object) -> None:
    """The jobs table as production has it between fan-outs: analysed while (nearly) empty."""
    from sqlalchemy import text

    with engine.begin() as connection:  # type: ignore[attr-defined]
        connection.execute(text("ANALYZE procrastinate_jobs"))


def views_one_by_one(runtime: Any) -> int:
    """The reference: what `read_athletes` reads, one athlete at a time (as it did before it
    read in sets: about 5 queries per athlete)."""
    from syncsvc.domain import Source

    count = 0
    with runtime.store.read() as tx:
        for athlete in tx.athletes.all():
            scope = tx.athlete(athlete.id)
            for provider in ("garmin", "strava"):
                scope.credentials.info(provider)
            scope.pending.all(Source.STRAVA)
            scope.runs.latest(1)
            for source in (Source.GARMIN, Source.STRAVA):
                scope.cursors.get(source)
            count += 1
    return count


def minute_tick(runtime: Any, athletes: int) -> None:
    """The per-minute ticks a worker runs, timed (wall and this process's CPU), with the
    store queries each sends; the reference is the same read one athlete at a time."""
    from syncsvc.server.distributed import ProcrastinateJobs, Worker
    from syncsvc.server.periodic import read_athletes
    from syncsvc.testing.queries import counted_queries

    engine = runtime.store.engine
    jobs = ProcrastinateJobs.open(runtime)
    worker = Worker(runtime, jobs)
    minute = int(datetime(2026, 12, 1, 9, 7, tzinfo=UTC).timestamp())
    figures = []
    for name, call in (
        ("reading the athletes", lambda: len(read_athletes(runtime))),
        ("Garmin poll fan-out (reading them again)", lambda: worker.polls(minute)),
        ("lagging pushes", lambda: worker.lagging_pushes(minute)),
        ("reference: the same read one athlete at a time", lambda: views_one_by_one(runtime)),
    ):
        with counted_queries(engine) as statements:
            began, cpu = time.perf_counter(), time.process_time()
            result = call()
            elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
        figures.append(
            f"  {name}: {elapsed:.3f} s ({cpu:.3f} s CPU), {len(statements)} queries, -> {result}"
        )
    jobs.close()
    print(f"minute tick at {athletes} athletes (load {os.getloadavg()[0]:.1f}):")
    print("\n".join(figures))


def worker_main(home: Path, mode: str) -> None:
    """A child process: a worker whose athlete jobs are no-ops (`noop`) or real (`real`)."""
    from syncsvc.runtime import Runtime
    from syncsvc.server.distributed import ProcrastinateJobs, Worker

    runtime = Runtime.create(home=home)
    runtime.open_store()
    jobs = ProcrastinateJobs.open(runtime)
    worker = Worker(
        runtime,
        jobs,
        job_body=(lambda request: None) if mode == "noop" else None,
        catch_up_at_start=False,
    )
    print("ready", flush=True)
    worker.run()


def start_workers(home: Path, count: int, mode: str) -> list[subprocess.Popen[str]]:
    workers = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", str(home), mode],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        for _ in range(count)
    ]
    for process in workers:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
    return workers


def stop_workers(workers: list[subprocess.Popen[str]]) -> None:
    for process in workers:
        process.terminate()
    for process in workers:
        process.wait(timeout=60)


def wait_empty(engine: object, timeout_s: float = 3600) -> float:
    began = time.perf_counter()
    while count_athlete_jobs(engine) and time.perf_counter() - began < timeout_s:
        time.sleep(0.05)
    return time.perf_counter() - began


def bench(athletes: int, real: int, workers: int, threads: int, *, stale: bool) -> None:
    from sqlalchemy import create_engine, text

    from syncsvc.runtime import Runtime
    from syncsvc.server import distributed
    from syncsvc.server.distributed import ProcrastinateJobs, Worker
    from syncsvc.server.periodic import read_athletes

    if stale:  # the path the product's ANALYZE avoids
        distributed.ANALYSE_AFTER = sys.maxsize
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in ADMIN_URL else "?"
    url = f"{ADMIN_URL}{separator}options=-csearch_path%3D{schema}"
    try:
        with tempfile.TemporaryDirectory() as folder:
            home = Path(folder) / "home"
            write_home(home, url, threads)
            began = time.perf_counter()
            ids = add_athletes(home, athletes)
            print(f"setup: {athletes} athletes in {time.perf_counter() - began:.1f} s")
            runtime = Runtime.create(home=home)
            engine = runtime.store.engine

            quiet_table(engine)
            # 1a. the minute tick (its Garmin fan-out defers this minute's slot)
            minute_tick(runtime, athletes)
            # 1b. enqueue, as a fan-out does
            enqueue_s = enqueue_all(home, ids)
            waiting = count_athlete_jobs(engine)
            print(
                f"enqueue: {athletes} refreshes in {enqueue_s:.1f} s "
                f"= {athletes / enqueue_s:.0f} jobs/s (a fan-out's bulk defer); "
                f"{waiting} jobs wait; the planner believes the jobs table holds "
                f"{planner_rows(engine):.0f} rows"
            )
            # 1c. drain with no-op bodies
            pool = start_workers(home, workers, "noop")
            cpu_before = sum(cpu_seconds(p.pid) for p in pool)
            busy_before = postgres_cpu_seconds()
            drain_s = wait_empty(engine)
            cpu_workers = sum(cpu_seconds(p.pid) for p in pool) - cpu_before
            busy = postgres_cpu_seconds() - busy_before
            print(
                f"drain ({workers} workers, no-op): {waiting} jobs in {drain_s:.1f} s "
                f"= {waiting / drain_s:.0f} jobs/s; CPU per job: workers "
                f"{cpu_workers / waiting * 1000:.2f} ms, PostgreSQL "
                f"{busy / waiting * 1000:.2f} ms"
            )
            quiet_table(engine)  # the drained table, analysed by autovacuum in the quiet hours
            # 1d. a full fan-out: one midnight tick for everyone (all in UTC)
            began = time.perf_counter()
            views = read_athletes(runtime)
            read_s = time.perf_counter() - began
            jobs = ProcrastinateJobs.open(runtime)
            tick = int(datetime(2026, 12, 1, tzinfo=UTC).timestamp())
            fanout_worker = Worker(runtime, jobs)
            busy_before = postgres_cpu_seconds()
            began = time.perf_counter()
            made = fanout_worker.midnight(tick)
            fanout_s = time.perf_counter() - began
            total_s = fanout_s + wait_empty(engine)
            busy = postgres_cpu_seconds() - busy_before
            jobs.close()
            stop_workers(pool)
            print(
                f"full fan-out: midnight tick for {made} athletes: reading them "
                f"{read_s:.2f} s, the fan-out task {fanout_s:.1f} s, drained "
                f"{total_s:.1f} s after the tick (PostgreSQL {busy:.0f} CPU s = "
                f"{busy / max(made, 1) * 1000:.2f} ms per job); {len(views)} athlete views"
            )

            # 2. real refreshes on synthetic histories
            if real:
                began = time.perf_counter()
                real_ids = add_athletes(home, real, history_weeks=HISTORY_WEEKS)
                print(
                    f"setup: {real} athletes with {HISTORY_WEEKS} weeks of history in "
                    f"{time.perf_counter() - began:.1f} s"
                )
                pool = start_workers(home, workers, "real")
                busy_before = postgres_cpu_seconds()
                cpu_before = sum(cpu_seconds(p.pid) for p in pool)
                began = time.perf_counter()
                enqueue_all(home, real_ids, bulk=False)
                wait_empty(engine)
                real_s = time.perf_counter() - began
                cpu_workers = sum(cpu_seconds(p.pid) for p in pool) - cpu_before
                busy = postgres_cpu_seconds() - busy_before
                stop_workers(pool)
                with engine.connect() as connection:
                    ok = connection.execute(
                        text(
                            "SELECT count(DISTINCT athlete_id) FROM pipeline_runs "
                            "WHERE status = 'ok'"
                        )
                    ).scalar()
                print(
                    f"real refreshes ({workers} workers): {ok} of {real} athletes refreshed "
                    f"(status ok) in {real_s:.1f} s "
                    f"= {real / real_s * 60:.0f} athletes/min; CPU per refresh: workers "
                    f"{cpu_workers / real:.3f} s, PostgreSQL {busy / real:.3f} s"
                )
            runtime.close()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker_main(Path(sys.argv[2]), sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--athletes", type=int, default=10_000)
    parser.add_argument("--real", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--threads", type=int, default=1, help="jobs at once per worker")
    parser.add_argument(
        "--stale-statistics",
        action="store_true",
        help="turn off the ANALYZE after a bulk defer (the path it avoids)",
    )
    arguments = parser.parse_args()
    print(
        f"{os.cpu_count()} CPUs; PostgreSQL at {ADMIN_URL.split('@')[-1]}; "
        f"{arguments.workers} workers x {arguments.threads} job threads"
    )
    bench(
        arguments.athletes,
        arguments.real,
        arguments.workers,
        arguments.threads,
        stale=arguments.stale_statistics,
    )


if __name__ == "__main__":
    main()
