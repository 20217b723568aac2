"""Which subscription id, verify token and callback path Strava's webhook uses, and why.

A value in the settings (`settings.toml` or a `SYNCSVC_STRAVA__*` variable)
wins; otherwise the one `syncsvc strava webhook register` kept in the store.
The server asks `read_webhook_state` (cached briefly), `syncsvc status` and
`syncsvc strava webhook list` show the origins, and the secrets never leave
this value except to be compared.

The callback path: once a secret segment is stored, Strava's calls are taken
on `/webhooks/strava/<segment>` only and the plain `/webhooks/strava` answers
404; a home that registered before segments existed (none stored) keeps the
plain path.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from enum import StrEnum

from syncsvc import routes
from syncsvc.config import Settings, set_in_environment
from syncsvc.store.database import Store
from syncsvc.store.strava_webhook import StoredWebhook

SECRET_BYTES = 32
"""Of the generated verify token and path segment: 43 URL-safe characters each."""
MASK = "****"


class Origin(StrEnum):
    SETTINGS = "settings"
    ENVIRONMENT = "environment"
    STORE = "store"


@dataclass(frozen=True, slots=True)
class WebhookState:
    """The values in use; the secrets stay out of the repr."""

    subscription_id: int | None
    subscription_origin: Origin | None
    stored_subscription_id: int | None
    verify_token_origin: Origin | None
    verify_token: str | None = field(default=None, repr=False)
    path_secret: str | None = field(default=None, repr=False)

    @property
    def has_path_secret(self) -> bool:
        return self.path_secret is not None

    @property
    def masked_verify_token(self) -> str | None:
        """`****` when there is a verify token, for a front end to show that it is set."""
        return MASK if self.verify_token else None

    def takes_path(self, segment: str | None) -> bool:
        """The plain path while no secret is stored, else the secret one only."""
        if self.path_secret is None or segment is None:
            return self.path_secret is None and segment is None
        return hmac.compare_digest(segment.encode(), self.path_secret.encode())

    def takes_verify_token(self, given: str) -> bool:
        """Compared in constant time; an empty token is unset and accepts nothing."""
        if not self.verify_token:
            return False
        return hmac.compare_digest(given.encode(), self.verify_token.encode())

    def takes_subscription(self, subscription_id: int) -> bool:
        return self.subscription_id is not None and subscription_id == self.subscription_id

    def masked(self, url: str) -> str:
        """The URL with the secret path segment masked."""
        if self.path_secret is None:
            return url
        return url.replace(self.path_secret, MASK)


def settings_origin(section: str, key: str) -> Origin:
    return Origin.ENVIRONMENT if set_in_environment(section, key) else Origin.SETTINGS


def resolve_webhook(settings: Settings, stored: StoredWebhook) -> WebhookState:
    """The settings' values win over the stored ones."""
    configured_token = settings.strava.webhook_verify_token
    token = configured_token.get_secret_value() if configured_token is not None else ""
    if token:
        verify_token: str | None = token
        token_origin: Origin | None = settings_origin("strava", "webhook_verify_token")
    else:
        verify_token = stored.verify_token
        token_origin = Origin.STORE if stored.verify_token else None
    if settings.strava.subscription_id is not None:
        subscription_id: int | None = settings.strava.subscription_id
        subscription_origin: Origin | None = settings_origin("strava", "subscription_id")
    else:
        subscription_id = stored.subscription_id
        subscription_origin = Origin.STORE if stored.subscription_id is not None else None
    return WebhookState(
        subscription_id=subscription_id,
        subscription_origin=subscription_origin,
        stored_subscription_id=stored.subscription_id,
        verify_token_origin=token_origin,
        verify_token=verify_token,
        path_secret=stored.path_secret,
    )


def read_webhook_state(settings: Settings, store: Store) -> WebhookState:
    with store.read() as tx:
        stored = tx.strava_webhook.read()
    return resolve_webhook(settings, stored)


def prepare_webhook_secrets(settings: Settings, store: Store) -> WebhookState:
    """A verify token (unless the settings set one) and a secret path, generated once and kept.

    Stored before Strava is asked, so the running service can answer Strava's
    validation call (it arrives while the subscription is being created).
    """
    with store.write() as tx:
        kept = tx.strava_webhook
        stored = kept.read()
        if resolve_webhook(settings, stored).verify_token is None:
            kept.save_verify_token(secrets.token_urlsafe(SECRET_BYTES))
        if stored.path_secret is None:
            kept.save_path_secret(secrets.token_urlsafe(SECRET_BYTES))
        stored = kept.read()
    return resolve_webhook(settings, stored)


def keep_subscription_id(store: Store, subscription_id: int | None) -> None:
    """Store Strava's subscription id (None forgets it): the service takes it at once."""
    with store.write() as tx:
        tx.strava_webhook.save_subscription_id(subscription_id)


def callback_url(state: WebhookState, webhook_address: str) -> str:
    """`webhook_address` (the public address of `/webhooks/strava`) and the secret segment."""
    base = webhook_address.rstrip("/")
    if state.path_secret is None or base.endswith(f"/{state.path_secret}"):
        return base
    return f"{base}/{state.path_secret}"


def public_webhook_address(settings: Settings) -> str | None:
    """`service.public_url` and the plain webhook path; None without a public URL."""
    if not settings.service.public_url:
        return None
    return settings.service.public_url.rstrip("/") + routes.strava_webhook_path(None)
