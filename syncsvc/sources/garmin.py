"""Garmin Connect through garminconnect 0.3.2, with tokens kept only in the store.

How 0.3.2 works (read from its source): `Client` holds DI OAuth2 tokens (a JWT
access token, a refresh token, a client id) and sends every API call through a
fresh `requests.Session`. Before a call it refreshes when the JWT expires within
15 minutes, and on a 401 it refreshes once and retries; a failed refresh is
swallowed. Any status >= 400 then becomes a bare `GarminConnectConnectionError`
("API Error 429 - ..."), so 401 and 429 look alike. It writes tokens to
`garmin_tokens.json` with default (world-readable) permissions whenever it has
a token path.

So we: load tokens with `loads()` (never a path, so nothing is ever written),
record the status of every response on our own client subclass to tell 401 from
429, save the tokens (encrypted) whenever they changed, and never log in from a
sync: an expired session stops the source with "run syncsvc auth garmin".
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import requests

from syncsvc.config import GarminSettings
from syncsvc.errors import AuthError, RateLimited, SourceError
from syncsvc.sources.http import is_connection_error, with_retries
from syncsvc.store.database import Store

log = logging.getLogger(__name__)

PROVIDER = "garmin"
REAUTH_HINT = "run syncsvc auth garmin"
TOKEN_FILE_NAME = "garmin_tokens.json"  # noqa: S105 - a file name, not a secret


class _Transient(Exception):
    """A 5xx or a dropped connection: worth another try."""


@cache
def _client_class() -> type[Any]:
    """garminconnect's Client, recording statuses and counting requests (imported lazily)."""
    from garminconnect import client as garmin_client

    class RecordingClient(garmin_client.Client):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.statuses: list[int] = []
            self.requests_made = 0
            self.refresh_failed = False

        def _hook(self, response: Any, *args: Any, **kwargs: Any) -> Any:
            self.requests_made += 1
            self.statuses.append(response.status_code)
            return response

        def _fresh_api_session(self) -> Any:
            session = requests.Session()
            session.hooks["response"].append(self._hook)
            return session

        def _http_post(self, url: str, **kwargs: Any) -> Any:
            self.requests_made += 1
            return super()._http_post(url, **kwargs)

        def _refresh_di_token(self) -> None:
            try:
                super()._refresh_di_token()
            except Exception:
                self.refresh_failed = True
                raise

    return RecordingClient


