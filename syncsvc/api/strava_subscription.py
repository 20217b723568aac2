"""Strava's push subscription (one per application): create, list, delete.

https://developers.strava.com/docs/webhooks/ : a POST to `push_subscriptions`
with the callback URL and a verify token makes Strava call the callback's GET
at once (the service must be running and reachable over https); the answer
holds the subscription id, which the store keeps so the webhook accepts that
subscription's events only, at once (a `strava.subscription_id` setting wins).

`register_webhook` first makes sure a verify token and a secret path segment
exist (`strava_webhook_state.py`), so the callback URL itself is hard to guess.
Every callback URL this module hands back has that segment masked.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import requests

from syncsvc.api.strava_webhook_state import (
    WebhookState,
    callback_url,
    keep_subscription_id,
    prepare_webhook_secrets,
    public_webhook_address,
    read_webhook_state,
)
from syncsvc.config import Settings
from syncsvc.errors import ConfigError, SourceError, UsageError
from syncsvc.sources.strava_auth import client_credentials
from syncsvc.store.database import Store

API = "https://www.strava.com/api/v3/push_subscriptions"
TIMEOUT_S = 30


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    callback_url: str
    created_at: str


@dataclass(frozen=True, slots=True)
class Registration:
    subscription: Subscription
    """As Strava created it, the callback URL's secret segment masked."""
    state: WebhookState
    """What the service uses now (a subscription id in the settings still wins)."""


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


def register_webhook(settings: Settings, store: Store, given_url: str | None) -> Registration:
    """Subscribe with our verify token at our secret callback path, and keep the id.

    `given_url` is the public address of `/webhooks/strava` (default: from
    `service.public_url`); the secret segment is added to it.
    """
    client_credentials(settings.strava)  # no credentials: say so before storing anything
    address = given_url or public_webhook_address(settings)
    if address is None:
        raise UsageError(
            "no callback URL: service.public_url is not set",
            hint="set service.public_url, or pass --callback-url https://your.host/webhooks/strava",
        )
    if not address.startswith("https://"):
        raise ConfigError(
            "the callback URL must be https://", hint="see deploy/README.md on a reverse proxy"
        )
    prepared = prepare_webhook_secrets(settings, store)
    if prepared.verify_token is None:  # pragma: no cover - prepare_webhook_secrets made one
        raise ConfigError("no verify token could be kept")
    url = callback_url(prepared, address)
    created = create_subscription(settings, url, prepared.verify_token)
    # Strava's answer to the POST is `{"id": ...}` alone: the URL is the one we sent.
    subscription = replace(created, callback_url=created.callback_url or url)
    keep_subscription_id(store, subscription.id)
    state = read_webhook_state(settings, store)
    return Registration(masked(subscription, state), state)


def masked(subscription: Subscription, state: WebhookState) -> Subscription:
    return replace(subscription, callback_url=state.masked(subscription.callback_url))


def create_subscription(settings: Settings, callback_url: str, verify_token: str) -> Subscription:
    client_id, client_secret = client_credentials(settings.strava)
    try:
        response = requests.post(
            API,
            data={
                "client_id": client_id,
                "client_secret": client_secret,
                "callback_url": callback_url,
                "verify_token": verify_token,
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


def delete_subscription(
    settings: Settings, store: Store, subscription_id: int | None = None
) -> int:
    """Delete the given subscription, else the one in use, else the only one.

    The stored id is forgotten when it is the one deleted, or when Strava no longer
    knows it (404): the store never keeps an id that no events can come from.
    """
    client_id, client_secret = client_credentials(settings.strava)
    state = read_webhook_state(settings, store)
    chosen = subscription_id or state.subscription_id
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
    gone = response.status_code == 404  # deleted already (on Strava's side, or by hand)
    if state.stored_subscription_id == chosen and (gone or response.status_code in (200, 204)):
        keep_subscription_id(store, None)
    if response.status_code not in (200, 204):
        raise _failure(response, "delete")
    return chosen
