"""The app in process, with the real store and engine; only Strava's API is faked.

The job engine runs on a hand-driven clock: `advance(s)` moves it past the
coalescing delay and `run_ready()` runs what is due in the test's own thread,
so nothing here depends on timing.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import responses
from sqlalchemy import func, select

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette prefers httpx2 now; httpx works
    from starlette.testclient import TestClient

from syncsvc import clock
from syncsvc.domain import Source
from syncsvc.runtime import Runtime
from syncsvc.server.app import create_app
from syncsvc.server.jobs import InProcessJobs, job_runner
from syncsvc.server.metrics import ServiceMetrics
from syncsvc.store.schema import WebhookEventRow
from syncsvc.testing.http_replay import add_replies


@dataclass
class FakeMonotonic:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Harness:
    runtime: Runtime
    jobs: InProcessJobs
    metrics: ServiceMetrics
    client: TestClient
    mock: responses.RequestsMock
    time: FakeMonotonic
    athlete_id: int
    scheduler_up: list[bool] = field(default_factory=lambda: [True])

    def post(self, body: Any) -> tuple[int, str]:
        answer = self.client.post("/webhooks/strava", json=body)
        return answer.status_code, answer.text.strip()

    def post_raw(self, content: bytes) -> tuple[int, str]:
        answer = self.client.post(
            "/webhooks/strava", content=content, headers={"content-type": "application/json"}
        )
        return answer.status_code, answer.text.strip()

    def run_due(self, seconds: float = 60.0) -> int:
        self.time.now += seconds
        return self.jobs.run_ready()

    def reply(self, *replies: dict[str, Any]) -> None:
        add_replies(self.mock, replies)

    def calls_to(self, suffix: str) -> int:
        return sum(1 for call in self.mock.calls if call.request.url.split("?")[0].endswith(suffix))

    def pending(self) -> list[tuple[str, str, int]]:
        with self.runtime.store.read() as tx:
            return tx.athlete(self.athlete_id).pending.all(Source.STRAVA)

    def webhook_rows(self) -> int:
        with self.runtime.store.read() as tx:
            return int(tx.orm.scalar(select(func.count()).select_from(WebhookEventRow)) or 0)

    def strava_ids(self) -> set[str]:
        with self.runtime.store.read() as tx:
            return tx.athlete(self.athlete_id).activities.source_ids(Source.STRAVA)

    def triggers(self) -> list[str]:
        with self.runtime.store.read() as tx:
            return [run.trigger for run in tx.athlete(self.athlete_id).runs.latest(50)]


@contextmanager
def app_harness(home: Path, athlete_id: int, *, now: datetime) -> Iterator[Harness]:
    clock.set_now(now.astimezone(UTC))
    runtime = Runtime.create(home=home)
    metrics = ServiceMetrics()
    fake = FakeMonotonic()
    jobs = InProcessJobs(job_runner(runtime, metrics), workers=1, monotonic=fake)
    scheduler_up = [True]
    app = create_app(
        store=runtime.store,
        settings=runtime.settings,
        metrics=metrics,
        jobs=jobs,
        scheduler_alive=lambda: scheduler_up[0],
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru("http://testserver")
        with TestClient(app) as client:
            yield Harness(runtime, jobs, metrics, client, mock, fake, athlete_id, scheduler_up)
    runtime.close()
