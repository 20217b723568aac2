"""50 runners join with "Sign in with Strava" on PostgreSQL; procrastinate reads their histories.

The web app enqueues into procrastinate as a `web` process does; a worker in
this process drains the queue (its job threads see `responses`). The test sets
what makes it drain within a CI run: the clock, each runner's history (26
weeks, two list pages of 100), and the read budget (120 reads a 15-minute
window, Strava's side counting the same): 50 backfills need 100 reads.
"""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import responses
from sqlalchemy import text

from syncsvc import clock
from syncsvc.domain import Source
from syncsvc.runtime import Runtime
from syncsvc.server.app import create_app
from syncsvc.server.distributed import REFRESH_TASK, ProcrastinateJobs, Worker
from syncsvc.server.jobs import Priority
from syncsvc.server.metrics import ServiceMetrics
from syncsvc.store.job_stats import read_queue_stats
from syncsvc.testing.history import HistorySpec, generate_history
from syncsvc.testing.shapes import strava_activities
from tests.distributed.builders import write_distributed_home
from tests.sources.fake_strava_many import FakeStravaMany

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

RUNNERS = 50
BASE = "http://testserver"
LIMIT_15MIN = 120
NOW = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)
SETTINGS = f"""public_url = "{BASE}"
[strava]
client_id = "4242"
client_secret = "not-a-real-secret"
page_size = 100
read_limit_15min = {LIMIT_15MIN}
read_limit_daily = 1000
retries = 0
[web]
signup = "strava"
"""


def history_of(number: int) -> list[dict[str, Any]]:
    spec = HistorySpec(
        weeks=26, end=date(2026, 11, 22), athlete_key=f"joiner-{number}", seed=number
    )
    return strava_activities(generate_history(spec), athlete_id=90_000_000 + number)


@pytest.fixture
def joining_runtime(tmp_path: Path, postgres_url: str) -> Iterator[Runtime]:
    home = tmp_path / "home"
    write_distributed_home(home, postgres_url, extra=SETTINGS)
    clock.set_now(NOW)
    runtime = Runtime.create(home=home)
    runtime.open_store(create=True).initialise_meta("svc.test")
    yield runtime
    runtime.close()


def join(client: TestClient, number: int) -> None:
    """The button on the sign-in page, Strava's consent, and its redirect to our callback."""
    client.cookies.clear()
    client.get("/signin")
    pre_session = client.cookies.get("syncsvc_presession")
    sent = client.post("/signup/strava", data={"csrf": pre_session}, follow_redirects=False)
    state = parse_qs(urlparse(sent.headers["location"]).query)["state"][0]
    back = client.get(
        "/oauth/strava/callback",
        params={"state": state, "code": f"code-{number}", "scope": "read,activity:read_all"},
        follow_redirects=False,
    )
    assert back.headers["location"] == "/welcome", back.text


def backfill_jobs(runtime: Runtime) -> list[tuple[str, int]]:
    with runtime.store.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT queueing_lock, priority FROM procrastinate_jobs "
                "WHERE task_name = :task ORDER BY id"
            ),
            {"task": REFRESH_TASK},
        )
        return [(str(lock), int(priority)) for lock, priority in rows]


def drain(worker: Worker, *, until_empty_s: float = 240.0) -> None:
    deadline = time.monotonic() + until_empty_s
    while time.monotonic() < deadline:
        asyncio.run(worker.run_async(wait=False, install_signal_handlers=False))
        if read_queue_stats(worker.runtime.store).waiting == 0:
            return
    raise AssertionError("jobs still waiting")


def test_fifty_runners_join_each_gets_one_backfill_within_the_budget_and_a_plan(
    joining_runtime: Runtime,
) -> None:
    runtime = joining_runtime
    jobs = ProcrastinateJobs.open(runtime)
    app = create_app(
        store=runtime.store,
        settings=runtime.settings,
        metrics=ServiceMetrics(),
        jobs=jobs,
        scheduler_alive=None,
    )
    try:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            mock.add_passthru(BASE)
            strava = FakeStravaMany(mock, history_of, limit_15min=LIMIT_15MIN)
            with TestClient(app, base_url=BASE) as client:
                for number in range(1, RUNNERS + 1):
                    join(client, number)
            with runtime.store.read() as tx:
                athletes = tx.athletes.all()
            assert len(athletes) == RUNNERS
            assert sorted(backfill_jobs(runtime)) == sorted(
                (f"refresh:{athlete.id}", -Priority.BACKFILL) for athlete in athletes
            )
            assert strava.list_requests == {}

            worker = Worker(runtime, jobs, catch_up_at_start=False)
            drain(worker)
    finally:
        jobs.close()

    assert strava.refused == 0
    assert strava.most_reads_in_a_window <= LIMIT_15MIN
    assert strava.list_requests == {  # one backfill each: its pages, newest first, once
        number: len(history) // 100 + 1 for number, history in strava.histories.items()
    }
    assert len(strava.list_requests) == RUNNERS
    today = NOW.date()
    with runtime.store.read() as tx:
        budget = tx.shared.strava_budget(NOW, limit_15min=LIMIT_15MIN, limit_day=1000)
        assert budget.used_15min <= LIMIT_15MIN
        for athlete in tx.athletes.all():
            scope = tx.athlete(athlete.id)
            assert scope.cursors.get(Source.STRAVA).last_success_at is not None, athlete.name
            info = scope.credentials.info("strava")
            assert info is not None
            assert info.provider_user_id is not None
            number = int(info.provider_user_id) - 90_000_000
            stored = scope.activities.source_ids(Source.STRAVA)
            assert len(stored) == len(strava.histories[number]), athlete.name
            ahead = scope.sessions.all(since=today, until=today + timedelta(days=13))
            assert ahead, f"{athlete.name} has no plan"
