"""Strava's push subscription (one per application): create, list, delete.

https://developers.strava.com/docs/webhooks/ : a POST to `push_subscriptions`
with the callback URL and a verify token makes Strava call the callback's GET
at once (the service must be running and reachable over https); the answer
holds the subscription id, which goes in `strava.subscription_id` so the
webhook accepts that subscription's events only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from syncsvc.config import Settings
from syncsvc.errors import ConfigError, SourceError
from syncsvc.sources.strava_auth import client_credentials

API = "https://www.strava.com/api/v3/push_subscriptions"
TIMEOUT_S = 30


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    callback_url: str
    created_at: str


def _failure(response: requests.Response, doing: str) -> SourceError:
    """Strava's error text (it never echoes our secret), else the status."""
    detail = ""
    try:
        body = response.json()
        errors = body.get("errors") or []
        detail = "; ".join(
            f"{e.get('field', '')} {e.get('code', '')}".strip()
            for e in errors
            if isinstance(e, dict)
        ) or str(body.get("message", ""))
    except ValueError:
        pass
    return SourceError(
        f"Strava refused to {doing} the webhook subscription ({response.status_code}"
        + (f": {detail})" if detail else ")")
    )


def _subscription(data: Any) -> Subscription:
    return Subscription(
        int(data["id"]), str(data.get("callback_url", "")), str(data.get("created_at", ""))
    )


def create_subscription(settings: Settings, callback_url: str) -> Subscription:
    client_id, client_secret = client_credentials(settings.strava)
    verify = settings.strava.webhook_verify_token
    if verify is None or not verify.get_secret_value():
        raise ConfigError(
            "strava.webhook_verify_token is not set",
            hint="set SYNCSVC_STRAVA__WEBHOOK_VERIFY_TOKEN to a long random string first",
        )
    if not callback_url.startswith("https://"):
        raise ConfigError(
            "the callback URL must be https://", hint="see deploy/README.md on a reverse proxy"
        )
    try:
        response = requests.post(
            API,
            data={
                "client_id": client_id,
                "client_secret": client_secret,
                "callback_url": callback_url,
                "verify_token": verify.get_secret_value(),
            },
            timeout=TIMEOUT_S,
        )
    except requests.RequestException as error:
        raise SourceError(f"cannot reach Strava ({type(error).__name__})") from None
    if response.status_code not in (200, 201):
        raise _failure(response, "create")
    return _subscription(response.json())


def list_subscriptions(settings: Settings) -> list[Subscription]:
    client_id, client_secret = client_credentials(settings.strava)
    try:
        response = requests.get(
            API,
            params={"client_id": str(client_id), "client_secret": client_secret},
            timeout=TIMEOUT_S,
        )
    except requests.RequestException as error:
        raise SourceError(f"cannot reach Strava ({type(error).__name__})") from None
    if response.status_code != 200:
        raise _failure(response, "list")
    return [_subscription(item) for item in response.json()]


def delete_subscription(settings: Settings, subscription_id: int | None = None) -> int:
    """Delete the given subscription, else the configured one, else the only one."""
    client_id, client_secret = client_credentials(settings.strava)
    chosen = subscription_id or settings.strava.subscription_id
    if chosen is None:
        existing = list_subscriptions(settings)
        if not existing:
            raise SourceError("this application has no webhook subscription")
        chosen = existing[0].id
    try:
        response = requests.delete(
            f"{API}/{chosen}",
            params={"client_id": str(client_id), "client_secret": client_secret},
            timeout=TIMEOUT_S,
        )
    except requests.RequestException as error:
        raise SourceError(f"cannot reach Strava ({type(error).__name__})") from None
    if response.status_code not in (200, 204):
        raise _failure(response, "delete")
    return chosen
