"""Strava's webhook as the store keeps it: subscription id, verify token, secret path.

Strava's push subscription is one per application, so its state is store-wide,
kept in `store_meta` beside the UID host. `syncsvc strava webhook register`
writes it and a running service reads it, so a new subscription takes events
at once, with no settings edit and no restart. The verify token and the secret
path segment are encrypted with the store's secret key, like every other token.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from syncsvc.secrets import SecretBox
from syncsvc.store.schema import StoreMeta

SUBSCRIPTION_ID_KEY = "strava_subscription_id"
VERIFY_TOKEN_KEY = "strava_webhook_verify_token"  # noqa: S105 - a key's name, not its value
PATH_SECRET_KEY = "strava_webhook_path_secret"  # noqa: S105 - a key's name, not its value
_KEYS = (SUBSCRIPTION_ID_KEY, VERIFY_TOKEN_KEY, PATH_SECRET_KEY)


@dataclass(frozen=True, slots=True)
class StoredWebhook:
    """What the store holds (None: not stored); the secrets never show in a repr."""

    subscription_id: int | None = None
    verify_token: str | None = field(default=None, repr=False)
    path_secret: str | None = field(default=None, repr=False)


class StravaWebhookMeta:
    """Reads and writes the three `store_meta` rows of Strava's webhook."""

    def __init__(self, orm: OrmSession, secrets: SecretBox) -> None:
        self.orm = orm
        self.secrets = secrets

    def read(self) -> StoredWebhook:
        query = select(StoreMeta.key, StoreMeta.value).where(StoreMeta.key.in_(_KEYS))
        rows = {key: value for key, value in self.orm.execute(query)}
        subscription_id = rows.get(SUBSCRIPTION_ID_KEY)
        return StoredWebhook(
            subscription_id=int(subscription_id) if subscription_id else None,
            verify_token=self._decrypted(rows.get(VERIFY_TOKEN_KEY)),
            path_secret=self._decrypted(rows.get(PATH_SECRET_KEY)),
        )

    def save_verify_token(self, token: str) -> None:
        self._put(VERIFY_TOKEN_KEY, self.secrets.encrypt(token.encode()).decode())

    def save_path_secret(self, segment: str) -> None:
        self._put(PATH_SECRET_KEY, self.secrets.encrypt(segment.encode()).decode())

    def save_subscription_id(self, subscription_id: int | None) -> None:
        """Keep the id Strava gave; None forgets it (the subscription was deleted)."""
        if subscription_id is None:
            row = self.orm.get(StoreMeta, SUBSCRIPTION_ID_KEY)
            if row is not None:
                self.orm.delete(row)
            return
        self._put(SUBSCRIPTION_ID_KEY, str(subscription_id))

    def _put(self, key: str, value: str) -> None:
        row = self.orm.get(StoreMeta, key)
        if row is None:
            self.orm.add(StoreMeta(key=key, value=value))
        else:
            row.value = value

    def _decrypted(self, value: str | None) -> str | None:
        return None if not value else self.secrets.decrypt(value.encode()).decode()
