#!/usr/bin/env python3
"""The service with 10 years of history: pipeline time, webhook-to-feed latency, memory.

    .venv/bin/python scripts/bench_service.py [--runs 7] [--coalesce 3.0] [--arenas 2]

Builds a home with ~10 years of seeded running (Strava and Garmin records,
merged), then:

1. times the pipeline without network (`refresh_athlete(sync=False)`: load,
   forecast, replan, feed render, store writes) in process;
2. starts the real `syncsvc serve` on a loopback port (Strava's API faked by
   `responses` in the child, nothing of syncsvc), reads its resident memory when
   idle, posts a webhook event for a hard run this morning, and times the POST
   until the served feed's ETag changes (the coalescing delay included);
3. reads the resident memory again after that refresh.

Before the server, the cost of the load worker (`api/load_worker.py`): the load
step in this process, then in the worker process on its first call (a spawned
interpreter importing the load model and pandas) and on later calls.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

NOW = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def load_worker_costs(runtime: object, athlete_id: int, runs: int) -> None:
    """Median ms of the load step here, and in the worker: first call (cold), later calls."""
    from syncsvc.api.load_compute import analyse_inputs
    from syncsvc.api.load_worker import LoadWorker
    from syncsvc.api.pipeline import load_inputs, read_context
    from syncsvc.runtime import Runtime

    assert isinstance(runtime, Runtime)
    with runtime.store.read() as tx:
        athlete = tx.athletes.by_id(athlete_id)
    assert athlete is not None
    inputs = load_inputs(runtime.settings, read_context(runtime, athlete))

    def ms(call: object) -> float:
        assert callable(call)
        began = time.perf_counter()
        call()
        return (time.perf_counter() - began) * 1000

    analyse_inputs(inputs)  # pandas imported, outside the timing
    here = statistics.median(ms(lambda: analyse_inputs(inputs)) for _ in range(runs))
    colds, warms = [], []
    for _ in range(max(3, runs // 2)):
        worker = LoadWorker()
        compute = partial(worker.compute, inputs)
        colds.append(ms(compute))
        warms.extend(ms(compute) for _ in range(runs))
        worker.close()
    print(
        f"load step (10 years): in process {here:.0f} ms; in the load worker: first call "
        f"{statistics.median(colds):.0f} ms (spawn + imports), later calls "
        f"{statistics.median(warms):.0f} ms"
    )


def main() -> None:
    import httpx

    from syncsvc import clock
    from syncsvc.api.pipeline import refresh_athlete
    from syncsvc.runtime import Runtime
    from tests.server.server_process import running_server, wait_until
    from tests.server.service_builders import event, seed_store, write_home
    from tests.server.test_service_end_to_end import HARD_RUN_ID, strava_replies

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--coalesce", type=float, default=3.0)
    parser.add_argument(
        "--arenas", type=int, default=0, help="MALLOC_ARENA_MAX for the server (0: glibc's default)"
    )
    parser.add_argument(
        "--env", action="append", default=[], help="KEY=VALUE for the server (repeatable)"
    )
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "home"
        write_home(home, coalesce_s=options.coalesce)
        clock.set_now(NOW)
        runtime = Runtime.create(home=home)
        began = time.perf_counter()
        seeded = seed_store(runtime, weeks=522, end=date(2026, 11, 29))
        with runtime.store.read() as tx:
            records = len(tx.athlete(seeded.athlete_id).activities.records())
        print(f"seeded {records} activity records in {time.perf_counter() - began:.1f} s")

        durations = []
        for _ in range(options.runs):
            result = refresh_athlete(runtime, seeded.athlete_id, trigger="bench", sync=False)
            durations.append(result.duration_s)
        load_worker_costs(runtime, seeded.athlete_id, options.runs)
        runtime.close()
        clock.set_now(None)
        median_ms = statistics.median(durations) * 1000
        print(
            f"pipeline without network (10 years): median {median_ms:.0f} ms (min "
            f"{min(durations) * 1000:.0f}, max {max(durations) * 1000:.0f}, n={len(durations)})"
        )

        feed = f"/feeds/{seeded.feed_token}.ics"
        env = dict(item.split("=", 1) for item in options.env)
        if options.arenas:
            env["MALLOC_ARENA_MAX"] = str(options.arenas)
        with running_server(home, strava_replies(), now=NOW.isoformat(), env=env) as server:
            pid = server.process.pid
            with httpx.Client(base_url=server.base_url, timeout=10) as client:
                before = client.get(feed)
                time.sleep(2)
                idle = rss_mib(pid)
                posted_at = time.perf_counter()
                client.post("/webhooks/strava", json=event(HARD_RUN_ID))

                def changed() -> bool:
                    answer = client.get(feed, headers={"If-None-Match": before.headers["etag"]})
                    return answer.status_code == 200

                done = wait_until(changed, timeout=30, interval=0.05)
                latency = time.perf_counter() - posted_at
                time.sleep(0.5)
                after = rss_mib(pid)
            assert server.terminate() == 0
            refreshes = [line for line in server.logs().splitlines() if "refresh done" in line]
        if not done:
            raise SystemExit("the feed did not change within 30 s")
        print(
            f"webhook POST to new feed bytes: {latency:.2f} s "
            f"(coalescing delay {options.coalesce:.1f} s included)"
        )
        for line in refreshes:
            print("  service log:", line)
        print(f"resident memory: idle {idle:.0f} MiB, after a refresh {after:.0f} MiB")


if __name__ == "__main__":
    main()
