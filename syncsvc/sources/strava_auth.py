"""Strava OAuth: connect, refresh ahead of expiry, revoke.

We refresh the access token ourselves a few minutes before it expires
(`strava.refresh_margin_s`) and store the new refresh token every time, because
Strava invalidates the old one; stravalib's implicit refresh is switched off
(`make_client`). The scope Strava actually granted comes back on the redirect:
without `activity:read_all`, private activities are missing and we say so.

Strava lets a new API application connect one athlete until Strava reviews
it. Runners report the refusal as "Error 403: Limit of connected athletes
exceeded" (Strava's own error page; e.g. jat255/strava-to-fittrackee#22,
craibo/ha_strava#288). We have not seen the JSON body of that 403 on the API
itself; we assume Strava's usual Fault envelope
(`{"message": "Limit of connected athletes exceeded", "errors": [{"resource":
"Application", ...}]}`) and recognise it by the status 403 and the word
"limit" in the body, which the message carries either way (`is_app_limit`).
"""

from __future__ import annotations

import logging
import os
import secrets
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from syncsvc import clock
from syncsvc.config import StravaSettings
from syncsvc.errors import AuthError, ConfigError, SourceError
from syncsvc.store.database import Store

log = logging.getLogger(__name__)

PROVIDER = "strava"
REQUESTED_SCOPE = ("read", "activity:read_all")
PRIVATE_SCOPE = "activity:read_all"
REAUTH_HINT = "run syncsvc auth strava"
REVIEW_HINT = (
    "the server's owner asks Strava to review the API application "
    "(https://www.strava.com/settings/api, then Strava's developer program form)"
)


class StravaAppFull(AuthError):
    """Strava refused: the API application has reached its limit of connected athletes."""


@dataclass(frozen=True, slots=True)
class StravaToken:
    access_token: str
    refresh_token: str
    expires_at: int
    """Epoch seconds."""

    def payload(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at,
        }

    @property
    def expires(self) -> datetime:
        return datetime.fromtimestamp(self.expires_at, tz=UTC)


def client_credentials(settings: StravaSettings) -> tuple[int, str]:
    if not settings.client_id or settings.client_secret is None:
        raise ConfigError(
            "Strava client id and secret are not set",
            hint="set STRAVA_CLIENT_ID and STRAVA_CLIENT_SECRET, or strava.client_id and "
            "strava.client_secret in settings.toml (from https://www.strava.com/settings/api)",
        )
    try:
        client_id = int(settings.client_id)
    except ValueError:
        raise ConfigError("strava.client_id must be a number") from None
    return client_id, settings.client_secret.get_secret_value()


def make_client(access_token: str | None, session: Any, rate_limiter: Any = None) -> Any:
    """A stravalib Client with our limiter and no implicit token refresh.

    stravalib reads STRAVA_CLIENT_ID/SECRET from the environment and would then
    refresh by itself, and its default limiter sleeps; we pass our own limiter
    (which only records the headers) and clear the credentials it picked up.
    """
    os.environ.setdefault("SILENCE_TOKEN_WARNINGS", "true")
    from stravalib import Client

    client = Client(access_token=access_token, requests_session=session, rate_limit_requests=False)
    if rate_limiter is not None:
        client.protocol.rate_limiter = rate_limiter
    client.protocol.client_id = None
    client.protocol.client_secret = None
    client.protocol.refresh_token = None
    client.protocol.token_expires = None
    return client


def scope_warning(scope: str) -> str | None:
    granted = {part.strip() for part in scope.replace(" ", ",").split(",") if part.strip()}
    if not scope:
        return "the granted scope is unknown; if private activities are missing, reconnect"
    if PRIVATE_SCOPE in granted:
        return None
    if "activity:read" in granted:
        return (
            "Strava granted activity:read only: private activities will be missing "
            "(reconnect and tick 'View data about your private activities')"
        )
    return "Strava granted no activity access: nothing can be synced (reconnect and allow it)"


def load_token(store: Store, athlete_id: int) -> StravaToken:
    with store.read() as tx:
        payload = tx.athlete(athlete_id).credentials.load(PROVIDER)
    if not payload:
        raise AuthError("Strava is not connected", hint=REAUTH_HINT)
    try:
        return StravaToken(
            str(payload["access_token"]), str(payload["refresh_token"]), int(payload["expires_at"])
        )
    except (KeyError, TypeError, ValueError):
        raise AuthError("the stored Strava token is incomplete", hint=REAUTH_HINT) from None


def save_token(
    store: Store,
    athlete_id: int,
    token: StravaToken,
    *,
    provider_user_id: str | None = None,
    scope: str = "",
) -> None:
    with store.write() as tx:
        tx.athlete(athlete_id).credentials.save(
            PROVIDER,
            token.payload(),
            provider_user_id=provider_user_id,
            scope=scope,
            expires_at=token.expires,
        )


def mark_broken(store: Store, athlete_id: int, status: str, message: str) -> None:
    with store.write() as tx:
        tx.athlete(athlete_id).credentials.mark(PROVIDER, status, message)


