"""The real server, a real Radicale: a webhook for a hard run moves the session on the calendar."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from syncsvc import clock
from syncsvc.api.app import Syncsvc
from tests.push.radicale_server import Radicale
from tests.server.conftest import MONDAY
from tests.server.push_flow import (
    NOW_INSTANT,
    add_channel_and_push,
    radicale_days,
    radicale_in,
    webhook_moves_the_session,
)
from tests.server.service_builders import Seeded
from tests.server.test_service_end_to_end import metric


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[Radicale]:
    with radicale_in(tmp_path / "radicale") as server:
        yield server


def test_a_webhook_for_a_hard_run_moves_the_session_on_radicale(
    served: tuple[Path, Seeded], radicale: Radicale
) -> None:
    home, _ = served
    channel_id = add_channel_and_push(home, radicale)
    before = radicale_days(radicale)

    outcome = webhook_moves_the_session(home, radicale)

    assert outcome.after is not None, f"not moved on Radicale within 60 s:\n{outcome.logs}"
    assert outcome.after != MONDAY
    after = radicale_days(radicale)
    assert set(after) == set(before)  # moved in place: nothing doubled, nothing orphaned
    assert after[outcome.uid][1] > before[outcome.uid][1]  # SEQUENCE raised
    assert metric(outcome.metrics, "syncsvc_pushes_total", kind="caldav", state="ok") == 1
    assert (
        metric(
            outcome.metrics,
            "syncsvc_push_channel_info",
            channel=str(channel_id),
            kind="caldav",
            state="ok",
        )
        == 1
    )
    assert metric(outcome.metrics, "syncsvc_jobs_enqueued_total", kind="push", result="new") >= 1
    with clock.frozen_at(NOW_INSTANT), Syncsvc.open(home=home) as app:
        [channel] = app.athlete().push_channels()
    assert channel.state == "ok"
    assert channel.lag_s == 0
