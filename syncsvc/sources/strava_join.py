"""Strava's side of joining: the code exchange with the athlete summary, and the club check.

The token exchange answers with the token pair and a SummaryAthlete (`id`,
`username`, `firstname`, `lastname`, `sex`, `city`, `created_at`, ...); that is
all we learn about a new runner before they confirm their profile.

Strava lets a new API application connect one athlete until Strava reviews
it. Runners report the refusal as "Error 403: Limit of connected athletes
exceeded" (Strava's own error page; e.g. jat255/strava-to-fittrackee#22,
craibo/ha_strava#288). We have not seen the JSON body of that 403 on the API
itself; we assume Strava's usual Fault envelope
(`{"message": "Limit of connected athletes exceeded", "errors": [{"resource":
"Application", ...}]}`) and recognise it by the status 403 and the word
"limit" in the body, which the message carries either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from syncsvc.config import StravaSettings
from syncsvc.errors import AuthError, SourceError
from syncsvc.sources.strava import StravaApi
from syncsvc.sources.strava_auth import (
    REAUTH_HINT,
    StravaToken,
    client_credentials,
    make_client,
)
from syncsvc.store.database import Store

REVIEW_HINT = (
    "the server's owner asks Strava to review the API application "
    "(https://www.strava.com/settings/api, then Strava's developer program form)"
)


class StravaAppFull(AuthError):
    """Strava refused: the API application has reached its limit of connected athletes."""


@dataclass(frozen=True, slots=True)
class StravaGrant:
    """What the code exchange gave: the tokens, and who the athlete is."""

    token: StravaToken
    athlete_id: str
    athlete: dict[str, Any]
    """Strava's SummaryAthlete as sent (never stored raw; the profile takes what it needs)."""


def _response_of(error: BaseException) -> Any:
    return getattr(error, "response", None)


def is_app_limit(error: BaseException) -> bool:
    """Strava's 403 "Limit of connected athletes exceeded" (see the module docstring)."""
    response = _response_of(error)
    if getattr(response, "status_code", None) != 403:
        return False
    body = str(getattr(response, "text", "") or "") + " " + str(error)
    return "limit" in body.lower()


def exchange_code(settings: StravaSettings, code: str, session: Any) -> StravaGrant:
    """Trade the code from our callback for tokens and the SummaryAthlete."""
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
        status = getattr(_response_of(error), "status_code", None)
        if status in (400, 401, 403):
            raise AuthError("Strava refused the authorisation code", hint=REAUTH_HINT) from None
        raise SourceError(f"Strava token exchange failed: {type(error).__name__}") from None
    found = dict(athlete) if isinstance(athlete, dict) else {}
    if "id" not in found:
        raise SourceError("Strava's answer named no athlete; try again")
    token = StravaToken(
        str(response["access_token"]), str(response["refresh_token"]), int(response["expires_at"])
    )
    return StravaGrant(token, str(found["id"]), found)


def club_ids(store: Store, settings: StravaSettings, access_token: str) -> set[int]:
    """The ids of the athlete's clubs (`GET /athlete/clubs`), one read from the shared budget."""
    api = StravaApi(store, settings, access_token, reserve=0)
    return {int(club["id"]) for club in api.list_clubs() if "id" in club}
