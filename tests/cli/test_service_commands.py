"""`syncsvc strava webhook register | list | delete`, against Strava's push_subscriptions API.

Strava is faked at the HTTP layer in its documented shapes
(https://developers.strava.com/docs/webhooks/): the POST answers `{"id": ...}`,
the GET lists subscriptions with their callback URL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import responses
from requests import PreparedRequest
from sqlalchemy import select

from syncsvc.runtime import Runtime
from syncsvc.store.schema import StoreMeta
from syncsvc.store.strava_webhook import StoredWebhook
from syncsvc.testing.cli import CliResult, invoke
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


PUBLIC_URL = "https://coach.example.org"
NEW_ID = 131300
GENERATED = re.compile(r"[A-Za-z0-9_-]{43}")
"""secrets.token_urlsafe(32)."""


def initialised(path: Path, *, webhook_settings: bool = True, extra: str = "") -> Path:
    write_home(path, webhook_settings=webhook_settings, extra=extra)
    result = invoke(["--home", str(path), "init", "--athlete", "ana", "--tz", "Europe/Berlin"])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """Verify token and subscription id in settings.toml (the old way)."""
    return initialised(tmp_path / "home")


@pytest.fixture
def bare_home(tmp_path: Path) -> Path:
    """Nothing about the webhook in the settings; service.public_url set."""
    return initialised(
        tmp_path / "bare", webhook_settings=False, extra=f'public_url = "{PUBLIC_URL}"'
    )


def strava_creates(mock: responses.RequestsMock, subscription_id: int = NEW_ID) -> None:
    """Strava's POST: validates the callback (not reachable here) and answers the id."""
    mock.add("POST", API, json={"id": subscription_id}, status=201)


def sent(mock: responses.RequestsMock, index: int = 0) -> dict[str, str]:
    request: PreparedRequest = mock.calls[index].request
    return {key: values[0] for key, values in parse_qs(str(request.body)).items()}


def stored(home: Path) -> StoredWebhook:
    runtime = Runtime.create(home=home)
    try:
        with runtime.store.read() as tx:
            return tx.strava_webhook.read()
    finally:
        runtime.close()


def raw_store_meta(home: Path) -> str:
    runtime = Runtime.create(home=home)
    try:
        with runtime.store.read() as tx:
            return repr(list(tx.orm.execute(select(StoreMeta.key, StoreMeta.value))))
    finally:
        runtime.close()


