"""Signing in to the web page: links from `syncsvc web link`, sessions, sign out everywhere.

There are no passwords. A link works once and for `web.link_minutes`; a user is
given at most `web.links_per_hour` links an hour, so a leaked shell alias
cannot mint links in bulk. Opening a session uses the link up in the same
transaction, so two tabs racing on one link open one session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from syncsvc import clock
from syncsvc.config import Settings
from syncsvc.domain import Athlete
from syncsvc.errors import UsageError
from syncsvc.runtime import Runtime
from syncsvc.store.database import Store
from syncsvc.store.web_access import LinkStatus, OAuthState, OpenedSession, WebSession

SIGN_IN_PATH = "/signin/"
"""Where a sign-in link points: the web page's `signin_link` route."""

REFUSED_LINK = {
    LinkStatus.UNKNOWN: "This sign-in link is not known. Ask for a new one with syncsvc web link.",
    LinkStatus.EXPIRED: "This sign-in link has expired. Ask for a new one with syncsvc web link.",
    LinkStatus.USED: "This sign-in link was already used. Each link works once: "
    "ask for a new one with syncsvc web link.",
}


@dataclass(frozen=True, slots=True)
class SignInLink:
    athlete: str
    url: str
    expires_at: datetime


def web_base_url(settings: Settings) -> str:
    if settings.service.public_url:
        return settings.service.public_url.rstrip("/")
    return f"http://{settings.service.host}:{settings.service.port}"


def issue_sign_in_link(runtime: Runtime, athlete: Athlete) -> SignInLink:
    """A single-use link for the athlete's user (created the first time), rate-limited."""
    web = runtime.settings.web
    now = clock.now()
    with runtime.store.write() as tx:
        access = tx.athlete(athlete.id).web
        if access.links_issued_since(now - timedelta(hours=1)) >= web.links_per_hour:
            raise UsageError(
                f"{web.links_per_hour} sign-in links were already made in the last hour",
                hint="use the newest one, or wait; web.links_per_hour sets the limit",
            )
        lifetime = timedelta(minutes=web.link_minutes)
        token = access.issue_link(lifetime)
    url = f"{web_base_url(runtime.settings)}{SIGN_IN_PATH}{token}"
    return SignInLink(athlete.name, url, now + lifetime)


def sign_in_with_link(store: Store, settings: Settings, token: str) -> OpenedSession:
    """Use the link up and open a session; a refused link raises UsageError saying why."""
    lifetime = timedelta(days=settings.web.session_days)
    with store.write() as tx:
        use = tx.web.take_link(token)
        if use.status is not LinkStatus.OK or use.user is None:
            raise UsageError(REFUSED_LINK[use.status if use.user is None else LinkStatus.UNKNOWN])
        tx.web.forget_expired(clock.now())
        return tx.web.open_session(use.user, lifetime)


def session_for(store: Store, token: str) -> WebSession | None:
    with store.read() as tx:
        return tx.web.session(token)


def sign_out(store: Store, token: str) -> None:
    with store.write() as tx:
        tx.web.close_session(token)


def sign_out_everywhere(store: Store, athlete_id: int) -> int:
    with store.write() as tx:
        return tx.athlete(athlete_id).web.sign_out_everywhere()


def put_oauth_state(
    store: Store, settings: Settings, provider: str, purpose: str, user_id: int | None
) -> str:
    """A fresh OAuth `state` for our callback, valid for `web.oauth_state_minutes`."""
    lifetime = timedelta(minutes=settings.web.oauth_state_minutes)
    with store.write() as tx:
        return tx.web.put_state(provider, purpose, user_id, lifetime)


def take_oauth_state(store: Store, state: str, provider: str) -> OAuthState | None:
    """Use the state up: its purpose and user; None when unknown, expired or used."""
    with store.write() as tx:
        return tx.web.take_state(state, provider)
