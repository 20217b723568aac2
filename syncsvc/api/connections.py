"""Connecting and disconnecting an athlete's accounts: Strava (OAuth) and Garmin Connect."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from syncsvc.domain import Athlete
from syncsvc.runtime import Runtime

if TYPE_CHECKING:
    from syncsvc.sources.strava_auth import StravaConnection
    from syncsvc.store.sync_state import CredentialInfo


def connect_strava(
    runtime: Runtime,
    athlete: Athlete,
    *,
    refresh_token: str | None,
    announce: Callable[[str], None],
    open_browser: bool,
) -> StravaConnection:
    from syncsvc.sources.http import CountingSession  # noqa: PLC0415 - requests: sync only
    from syncsvc.sources.strava_auth import (  # noqa: PLC0415 - requests: sync only
        browser_flow,
        connect_with_code,
        connect_with_refresh_token,
    )

    session = CountingSession()
    if refresh_token:
        return connect_with_refresh_token(
            runtime.store, runtime.settings.strava, athlete.id, refresh_token, session
        )
    code, scope = browser_flow(runtime.settings.strava, announce, open_browser=open_browser)
    return connect_with_code(
        runtime.store, runtime.settings.strava, athlete.id, code, scope, session
    )


def disconnect_strava(runtime: Runtime, athlete: Athlete) -> bool:
    from syncsvc.sources.http import CountingSession  # noqa: PLC0415 - requests: sync only
    from syncsvc.sources.strava_auth import revoke  # noqa: PLC0415 - requests: sync only

    return revoke(runtime.store, runtime.settings.strava, athlete.id, CountingSession())


def leave_strava(runtime: Runtime, athlete: Athlete) -> int:
    """Disconnect Strava and remove what it gave: what a verified deauthorisation removes.

    The grant is given back at Strava first (best effort), then the one removal
    the webhook's verified deauthorisation runs (`deauthorize`): tokens, Strava
    records, cursor, pending work. Returns how many Strava records went.
    """
    from syncsvc.sources.http import CountingSession  # noqa: PLC0415 - requests: disconnect only
    from syncsvc.sources.strava_announcements import deauthorize  # noqa: PLC0415 - requests
    from syncsvc.sources.strava_auth import revoke  # noqa: PLC0415 - requests: disconnect only

    revoke(runtime.store, runtime.settings.strava, athlete.id, CountingSession())
    return deauthorize(runtime.store, runtime.settings, athlete.id)


def connect_garmin(
    runtime: Runtime,
    athlete: Athlete,
    *,
    tokens: str | None,
    email: Callable[[], str],
    password: Callable[[], str],
    mfa_code: Callable[[], str],
) -> str | None:
    """Log in (or import tokens) and store them encrypted; return the Garmin profile id."""
    from syncsvc.sources.garmin import check_tokens, login, read_tokens, save_tokens  # noqa: PLC0415 - requests: sync only

    source = tokens or runtime.settings.garmin.tokens
    if source:
        checked, profile_id = check_tokens(read_tokens(source), runtime.settings.garmin)
    else:
        checked, profile_id = login(email(), password(), mfa_code)
    save_tokens(runtime.store, athlete.id, checked, provider_user_id=profile_id)
    return profile_id


def disconnect_garmin(runtime: Runtime, athlete: Athlete) -> bool:
    with runtime.store.write() as tx:
        return tx.athlete(athlete.id).credentials.remove("garmin")


def strava_authorization_url(runtime: Runtime, redirect_uri: str, state: str) -> str:
    """Where to send the runner to grant access; Strava comes back to `redirect_uri`."""
    from syncsvc.sources.strava_auth import authorization_url  # noqa: PLC0415 - requests: connect only

    return authorization_url(runtime.settings.strava, redirect_uri, state)


def connect_strava_with_code(
    runtime: Runtime, athlete: Athlete, code: str, scope: str
) -> StravaConnection:
    """Exchange the code Strava gave our own callback (its `state` already checked)."""
    from syncsvc.sources.http import CountingSession  # noqa: PLC0415 - requests: connect only
    from syncsvc.sources.strava_auth import connect_with_code  # noqa: PLC0415 - requests: connect only

    return connect_with_code(
        runtime.store, runtime.settings.strava, athlete.id, code, scope, CountingSession()
    )


def connection_status(runtime: Runtime, athlete: Athlete) -> dict[str, CredentialInfo | None]:
    """Each account's connection as stored (status and message; never a token)."""
    with runtime.store.read() as tx:
        credentials = tx.athlete(athlete.id).credentials
        return {provider: credentials.info(provider) for provider in ("strava", "garmin")}