def parse_tokens(text: str) -> str:
    """Check a garminconnect 0.3 token JSON and return it normalised."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise AuthError("the Garmin tokens are not valid JSON", hint=REAUTH_HINT) from None
    if not isinstance(data, dict) or not data.get("di_token"):
        if isinstance(data, dict) and ("oauth_token" in data or "oauth1_token" in data):
            raise AuthError(
                "these are tokens of an older garminconnect (garth); they cannot be used",
                hint=REAUTH_HINT,
            )
        raise AuthError("the Garmin tokens hold no di_token", hint=REAUTH_HINT)
    keys = ("di_token", "di_refresh_token", "di_client_id")
    return json.dumps({key: data.get(key) for key in keys}, sort_keys=True)


def read_tokens(path_or_json: str) -> str:
    """Tokens from JSON text, a `garmin_tokens.json` file, or a folder holding one."""
    stripped = path_or_json.strip()
    if stripped.startswith("{"):
        return parse_tokens(stripped)
    path = Path(stripped).expanduser()
    if path.is_dir():
        if (path / "oauth1_token.json").exists() and not (path / TOKEN_FILE_NAME).exists():
            raise AuthError(
                f"{path} holds tokens of an older garminconnect (garth); they cannot be used",
                hint=REAUTH_HINT,
            )
        path = path / TOKEN_FILE_NAME
    try:
        return parse_tokens(path.read_text())
    except OSError as error:
        raise AuthError(f"cannot read Garmin tokens at {path}: {error.strerror}") from None


def save_tokens(
    store: Store, athlete_id: int, tokens: str, *, provider_user_id: str | None = None
) -> None:
    with store.write() as tx:
        tx.athlete(athlete_id).credentials.save(
            PROVIDER, json.loads(tokens), provider_user_id=provider_user_id
        )


def load_tokens(store: Store, athlete_id: int) -> str:
    with store.read() as tx:
        payload = tx.athlete(athlete_id).credentials.load(PROVIDER)
    if not payload:
        raise AuthError("Garmin Connect is not connected", hint=REAUTH_HINT)
    return json.dumps(payload, sort_keys=True)


def _quiet_library_logs() -> None:
    """garminconnect logs every failed call with a traceback at ERROR; we report them ourselves."""
    library = logging.getLogger("garminconnect")
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        library.setLevel(logging.CRITICAL)


class GarminSession:
    """A logged-in garminconnect `Garmin`, built from stored tokens without any login."""

    def __init__(self, tokens: str, settings: GarminSettings) -> None:
        from garminconnect import Garmin

        _quiet_library_logs()
        self.settings = settings
        self.garmin = Garmin()
        self.client = _client_class()(domain="garmin.com")
        self.garmin.client = self.client
        try:
            self.client.loads(tokens)
        except Exception:
            raise AuthError("the stored Garmin tokens cannot be loaded", hint=REAUTH_HINT) from None
        self.saved_tokens = self.client.dumps()

    @property
    def requests_made(self) -> int:
        return int(self.client.requests_made)

    def tokens_if_changed(self) -> str | None:
        """The tokens after a silent refresh by the library, once; None when unchanged."""
        current = str(self.client.dumps())
        if current == self.saved_tokens:
            return None
        self.saved_tokens = current
        return parse_tokens(current)

    def _call(self, call: Callable[[], Any]) -> Any:
        self.client.statuses.clear()
        try:
            return call()
        except Exception as error:
            status = self.client.statuses[-1] if self.client.statuses else None
            if status == 429:
                raise RateLimited(
                    "Garmin Connect answered 429 (too many requests); try again later",
                    hint="the next sync resumes where this one stopped",
                ) from None
            if status in (401, 403) or self.client.refresh_failed:
                raise AuthError(
                    "the Garmin Connect session has expired or was refused", hint=REAUTH_HINT
                ) from None
            if (status is not None and status >= 500) or (status is None and _no_response(error)):
                raise _Transient(str(error)) from None
            raise SourceError(f"Garmin Connect failed: {error}") from None

    def activities(self, start: int, limit: int) -> list[Any]:
        """One page of activity-list JSON, newest first."""
        try:
            result = with_retries(
                lambda: self._call(lambda: self.garmin.get_activities(start, limit)),
                transient=lambda error: isinstance(error, _Transient),
                retries=self.settings.retries,
                wait_s=self.settings.retry_wait_s,
                wait_max_s=self.settings.retry_wait_max_s,
            )
        except _Transient as error:
            raise SourceError(
                f"Garmin Connect is failing ({error})",
                hint="try again later; the next sync resumes where this one stopped",
            ) from None
        if not isinstance(result, list):
            raise SourceError("Garmin Connect sent something other than a list of activities")
        return result


def _no_response(error: BaseException) -> bool:
    """A connection error (garminconnect wraps it; look down the chain)."""
    current: BaseException | None = error
    while current is not None:
        if is_connection_error(current):
            return True
        current = current.__cause__ or current.__context__
    return "Connection error" in str(error)


def login(email: str, password: str, prompt_mfa: Callable[[], str]) -> tuple[str, str | None]:
    """Log in once (MFA prompted); return the tokens and the Garmin profile id.

    Calls the client's own login, not `Garmin.login`, which would also read
    `GARMINTOKENS` and write token files.
    """
    from garminconnect import (
        GarminConnectAuthenticationError,
        GarminConnectTooManyRequestsError,
    )

    _quiet_library_logs()
    client = _client_class()(domain="garmin.com")
    try:
        client.login(email, password, prompt_mfa=prompt_mfa)
    except GarminConnectAuthenticationError:
        raise AuthError("Garmin Connect refused the login (email, password or MFA code)") from None
    except GarminConnectTooManyRequestsError:
        raise RateLimited(
            "Garmin Connect is rate-limiting logins", hint="wait an hour before trying again"
        ) from None
    except Exception as error:
        raise SourceError(f"Garmin Connect login failed: {error}") from None
    return parse_tokens(client.dumps()), _profile_id(client)


def _profile_id(client: Any) -> str | None:
    try:
        profile = client.connectapi("/userprofile-service/socialProfile")
    except Exception as error:  # the id is a nicety; the tokens are what matter
        log.warning("could not read the Garmin profile: %s", type(error).__name__)
        return None
    value = (
        profile.get("profileId") or profile.get("displayName")
        if isinstance(profile, dict)
        else None
    )
    return str(value) if value else None


def check_tokens(tokens: str, settings: GarminSettings) -> tuple[str, str | None]:
    """Use imported tokens once (the profile call); return them (maybe refreshed) and the id."""
    session = GarminSession(tokens, settings)
    profile = session._call(lambda: session.client.connectapi("/userprofile-service/socialProfile"))
    value = (
        profile.get("profileId") or profile.get("displayName")
        if isinstance(profile, dict)
        else None
    )
    return parse_tokens(session.client.dumps()), (str(value) if value else None)
