"""`syncsvc strava webhook register | list | delete`, against Strava's push_subscriptions API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import responses

from syncsvc.testing.cli import invoke
from tests.server.service_builders import SUBSCRIPTION_ID, VERIFY_TOKEN, write_home

API = "https://www.strava.com/api/v3/push_subscriptions"
CREATED = {
    "id": 131300,
    "resource_state": 2,
    "application_id": 24523,
    "callback_url": "https://coach.example.org/webhooks/strava",
    "created_at": "2018-11-29T21:46:21.854786016Z",
    "updated_at": "2018-11-29T21:46:21.854785155Z",
}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    write_home(path)
    return path


@pytest.fixture
def strava() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


def test_register_subscribes_with_our_verify_token_and_says_what_to_set(
    home: Path, strava: responses.RequestsMock
) -> None:
    strava.add("POST", API, json=CREATED, status=201)

    result = invoke(
        [
            "--home",
            str(home),
            "strava",
            "webhook",
            "register",
            "--callback-url",
            "https://coach.example.org/webhooks/strava",
        ]
    )

    assert result.exit_code == 0, result.output
    assert "131300" in result.stdout
    assert "SYNCSVC_STRAVA__SUBSCRIPTION_ID=131300" in result.stdout
    sent = parse_qs(str(strava.calls[0].request.body))
    assert sent["callback_url"] == ["https://coach.example.org/webhooks/strava"]
    assert sent["verify_token"] == [VERIFY_TOKEN]
    assert VERIFY_TOKEN not in result.output
    assert "client-secret-for-tests" not in result.output


def test_register_refuses_a_plain_http_callback(home: Path) -> None:
    result = invoke(
        [
            "--home",
            str(home),
            "strava",
            "webhook",
            "register",
            "--callback-url",
            "http://coach.example.org/webhooks/strava",
        ]
    )

    assert result.exit_code == 2
    assert "https" in result.stderr


def test_strava_refusing_the_callback_is_one_line_with_its_reason(
    home: Path, strava: responses.RequestsMock
) -> None:
    strava.add(
        "POST",
        API,
        status=400,
        json={
            "message": "Bad Request",
            "errors": [
                {
                    "resource": "PushSubscription",
                    "field": "callback url",
                    "code": "GET to callback URL does not return 200",
                }
            ],
        },
    )

    result = invoke(
        [
            "--home",
            str(home),
            "strava",
            "webhook",
            "register",
            "--callback-url",
            "https://coach.example.org/webhooks/strava",
        ]
    )

    assert result.exit_code == 1
    assert "does not return 200" in result.stderr
    assert "client-secret-for-tests" not in result.output


def test_list_marks_the_configured_subscription(home: Path, strava: responses.RequestsMock) -> None:
    strava.add("GET", API, json=[{**CREATED, "id": SUBSCRIPTION_ID}])

    result = invoke(["--home", str(home), "strava", "webhook", "list", "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0] == {
        "id": SUBSCRIPTION_ID,
        "callback_url": CREATED["callback_url"],
        "created_at": CREATED["created_at"],
        "configured": True,
    }


def test_delete_removes_the_configured_subscription(
    home: Path, strava: responses.RequestsMock
) -> None:
    strava.add("DELETE", f"{API}/{SUBSCRIPTION_ID}", status=204)

    result = invoke(["--home", str(home), "strava", "webhook", "delete"])

    assert result.exit_code == 0, result.output
    assert f"Deleted webhook subscription {SUBSCRIPTION_ID}" in result.stdout
