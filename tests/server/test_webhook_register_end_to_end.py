"""`syncsvc strava webhook register` against a running `syncsvc serve`, no restart between.

Strava is faked at the HTTP layer and does what the real one does
(https://developers.strava.com/docs/webhooks/): on the POST to
`push_subscriptions` it calls the callback URL's GET with `hub.challenge` and
the verify token, and creates the subscription only when the challenge comes
back. Here its GET reaches the real service on loopback, standing in for the
reverse proxy at the public https address.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import responses
from requests import PreparedRequest

from tests.cli.test_service_commands import register, stored
from tests.server.conftest import NOW, make_served
from tests.server.server_process import Server, running_server, wait_until
from tests.server.service_builders import Seeded, event
from tests.server.test_service_end_to_end import metric

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

API = "https://www.strava.com/api/v3/push_subscriptions"
PUBLIC = "https://coach.example.org"
NEW_ID = 131300
CHALLENGE = "15f7d1a91c1f40f8a748fd134752feb3"
RUN_ID = 16_000_000_002


@pytest.fixture
def served_bare(tmp_path: Path) -> Iterator[tuple[Path, Server, Seeded]]:
    """A running service whose settings say nothing about the webhook."""
    home, seeded = make_served(tmp_path, webhook_settings=False)
    with running_server(home, [], now=NOW) as server:
        yield home, server, seeded


def strava_that_validates(server: Server) -> Any:
    """Strava's POST: GET the callback with a challenge, subscribe only when it is echoed."""

    def create(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        form = {key: values[0] for key, values in parse_qs(str(request.body)).items()}
        local = form["callback_url"].replace(PUBLIC, server.base_url)
        answer = httpx.get(
            local,
            params={
                "hub.mode": "subscribe",
                "hub.verify_token": form["verify_token"],
                "hub.challenge": CHALLENGE,
            },
            timeout=10,
        )
        if answer.status_code != 200 or answer.json() != {"hub.challenge": CHALLENGE}:
            refusal = {
                "message": "Bad Request",
                "errors": [
                    {
                        "resource": "PushSubscription",
                        "field": "callback url",
                        "code": "GET to callback URL does not return 200",
                    }
                ],
            }
            return 400, {}, json.dumps(refusal)
        return 201, {}, json.dumps({"id": NEW_ID})

    return create


def test_register_against_the_running_service_takes_events_at_once_on_the_secret_path(
    served_bare: tuple[Path, Server, Seeded],
) -> None:
    home, server, _ = served_bare
    with responses.RequestsMock() as strava:
        strava.add_callback("POST", API, callback=strava_that_validates(server))
        result = register(home, "--callback-url", f"{PUBLIC}/webhooks/strava")
    assert result.exit_code == 0, result.output
    kept = stored(home)
    assert kept.subscription_id == NEW_ID
    assert kept.path_secret is not None
    assert kept.verify_token is not None

    with server.client() as client:
        on_secret_path = client.post(
            f"/webhooks/strava/{kept.path_secret}", json=event(RUN_ID, subscription_id=NEW_ID)
        )
        on_plain_path = client.post("/webhooks/strava", json=event(RUN_ID, subscription_id=NEW_ID))
        metrics = client.get("/metrics").text

    assert (on_secret_path.status_code, on_secret_path.text) == (200, "accepted\n")
    assert on_plain_path.status_code == 404
    assert metric(metrics, "syncsvc_webhook_events_total", outcome="accepted") == 1
    assert metric(metrics, "syncsvc_webhook_events_total", outcome="other_subscription") == 0
    assert wait_until(lambda: server.logs().count("/webhooks/strava/[redacted]") >= 2, 5)
    for secret in (kept.path_secret, kept.verify_token):
        assert secret not in server.logs()
        assert secret not in result.output
