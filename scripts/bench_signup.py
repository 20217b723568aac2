#!/usr/bin/env python3
"""Time from a new runner's first "Sign in with Strava" to their first plan on the page.

    .venv/bin/python scripts/bench_signup.py [--runs 3] [--weeks 156]

Each run makes a fresh store (no athlete yet) with `web.signup = "strava"`,
serves the whole service app (web page, job engine with its worker threads)
in this process, and fakes Strava at the HTTP layer (`responses`,
`tests/sources/fake_strava_many.py`): a 3-year history (`--weeks`), real
shapes, 200 activities a page, Strava's rate-limit headers. The clock starts
at Strava's redirect to our callback and stops when the Today page shows a
session: the code exchange, the athlete made, the backfill job (newest weeks
first, within the read budget), the load model, the plan. Strava answers at
once here; the real one takes about half a second a page, which adds
pages x 0.5 s. The aim is under 60 s. The load average is printed beside the
figure (the machine is shared), and `python -c pass` is measured in the same
run as the time reference.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

NOW = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)
BASE = "http://testserver"


def one_run(weeks: int) -> tuple[float, int, int]:
    """Seconds from the callback to the plan on Today; activities stored; list requests."""
    import responses

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    from syncsvc import clock
    from syncsvc.domain import Source
    from syncsvc.runtime import Runtime
    from syncsvc.server.app import create_app
    from syncsvc.server.jobs import InProcessJobs, job_runner
    from syncsvc.server.metrics import ServiceMetrics
    from syncsvc.testing.history import HistorySpec, generate_history
    from syncsvc.testing.shapes import strava_activities
    from tests.sources.fake_strava_many import FakeStravaMany

    def history_of(number: int) -> list[dict[str, Any]]:
        spec = HistorySpec(weeks=weeks, end=date(2026, 11, 22), athlete_key="bench", seed=7)
        return strava_activities(generate_history(spec), athlete_id=90_000_000 + number)

    clock.set_now(NOW)
    with tempfile.TemporaryDirectory(prefix="bench-signup-") as folder:
        runtime = Runtime.create(
            home=Path(folder),
            flags={
                "service": {"public_url": BASE},
                "strava": {"client_id": "4242", "client_secret": "not-a-real-secret"},
                "web": {"signup": "strava"},
            },
        )
        runtime.open_store(create=True).initialise_meta("bench.invalid")
        metrics = ServiceMetrics()
        runner: list[Any] = []
        jobs = InProcessJobs(lambda job: runner[0](job), workers=2)
        runner.append(job_runner(runtime, metrics, follow_up=jobs.enqueue))
        app = create_app(
            store=runtime.store,
            settings=runtime.settings,
            metrics=metrics,
            jobs=jobs,
            scheduler_alive=None,
        )
        jobs.start()
        try:
            with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
                mock.add_passthru(BASE)
                strava = FakeStravaMany(mock, history_of)
                history_of(1)  # the history is made before the clock starts
                with TestClient(app, base_url=BASE) as client:
                    client.get("/signin")
                    sent = client.post(
                        "/signup/strava",
                        data={"csrf": client.cookies.get("syncsvc_presession")},
                        follow_redirects=False,
                    )
                    state = parse_qs(urlparse(sent.headers["location"]).query)["state"][0]
                    began = time.perf_counter()
                    client.get(
                        "/oauth/strava/callback",
                        params={
                            "state": state,
                            "code": "code-1",
                            "scope": "read,activity:read_all",
                        },
                    )
                    while "Nothing is planned ahead yet" in client.get("/").text:
                        time.sleep(0.05)
                    seconds = time.perf_counter() - began
            with runtime.store.read() as tx:
                (athlete,) = tx.athletes.all()
                stored = len(tx.athlete(athlete.id).activities.source_ids(Source.STRAVA))
        finally:
            jobs.stop(5.0)
            runtime.close()
    return seconds, stored, strava.list_requests.get(1, 0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--weeks", type=int, default=156)
    options = parser.parse_args()

    from bench_reference import python_pass_ms

    reference_ms = python_pass_ms(5)
    print(f"reference: python -c pass {reference_ms} ms", flush=True)
    figures: list[float] = []
    for run in range(options.runs):
        seconds, stored, pages = one_run(options.weeks)
        figures.append(seconds)
        print(
            f"run {run + 1}: {seconds:.2f} s to the first plan "
            f"({stored} activities, {pages} list requests); load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
    median = statistics.median(figures)
    print(
        f"sign-in to first plan, {options.weeks}-week history: median {median:.2f} s "
        f"(aim: under 60 s) = {median * 1000 / reference_ms:.0f} x python -c pass; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


if __name__ == "__main__":
    main()