def status_webhook(home: Path, env: dict[str, str] | None = None) -> Any:
    result = invoke(["--home", str(home), "status", "--json"], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["strava_webhook"]


def register(home: Path, *args: str, env: dict[str, str] | None = None) -> CliResult:
    return invoke(["--home", str(home), "strava", "webhook", "register", *args], env=env)


@pytest.fixture
def strava() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


def test_register_with_a_verify_token_in_the_settings_sends_it_and_a_secret_path(
    home: Path, strava: responses.RequestsMock
) -> None:
    strava_creates(strava)

    result = register(home, "--callback-url", "https://coach.example.org/webhooks/strava")

    assert result.exit_code == 0, result.output
    assert "131300" in result.stdout
    kept = stored(home)
    assert kept.verify_token is None  # the settings' token is used, none generated
    assert kept.path_secret is not None
    assert sent(strava)["callback_url"] == (
        f"https://coach.example.org/webhooks/strava/{kept.path_secret}"
    )
    assert sent(strava)["verify_token"] == VERIFY_TOKEN
    assert VERIFY_TOKEN not in result.output
    assert kept.path_secret not in result.output
    assert "client-secret-for-tests" not in result.output


def test_register_refuses_a_plain_http_callback(home: Path) -> None:
    result = register(home, "--callback-url", "http://coach.example.org/webhooks/strava")

    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert "https" in result.stderr
    assert "Traceback" not in result.output
    assert stored(home) == StoredWebhook()  # nothing generated for a refused URL


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

    result = register(home, "--callback-url", "https://coach.example.org/webhooks/strava")

    assert result.exit_code == 1
    assert "does not return 200" in result.stderr
    assert "client-secret-for-tests" not in result.output


def test_list_marks_the_subscription_in_use(home: Path, strava: responses.RequestsMock) -> None:
    strava.add("GET", API, json=[{**CREATED, "id": SUBSCRIPTION_ID}])

    result = invoke(["--home", str(home), "strava", "webhook", "list", "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["subscriptions"][0] == {
        "id": SUBSCRIPTION_ID,
        "callback_url": CREATED["callback_url"],
        "created_at": CREATED["created_at"],
        "in_use": True,
    }


def test_delete_removes_the_configured_subscription(
    home: Path, strava: responses.RequestsMock
) -> None:
    strava.add("DELETE", f"{API}/{SUBSCRIPTION_ID}", status=204)

    result = invoke(["--home", str(home), "strava", "webhook", "delete"])

    assert result.exit_code == 0, result.output
    assert f"Deleted webhook subscription {SUBSCRIPTION_ID}" in result.stdout


def test_register_with_nothing_set_generates_keeps_and_uses_a_token_and_a_secret_path(
    bare_home: Path, strava: responses.RequestsMock
) -> None:
    strava_creates(strava)

    result = register(bare_home)

    assert result.exit_code == 0, result.output
    kept = stored(bare_home)
    assert kept.subscription_id == NEW_ID
    assert kept.verify_token is not None
    assert GENERATED.fullmatch(kept.verify_token)
    assert kept.path_secret is not None
    assert GENERATED.fullmatch(kept.path_secret)
    assert kept.verify_token != kept.path_secret
    assert sent(strava) | {"client_secret": ""} == {
        "client_id": "24523",
        "client_secret": "",
        "callback_url": f"{PUBLIC_URL}/webhooks/strava/{kept.path_secret}",
        "verify_token": kept.verify_token,
    }
    assert "no restart" in result.stdout
    for secret in (kept.verify_token, kept.path_secret):
        assert secret not in result.output
        assert secret not in raw_store_meta(bare_home)  # encrypted at rest
    assert status_webhook(bare_home) == {
        "subscription_id": NEW_ID,
        "subscription_id_source": "store",
        "stored_subscription_id": NEW_ID,
        "verify_token": "****",
        "verify_token_source": "store",
        "secret_path": True,
    }


def test_registering_again_reuses_the_kept_token_and_secret_path(
    bare_home: Path, strava: responses.RequestsMock
) -> None:
    strava_creates(strava)
    strava.add(
        "POST",
        API,
        status=400,
        json={
            "message": "Bad Request",
            "errors": [{"resource": "PushSubscription", "field": "", "code": "already exists"}],
        },
    )

    first = register(bare_home)
    second = register(bare_home)

    assert first.exit_code == 0, first.output
    assert second.exit_code == 1
    assert "already exists" in second.stderr
    assert sent(strava, 0) == sent(strava, 1)
    assert stored(bare_home).subscription_id == NEW_ID  # a refusal keeps what worked


def test_a_callback_url_given_gets_the_secret_path_too(
    bare_home: Path, strava: responses.RequestsMock
) -> None:
    strava_creates(strava)

    result = register(bare_home, "--callback-url", "https://proxy.example.net/strava-hook/")

    assert result.exit_code == 0, result.output
    secret = stored(bare_home).path_secret
    assert sent(strava)["callback_url"] == f"https://proxy.example.net/strava-hook/{secret}"


def test_register_without_a_public_url_or_a_callback_url_says_which_to_set(
    tmp_path: Path,
) -> None:
    home = initialised(tmp_path / "home", webhook_settings=False)

    result = register(home)

    assert result.exit_code == 2
    assert result.stderr.startswith("error: no callback URL")
    assert "--callback-url" in result.stderr
    assert stored(home) == StoredWebhook()


def test_a_subscription_id_in_the_settings_wins_and_status_says_where_each_value_is_from(
    home: Path, strava: responses.RequestsMock
) -> None:
    strava_creates(strava)

    result = register(home, "--callback-url", f"{PUBLIC_URL}/webhooks/strava")

    assert result.exit_code == 0, result.output
    assert f"strava.subscription_id = {SUBSCRIPTION_ID} in the settings still wins" in (
        result.stdout.replace("\n", " ")
    )
    assert status_webhook(home) == {
        "subscription_id": SUBSCRIPTION_ID,
        "subscription_id_source": "settings",
        "stored_subscription_id": NEW_ID,
        "verify_token": "****",
        "verify_token_source": "settings",
        "secret_path": True,
    }
    from_environment = status_webhook(home, env={"SYNCSVC_STRAVA__SUBSCRIPTION_ID": "77"})
    assert from_environment["subscription_id"] == 77
    assert from_environment["subscription_id_source"] == "environment"
    table = invoke(["--home", str(home), "status"]).stdout.replace("\n", " ")
    assert f"subscription {SUBSCRIPTION_ID} (from the settings)" in table
    assert VERIFY_TOKEN not in table


def test_list_masks_the_secret_path_and_shows_the_local_state(
    bare_home: Path, strava: responses.RequestsMock
) -> None:
    strava_creates(strava)
    assert register(bare_home).exit_code == 0
    kept = stored(bare_home)
    assert kept.path_secret is not None
    assert kept.verify_token is not None
    registered = {
        **CREATED,
        "id": NEW_ID,
        "callback_url": f"{PUBLIC_URL}/webhooks/strava/{kept.path_secret}",
    }
    strava.add("GET", API, json=[registered])

    as_json = invoke(["--home", str(bare_home), "strava", "webhook", "list", "--json"])
    as_text = invoke(["--debug", "--home", str(bare_home), "strava", "webhook", "list"])

    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout) == {
        "subscriptions": [
            {
                "id": NEW_ID,
                "callback_url": f"{PUBLIC_URL}/webhooks/strava/****",
                "created_at": CREATED["created_at"],
                "in_use": True,
            }
        ],
        "local": {
            "subscription_id": NEW_ID,
            "subscription_id_source": "store",
            "stored_subscription_id": NEW_ID,
            "verify_token": "****",
            "verify_token_source": "store",
            "secret_path": True,
        },
    }
    assert f"{PUBLIC_URL}/webhooks/strava/****" in as_text.stdout
    assert "(in use)" in as_text.stdout
    for secret in (kept.verify_token, kept.path_secret, "client-secret-for-tests"):
        assert secret not in as_json.output
        assert secret not in as_text.output  # --debug logs included


def test_delete_forgets_the_stored_subscription_id(
    bare_home: Path, strava: responses.RequestsMock
) -> None:
    strava_creates(strava)
    strava.add("DELETE", f"{API}/{NEW_ID}", status=204)
    assert register(bare_home).exit_code == 0

    result = invoke(["--home", str(bare_home), "strava", "webhook", "delete"])

    assert result.exit_code == 0, result.output
    assert f"Deleted webhook subscription {NEW_ID}" in result.stdout
    kept = stored(bare_home)
    assert kept.subscription_id is None
    assert kept.path_secret is not None  # kept for the next registration
    assert status_webhook(bare_home)["subscription_id"] is None


def test_delete_of_a_subscription_strava_no_longer_knows_forgets_it_too(
    bare_home: Path, strava: responses.RequestsMock
) -> None:
    strava_creates(strava)
    strava.add(
        "DELETE",
        f"{API}/{NEW_ID}",
        status=404,
        json={
            "message": "Resource Not Found",
            "errors": [{"resource": "PushSubscription", "field": "id", "code": "not found"}],
        },
    )
    assert register(bare_home).exit_code == 0

    result = invoke(["--home", str(bare_home), "strava", "webhook", "delete"])

    assert result.exit_code == 1
    assert result.stderr.startswith("error: Strava refused to delete the webhook subscription (404")
    assert stored(bare_home).subscription_id is None
    assert status_webhook(bare_home)["subscription_id"] is None
