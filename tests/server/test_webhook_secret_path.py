"""The webhook's secret callback path and stored subscription, in process.

What `syncsvc strava webhook register` keeps in the store reaches a service
that is already running: no restart, no settings edit. A value in the settings
still wins.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from syncsvc.store.strava_webhook import StoredWebhook
from tests.server.conftest import make_served
from tests.server.harness import Harness, app_harness
from tests.server.service_builders import (
    STRAVA_OWNER_ID,
    SUBSCRIPTION_ID,
    VERIFY_TOKEN,
    Seeded,
    event,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

NOW = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)
RUN_ID = 16_000_000_002
SECRET = "path-secret-0123456789-abcdefghijklmnopqrstu"
STORED_TOKEN = "stored-verify-token-0123456789-abcdefghijk"
NEW_ID = 131300


@pytest.fixture
def configured(served_any: tuple[Path, Seeded]) -> Iterator[Harness]:
    """Verify token and subscription id in settings.toml."""
    home, seeded = served_any
    with app_harness(home, seeded.athlete_id, now=NOW) as running:
        yield running


@pytest.fixture
def bare(tmp_path: Path) -> Iterator[Harness]:
    """Nothing about the webhook in the settings: only the store can say."""
    home, seeded = make_served(tmp_path, webhook_settings=False)
    with app_harness(home, seeded.athlete_id, now=NOW) as running:
        yield running


def keep(harness: Harness, stored: StoredWebhook) -> None:
    """What `register` writes, written while the app runs."""
    with harness.runtime.store.write() as tx:
        kept = tx.strava_webhook
        if stored.verify_token is not None:
            kept.save_verify_token(stored.verify_token)
        if stored.path_secret is not None:
            kept.save_path_secret(stored.path_secret)
        kept.save_subscription_id(stored.subscription_id)


def validation(token: str) -> dict[str, str]:
    return {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "c-42"}


def post(harness: Harness, path: str, body: object) -> tuple[int, str]:
    answer = harness.client.post(path, json=body)
    return answer.status_code, answer.text.strip()


def outcomes(harness: Harness) -> dict[str, int]:
    counted: dict[str, int] = {}
    for metric in harness.metrics.webhook_events.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total") and sample.value:
                counted[sample.labels["outcome"]] = int(sample.value)
    return counted


def test_what_register_stores_is_taken_at_once_by_the_running_service(bare: Harness) -> None:
    before = post(bare, "/webhooks/strava", event(RUN_ID, subscription_id=NEW_ID))
    refused = bare.client.get("/webhooks/strava", params=validation(STORED_TOKEN))

    keep(bare, StoredWebhook(NEW_ID, STORED_TOKEN, SECRET))
    challenge = bare.client.get(f"/webhooks/strava/{SECRET}", params=validation(STORED_TOKEN))
    after = post(bare, f"/webhooks/strava/{SECRET}", event(RUN_ID, subscription_id=NEW_ID))

    assert before == (200, "accepted")
    assert refused.status_code == 403  # no token anywhere yet
    assert (challenge.status_code, challenge.json()) == (200, {"hub.challenge": "c-42"})
    assert after == (200, "accepted")
    assert outcomes(bare) == {"other_subscription": 1, "accepted": 1}
    assert bare.jobs.depth() == 1  # the refresh the event announced


def test_once_a_secret_path_is_stored_the_plain_path_and_any_other_answer_404(
    configured: Harness,
) -> None:
    keep(configured, StoredWebhook(path_secret=SECRET))

    plain = configured.client.get("/webhooks/strava", params=validation(VERIFY_TOKEN))
    other = configured.client.get("/webhooks/strava/guess", params=validation(VERIFY_TOKEN))
    secret = configured.client.get(f"/webhooks/strava/{SECRET}", params=validation(VERIFY_TOKEN))
    wrong_token = configured.client.get(f"/webhooks/strava/{SECRET}", params=validation("x"))
    plain_event = post(configured, "/webhooks/strava", event(RUN_ID))
    guessed_event = post(configured, "/webhooks/strava/guess", event(RUN_ID))

    assert (plain.status_code, other.status_code) == (404, 404)
    assert "c-42" not in plain.text + other.text
    assert (secret.status_code, secret.json()) == (200, {"hub.challenge": "c-42"})
    assert wrong_token.status_code == 403
    assert plain_event[0] == guessed_event[0] == 404
    assert configured.webhook_rows() == 0
    assert outcomes(configured) == {}  # refused before the body was read


def test_a_subscription_id_in_the_settings_wins_over_the_stored_one(
    configured: Harness,
) -> None:
    keep(configured, StoredWebhook(NEW_ID, STORED_TOKEN))

    stored_id = post(configured, "/webhooks/strava", event(RUN_ID, subscription_id=NEW_ID))
    settings_id = post(configured, "/webhooks/strava", event(RUN_ID))
    stored_token = configured.client.get("/webhooks/strava", params=validation(STORED_TOKEN))

    assert stored_id == settings_id == (200, "accepted")
    assert outcomes(configured) == {"other_subscription": 1, "accepted": 1}
    assert stored_token.status_code == 403  # the settings' verify token wins too
    assert event(RUN_ID)["subscription_id"] == SUBSCRIPTION_ID
    assert event(RUN_ID)["owner_id"] == STRAVA_OWNER_ID


@pytest.mark.parametrize(("size", "status"), [(10_000, 400), (20_000, 413)])
def test_the_secret_path_has_the_webhooks_body_limit(
    configured: Harness, size: int, status: int
) -> None:
    """16 KB like the plain path, not the 4 KB of every other route."""
    keep(configured, StoredWebhook(path_secret=SECRET))

    answer = configured.client.post(
        f"/webhooks/strava/{SECRET}",
        content=b"x" * size,
        headers={"content-type": "application/json"},
    )

    assert answer.status_code == status
