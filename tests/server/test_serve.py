"""The assembled service in process: health as the real scheduler sees it, logs without secrets."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from syncsvc import clock
from syncsvc.runtime import Runtime
from syncsvc.server.serve import JsonFormatter, SecretRedactor, Service
from tests.server.harness import TestClient
from tests.server.service_builders import VERIFY_TOKEN, Seeded

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


def test_json_log_lines_carry_the_extra_fields_and_no_secrets() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        (
            "127.0.0.1:5",
            "GET",
            f"/webhooks/strava?hub.verify_token={VERIFY_TOKEN}&hub.challenge=x",
            "1.1",
            200,
        ),
        None,
    )
    feed = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        "GET /feeds/%s.ics",
        ("abcdefghijklmnopqrstuvwx",),
        None,
    )
    feed.athlete_id = 3

    SecretRedactor().filter(record)
    SecretRedactor().filter(feed)
    lines = [json.loads(JsonFormatter().format(r)) for r in (record, feed)]

    assert VERIFY_TOKEN not in lines[0]["message"]
    assert "hub.challenge=x" in lines[0]["message"]
    assert "abcdefghijklmnopqrstuvwx" not in lines[1]["message"]
    assert lines[1]["athlete_id"] == 3
    assert lines[1]["level"] == "info"