def _token_from(response: dict[str, Any]) -> StravaToken:
    return StravaToken(
        str(response["access_token"]), str(response["refresh_token"]), int(response["expires_at"])
    )


def _auth_failure(error: Exception) -> bool:
    response = getattr(error, "response", None)
    return getattr(response, "status_code", None) in (400, 401, 403)


def is_app_limit(error: BaseException) -> bool:
    """Strava's 403 "Limit of connected athletes exceeded" (see the module docstring)."""
    response = getattr(error, "response", None)
    if getattr(response, "status_code", None) != 403:
        return False
    body = str(getattr(response, "text", "") or "") + " " + str(error)
    return "limit" in body.lower()


def exchange_code(
    settings: StravaSettings, code: str, session: Any
) -> tuple[StravaToken, dict[str, Any]]:
    """Trade the code from our callback for the token pair and Strava's SummaryAthlete
    (empty when the answer names none): for a runner connecting and for one joining."""
    client_id, client_secret = client_credentials(settings)
    client = make_client(None, session)
    try:
        response, athlete = client.protocol.exchange_code_for_token(
            client_id=client_id, client_secret=client_secret, code=code, return_athlete=True
        )
    except Exception as error:
        if is_app_limit(error):
            raise StravaAppFull(
                "Strava refused: this server's Strava application has reached its limit of "
                "connected athletes",
                hint=REVIEW_HINT,
            ) from None
        if _auth_failure(error):
            raise AuthError("Strava refused the authorisation code", hint=REAUTH_HINT) from None
        raise SourceError(f"Strava token exchange failed: {type(error).__name__}") from None
    return _token_from(dict(response)), dict(athlete) if isinstance(athlete, dict) else {}


def refresh(
    store: Store, settings: StravaSettings, athlete_id: int, token: StravaToken, session: Any
) -> StravaToken:
    """Trade the refresh token for a new pair and store it at once (the old one dies)."""
    client_id, client_secret = client_credentials(settings)
    client = make_client(None, session)
    try:
        response = client.refresh_access_token(client_id, client_secret, token.refresh_token)
    except Exception as error:
        if _auth_failure(error):
            message = "Strava refused the stored refresh token (access revoked or expired)"
            mark_broken(store, athlete_id, "revoked", message)
            raise AuthError(message, hint=REAUTH_HINT) from None
        status = getattr(getattr(error, "response", None), "status_code", None)
        what = f"HTTP {status}" if isinstance(status, int) else type(error).__name__
        raise SourceError(f"Strava token refresh failed: {what}") from None
    new_token = _token_from(dict(response))
    save_token(store, athlete_id, new_token)
    log.info("strava token refreshed", extra={"athlete_id": athlete_id})
    return new_token


class Authorisation(StrEnum):
    """What a token refresh says about whether the athlete still authorises us."""

    GRANTED = "granted"
    REFUSED = "refused"
    """Strava refused the refresh token (400/401): access was really revoked."""
    UNKNOWN = "unknown"
    """The check could not run (network, Strava's 5xx, no stored token): ask again later."""


def check_authorisation(
    store: Store, settings: StravaSettings, athlete_id: int, session: Any
) -> tuple[Authorisation, str]:
    """Refresh the athlete's token to learn whether a deauthorisation is real.

    Webhook events carry no signature, so a deauthorisation event is only a
    claim; Strava's token endpoint is the authority. A granted refresh is stored
    (the old refresh token may now be dead). Only 400 and 401 count as a refusal;
    anything else leaves the question open.
    """
    try:
        token = load_token(store, athlete_id)
        client_id, client_secret = client_credentials(settings)
    except (AuthError, ConfigError) as error:
        return Authorisation.UNKNOWN, error.one_line()
    client = make_client(None, session)
    try:
        response = client.refresh_access_token(client_id, client_secret, token.refresh_token)
        new_token = _token_from(dict(response))
    except Exception as error:
        status = getattr(getattr(error, "response", None), "status_code", None)
        if status in (400, 401):
            return Authorisation.REFUSED, f"Strava refused the refresh token (HTTP {status})"
        what = f"HTTP {status}" if isinstance(status, int) else type(error).__name__
        return Authorisation.UNKNOWN, f"Strava token refresh failed: {what}"
    save_token(store, athlete_id, new_token)
    return Authorisation.GRANTED, ""


def fresh_token(
    store: Store, settings: StravaSettings, athlete_id: int, session: Any, now: datetime
) -> StravaToken:
    """The stored token, refreshed first when it expires within the margin."""
    token = load_token(store, athlete_id)
    if token.expires_at - now.timestamp() <= settings.refresh_margin_s:
        return refresh(store, settings, athlete_id, token, session)
    return token


# ---------------------------------------------------------------- connecting


@dataclass(frozen=True, slots=True)
class StravaConnection:
    athlete_id: str | None
    scope: str
    warning: str | None


