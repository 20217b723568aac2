"""Joining with "Sign in with Strava": the first sign-in creates the athlete, later ones sign in.

Our one Strava callback hands us the code and the granted scope once its
`state` (purpose "signup") is checked. Here: the scope must hold `read` and
`activity:read_all`; the code is exchanged; a Strava athlete already known
here is signed in; a new one passes the gates (`web.signup_max`,
`web.signup_clubs`) and is created with their user, tokens, feed token and a
session in one write transaction, so a failure leaves nothing half-made. A
refused newcomer's grant is revoked at Strava at once: every connected
athlete counts against the application's limit.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from syncsvc.domain import Athlete, Profile, Sex
from syncsvc.errors import UsageError
from syncsvc.runtime import Runtime
from syncsvc.store.database import Transaction
from syncsvc.store.web_access import OpenedSession

if TYPE_CHECKING:
    from syncsvc.sources.strava_join import StravaGrant

log = logging.getLogger(__name__)

NEEDED_SCOPE = ("read", "activity:read_all")
WHY_SCOPE = {
    "read": "to know who you are, so your next sign-in finds your plan",
    "activity:read_all": "to read your runs, private ones included: the plan is placed "
    "around your running load, and a missing run makes a hard day look easy",
}


class Refusal(StrEnum):
    CLOSED = "closed"
    SCOPE = "scope"
    FULL = "full"
    CLUB = "club"
    APP_LIMIT = "app_limit"


class SignupRefused(UsageError):
    """A sign-up the page explains: `reason` picks the words, `missing` the scopes not granted."""

    def __init__(
        self,
        reason: Refusal,
        message: str,
        *,
        hint: str = "",
        missing: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, hint=hint)
        self.reason = reason
        self.missing = missing


@dataclass(frozen=True, slots=True)
class Joined:
    athlete: Athlete
    opened: OpenedSession
    created: bool
    """A new athlete (their history is still to be read), not a returning one."""


def missing_scope(scope: str) -> tuple[str, ...]:
    """The needed scopes Strava's redirect did not grant (it sends them comma-separated)."""
    granted = {part.strip() for part in scope.replace(" ", ",").split(",") if part.strip()}
    return tuple(needed for needed in NEEDED_SCOPE if needed not in granted)


def join_with_strava(runtime: Runtime, code: str, scope: str) -> Joined:
    """Sign a Strava athlete in, creating them first when they are new here."""
    from syncsvc.sources.http import CountingSession  # noqa: PLC0415 - requests: sign-up only
    from syncsvc.sources.strava_auth import StravaAppFull  # noqa: PLC0415 - requests
    from syncsvc.sources.strava_join import exchange_code  # noqa: PLC0415 - requests

    settings = runtime.settings
    if settings.web.signup != "strava":
        raise SignupRefused(Refusal.CLOSED, "joining is not open on this server")
    missing = missing_scope(scope)
    if missing:
        raise SignupRefused(
            Refusal.SCOPE, "Strava did not grant " + ", ".join(missing), missing=missing
        )
    session = CountingSession()
    try:
        grant = exchange_code(settings.strava, code, session)
    except StravaAppFull as error:
        raise SignupRefused(Refusal.APP_LIMIT, error.message, hint=error.hint) from None
    with runtime.store.read() as tx:
        known = tx.shared.athlete_for_provider_user("strava", grant.athlete_id)
    if known is None and settings.web.signup_clubs and not _in_a_club(runtime, grant):
        _revoke(runtime, grant, session)
        raise SignupRefused(
            Refusal.CLUB,
            "joining here is for members of this server's Strava clubs",
            hint="join the club on Strava first, then sign in again",
        )
    joined = _sign_in_or_create(runtime, grant, scope)
    if joined is None:
        _revoke(runtime, grant, session)
        raise SignupRefused(
            Refusal.FULL,
            f"this server is full: it has room for {settings.web.signup_max} runners",
            hint="ask its owner to make room (web.signup_max)",
        )
    if joined.created:
        log.info("athlete joined with strava", extra={"athlete_id": joined.athlete.id})
    return joined


def _sign_in_or_create(runtime: Runtime, grant: StravaGrant, scope: str) -> Joined | None:
    """One write transaction, one joining at a time: sign in, create, or None when full."""
    web = runtime.settings.web
    lifetime = timedelta(days=web.session_days)
    with runtime.store.write() as tx:
        tx.web.hold_joining_lock()
        known = tx.shared.athlete_for_provider_user("strava", grant.athlete_id)
        if known is not None:
            _save_grant(tx, known, grant, scope)
            athlete = tx.athletes.by_id(known)
            assert athlete is not None  # a credential row cascades with its athlete
            opened = tx.web.open_session(tx.athlete(known).web.ensure_user(), lifetime)
            return Joined(athlete, opened, created=False)
        if web.signup_max is not None and tx.athletes.count() >= web.signup_max:
            return None
        athlete = tx.athletes.add(_unique_name(tx, grant), _profile_from(grant.athlete))
        scope_of = tx.athlete(athlete.id)
        scope_of.feed.issue_token()
        _save_grant(tx, athlete.id, grant, scope)
        opened = tx.web.open_session(scope_of.web.ensure_user(), lifetime)
        return Joined(athlete, opened, created=True)


def _save_grant(tx: Transaction, athlete_id: int, grant: StravaGrant, scope: str) -> None:
    tx.athlete(athlete_id).credentials.save(
        "strava",
        grant.token.payload(),
        provider_user_id=grant.athlete_id,
        scope=scope,
        expires_at=grant.token.expires,
    )


def _in_a_club(runtime: Runtime, grant: StravaGrant) -> bool:
    from syncsvc.sources.strava_join import club_ids  # noqa: PLC0415 - requests: sign-up only

    clubs = club_ids(runtime.store, runtime.settings.strava, grant.token.access_token)
    return bool(clubs & set(runtime.settings.web.signup_clubs))


def _revoke(runtime: Runtime, grant: StravaGrant, session: Any) -> None:
    """Give the grant back at Strava (best effort): a refused runner must not stay connected."""
    from syncsvc.sources.strava_auth import make_client  # noqa: PLC0415 - requests: sign-up only

    try:
        make_client(grant.token.access_token, session).protocol.post(
            "https://www.strava.com/oauth/deauthorize"
        )
    except Exception as error:  # the refusal stands either way; Strava drops unused grants
        log.warning("could not revoke a refused sign-up at Strava: %s", type(error).__name__)


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:40]


def _unique_name(tx: Transaction, grant: StravaGrant) -> str:
    """`ana-l` from Ana López, else the username, else `strava-<id>`; `-2`, `-3`... if taken."""
    summary = grant.athlete
    first = str(summary.get("firstname") or "")
    last = str(summary.get("lastname") or "")
    base = (
        _slug(f"{first} {last[:1]}")
        or _slug(str(summary.get("username") or ""))
        or f"strava-{grant.athlete_id}"
    )
    name, number = base, 1
    while tx.athletes.by_name(name) is not None:
        number += 1
        name = f"{base}-{number}"
    return name


def _profile_from(summary: dict[str, Any]) -> Profile:
    """What Strava's SummaryAthlete tells: the sex. It has no time zone; the runner confirms one."""
    sex = {"F": Sex.FEMALE, "M": Sex.MALE}.get(str(summary.get("sex") or "").upper())
    return Profile(sex=sex)
