#!/usr/bin/env python3
"""Coach's page figures: server time and query count for a squad of 500 athletes.

    .venv/bin/python scripts/bench_coach.py [--athletes 500] [--years 1] [--repeats 30]

Seeds one athlete with the benchmark's generated history (scripts/bench.py),
plans it once and adds a low-back check-in, then copies its rows (activities,
stored days, sessions, check-ins, sync cursors) to `--athletes - 1` more
athletes in SQL (`store/copy.py: copy_athlete_rows`), so each row of the page
has real figures to compute. An admin signs in the way the page is used (a link
from `syncsvc web link --role admin`, then its button) and fetches `/coach`
`--repeats` times in process (Starlette's test client, no network): p50 and p95
of the server time, and the SQL statements one page costs, counted with an
engine event. The same count for 5 athletes shows it does not grow with the
squad. `python -c pass` is measured in the same run as the time reference, and
the process's CPU time per page is printed too: on a shared machine the wall
time mostly measures the other processes.

Aim: p50 under 150 ms for 500 athletes, with a constant number of queries.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

COPIED_TABLES = ("activities", "day_classes", "sessions", "checkins", "sync_cursors")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--athletes", type=int, default=500)
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=30)
    options = parser.parse_args()

    warnings.simplefilter("ignore", DeprecationWarning)
    from bench import NOW, history, new_runtime, seed_athlete
    from bench_reference import machine_load, python_pass_ms
    from sqlalchemy import event
    from starlette.testclient import TestClient

    from syncsvc import clock
    from syncsvc.api.app import Syncsvc
    from syncsvc.api.pipeline import refresh_athlete
    from syncsvc.domain import CheckIn, Profile
    from syncsvc.store.copy import copy_athlete_rows
    from syncsvc.web.app import web_app

    clock.set_now(NOW)
    with tempfile.TemporaryDirectory(prefix="syncsvc-bench-coach-") as folder:
        runtime = new_runtime(Path(folder) / "home")
        store = runtime.store
        athlete_id, _ = seed_athlete(runtime, "runner-000", history(options.years))
        refresh_athlete(runtime, athlete_id, trigger="bench", sync=False)
        with store.write() as tx:
            tx.athlete(athlete_id).checkins.append(CheckIn(athlete_id, clock.now(), 3))
        began = time.perf_counter()
        _squad(store, athlete_id, 4, Profile, copy_athlete_rows)  # 5 athletes
        app = web_app(store, runtime.settings)
        statements: list[str] = []
        event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        with TestClient(app, base_url="http://127.0.0.1:8765") as client:
            link = Syncsvc(runtime).staff_sign_in_link("admin").url.rsplit("/signin/", 1)[1]
            page = client.get(f"/signin/{link}").text
            csrf = re.search(r'name="csrf" value="([^"]+)"', page)
            assert csrf
            client.post("/signin", data={"csrf": csrf.group(1), "token": link})
            few = _queries(client, statements, 5)
            _squad(store, athlete_id, options.athletes - 5, Profile, copy_athlete_rows, start=5)
            built_s = time.perf_counter() - began
            many = _queries(client, statements, options.athletes)
            timings = []
            cpu = []
            for _ in range(options.repeats):
                started, started_cpu = time.perf_counter(), time.process_time()
                answer = client.get("/coach")
                timings.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
                assert answer.status_code == 200
            csv_started = time.perf_counter()
            csv_rows = client.get("/coach.csv").text.count("\n") - 1
            csv_ms = (time.perf_counter() - csv_started) * 1000
        runtime.close()
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    reference = python_pass_ms(7)
    print(f"squad of {options.athletes} athletes built in {built_s:.1f} s ({machine_load()})")
    print(f"queries per /coach page: {few} for 5 athletes, {many} for {options.athletes}")
    print(f"/coach, {options.athletes} athletes: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(f"  CPU time of this process per page: p50 {statistics.median(cpu):.1f} ms")
    print(f"/coach.csv: {csv_rows} rows in {csv_ms:.1f} ms")
    print(f"python -c pass: {reference} ms; /coach p50 = {p50 / reference:.1f}x that")


def _squad(
    store: Any, source_id: int, count: int, profile: Any, copy: Any, *, start: int = 1
) -> None:
    for number in range(start, start + count):
        with store.write() as tx:
            athlete = tx.athletes.add(
                f"runner-{number:03d}", profile(timezone="Europe/Berlin", hr_rest=50, hr_max=190)
            )
            copy(tx.orm, source_id, athlete.id, COPIED_TABLES)


def _queries(client: Any, statements: list[str], expected_rows: int) -> int:
    statements.clear()
    answer = client.get("/coach")
    assert answer.status_code == 200, answer.status_code
    rows = answer.text.count('<tr id="athlete-')
    assert rows == expected_rows, (rows, expected_rows)
    return len(statements)


if __name__ == "__main__":
    main()