def _connect(
    store: Store,
    athlete_id: int,
    token: StravaToken,
    provider_user_id: str | None,
    scope: str,
) -> StravaConnection:
    with store.read() as tx:
        other = (
            tx.shared.athlete_for_provider_user(PROVIDER, provider_user_id)
            if provider_user_id
            else None
        )
    if other is not None and other != athlete_id:
        raise AuthError(
            f"this Strava account is already connected to another athlete (id {other})",
            hint="disconnect it there first with syncsvc auth strava --revoke",
        )
    save_token(store, athlete_id, token, provider_user_id=provider_user_id, scope=scope)
    return StravaConnection(provider_user_id, scope, scope_warning(scope))


def connect_with_code(
    store: Store, settings: StravaSettings, athlete_id: int, code: str, scope: str, session: Any
) -> StravaConnection:
    """Finish the browser flow: exchange the code and store the tokens."""
    token, athlete = exchange_code(settings, code, session)
    provider_user_id = str(athlete["id"]) if "id" in athlete else None
    return _connect(store, athlete_id, token, provider_user_id, scope)


def connect_with_refresh_token(
    store: Store, settings: StravaSettings, athlete_id: int, refresh_token: str, session: Any
) -> StravaConnection:
    """Headless connection: a refresh token obtained elsewhere (the scope cannot be checked)."""
    client_id, client_secret = client_credentials(settings)
    client = make_client(None, session)
    try:
        response = client.refresh_access_token(client_id, client_secret, refresh_token)
    except Exception as error:
        if _auth_failure(error):
            raise AuthError("Strava refused this refresh token", hint=REAUTH_HINT) from None
        raise SourceError(f"Strava token refresh failed: {type(error).__name__}") from None
    token = _token_from(dict(response))
    provider_user_id: str | None = None
    try:
        athlete = make_client(token.access_token, session).protocol.get("/athlete")
        provider_user_id = str(athlete["id"])
    except Exception as error:  # the id is a nicety (webhooks need it); connecting works without
        log.warning("could not read the Strava athlete id: %s", type(error).__name__)
    return _connect(store, athlete_id, token, provider_user_id, "")


def revoke(store: Store, settings: StravaSettings, athlete_id: int, session: Any) -> bool:
    """Deauthorise at Strava (best effort) and forget the tokens."""
    with store.read() as tx:
        payload = tx.athlete(athlete_id).credentials.load(PROVIDER)
    if payload is None:
        return False
    try:
        make_client(str(payload.get("access_token")), session).protocol.post(
            "https://www.strava.com/oauth/deauthorize"
        )
    except Exception as error:  # revoked already, or offline: forgetting is what matters
        log.warning("Strava deauthorisation failed: %s", type(error).__name__)
    with store.write() as tx:
        tx.athlete(athlete_id).credentials.remove(PROVIDER)
    return True


# ---------------------------------------------------------------- browser flow


def authorization_url(settings: StravaSettings, redirect_uri: str, state: str) -> str:
    client_id, _ = client_credentials(settings)
    client = make_client(None, None)
    return str(
        client.authorization_url(
            client_id=client_id,
            redirect_uri=redirect_uri,
            approval_prompt="auto",
            scope=list(REQUESTED_SCOPE),
            state=state,
        )
    )


def parse_redirect(url: str, expected_state: str) -> tuple[str, str]:
    """The code and granted scope from the redirect URL Strava sent the browser to."""
    query = parse_qs(urlparse(url).query)
    if query.get("error"):
        raise AuthError(f"Strava authorisation was refused ({query['error'][0]})", hint=REAUTH_HINT)
    if query.get("state", [""])[0] != expected_state:
        raise AuthError("the Strava redirect did not carry our state; try again", hint=REAUTH_HINT)
    code = query.get("code", [""])[0]
    if not code:
        raise AuthError("the Strava redirect carried no code", hint=REAUTH_HINT)
    return code, query.get("scope", [""])[0]


def browser_flow(
    settings: StravaSettings,
    announce: Callable[[str], None],
    *,
    open_browser: bool = True,
    timeout_s: float = 300.0,
) -> tuple[str, str]:
    """Serve one redirect on 127.0.0.1, print the URL (for headless machines), wait for it."""
    state = secrets.token_urlsafe(16)
    received: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            received.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            self.wfile.write(b"syncsvc: Strava is connected. You can close this tab.\n")

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = HTTPServer(("127.0.0.1", settings.redirect_port), Handler)
    server.timeout = timeout_s
    try:
        redirect_uri = f"http://127.0.0.1:{server.server_address[1]}/strava/callback"
        url = authorization_url(settings, redirect_uri, state)
        announce(url)
        if open_browser:
            webbrowser.open(url)
        deadline = clock.now().timestamp() + timeout_s
        while not received and clock.now().timestamp() < deadline:
            server.handle_request()
    finally:
        server.server_close()
    if not received:
        raise AuthError("no answer from the browser in time", hint=REAUTH_HINT)
    return parse_redirect(received[0], state)
