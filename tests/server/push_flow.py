"""Webhook in, event moved on a real Radicale out: the push channel through the real server.

Shared by the end-to-end test (`test_push_end_to_end.py`) and the benchmark
(`scripts/bench_push.py`), so both measure the same path: a CalDAV channel
added and pushed through the API, then `syncsvc serve` with the default
coalescing, a Strava webhook for a hard run, and the wait until Radicale's
copy of the session has moved.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import httpx
from icalendar import Calendar

from syncsvc import clock
from syncsvc.api.app import Syncsvc
from tests.push.radicale_server import PASSWORD, USER, Radicale, free_port
from tests.server.conftest import MONDAY, NOW
from tests.server.server_process import running_server, wait_until
from tests.server.service_builders import event
from tests.server.test_service_end_to_end import HARD_RUN_ID, strava_replies

NOW_INSTANT = datetime.fromisoformat(NOW.replace("Z", "+00:00"))


@contextmanager
def radicale_in(folder: Path) -> Iterator[Radicale]:
    """A Radicale server keeping its files in `folder`, stopped by its PID on exit."""
    folder.mkdir(parents=True, exist_ok=True)
    server = Radicale(folder, free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass(frozen=True, slots=True)
class PushOutcome:
    uid: str
    before: date
    after: date | None
    """The day Radicale shows after the webhook (None: it never moved)."""
    seconds: float
    """Webhook POST answered to the event moved on Radicale."""
    metrics: str
    logs: str


def radicale_days(radicale: Radicale) -> dict[str, tuple[date, int]]:
    """UID -> (local start date, SEQUENCE) of every event Radicale holds."""
    found: dict[str, tuple[date, int]] = {}
    for body in radicale.events().values():
        for component in Calendar.from_ical(body).walk("VEVENT"):
            start = component.decoded("DTSTART")
            day = start.date() if isinstance(start, datetime) else start
            found[str(component["UID"])] = (day, int(component.get("SEQUENCE", 0)))
    return found


def add_channel_and_push(home: Path, radicale: Radicale) -> int:
    """Add the CalDAV channel through the API and push the plan once; the channel's id."""
    with clock.frozen_at(NOW_INSTANT), Syncsvc.open(home=home) as app:
        athlete = app.athlete()
        channel = athlete.add_caldav_channel(url=radicale.url, username=USER, password=PASSWORD)
        results = athlete.push_sync(channel.id)
    assert [r.error for r in results] == [""], results
    return channel.id


def webhook_moves_the_session(
    home: Path, radicale: Radicale, *, timeout: float = 60
) -> PushOutcome:
    """Serve, post the hard run's webhook, wait for Monday's session to move on Radicale."""
    pushed = radicale_days(radicale)
    todays = [uid for uid, (day, _) in pushed.items() if day == MONDAY]
    assert len(todays) == 1, pushed
    uid = todays[0]
    with running_server(home, strava_replies(), now=NOW) as server, server.client() as client:
        posted = client.post("/webhooks/strava", json=event(HARD_RUN_ID))
        assert posted.status_code == 200
        began = time.perf_counter()

        def moved() -> date | None:
            day = radicale_days(radicale).get(uid, (MONDAY, 0))[0]
            return day if day != MONDAY else None

        after = wait_until(moved, timeout=timeout, interval=0.1)
        seconds = time.perf_counter() - began
        metrics = _metrics_once_pushed(client)
        assert server.terminate() == 0
    return PushOutcome(uid, MONDAY, after, seconds, metrics, server.logs())


def _metrics_once_pushed(client: httpx.Client) -> str:
    """/metrics after the push job has recorded itself (it counts once its PUT is done)."""

    def counted() -> str | None:
        text = client.get("/metrics").text
        return text if "syncsvc_pushes_total{" in text else None

    return wait_until(counted, timeout=10, interval=0.1) or client.get("/metrics").text
