"""The assembled service in process: health as the real scheduler sees it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from syncsvc import clock
from syncsvc.runtime import Runtime
from syncsvc.server.serve import Service
from tests.server.harness import TestClient
from tests.server.service_builders import Seeded

NOW = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)


@pytest.fixture
def service(served: tuple[Path, Seeded]) -> Service:
    home, _ = served
    clock.set_now(NOW)
    return Service(Runtime.create(home=home))


def test_healthz_answers_503_once_the_scheduler_has_stopped(service: Service) -> None:
    service.start()
    with TestClient(service.app()) as client:
        running = client.get("/healthz")
        assert service.periodic is not None
        service.periodic.stop()
        stopped = client.get("/healthz")

    assert (running.status_code, running.json()["status"]) == (200, "ok")
    assert (stopped.status_code, stopped.json()["scheduler"]) == (503, "stopped")
    assert service.lease is None  # the app's shutdown stopped everything


def test_healthz_answers_503_when_the_store_is_unreachable(
    service: Service, served: tuple[Path, Seeded]
) -> None:
    home, _ = served
    service.start()
    with TestClient(service.app()) as client:
        (home / "syncsvc.db").unlink()
        service.runtime.store.engine.dispose()
        answer = client.get("/healthz")

    assert answer.status_code == 503
    assert answer.json()["store"] == "unreachable"


def test_a_web_only_process_has_no_scheduler_to_be_unhealthy_about(
    served: tuple[Path, Seeded],
) -> None:
    home, _ = served
    web = Service(Runtime.create(home=home), web_only=True)
    web.start()
    with TestClient(web.app()) as client:
        answer = client.get("/healthz")

    assert (answer.status_code, answer.json()["scheduler"]) == (200, "not in this process")
    assert web.lease is None
