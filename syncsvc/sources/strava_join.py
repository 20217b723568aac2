"""Strava's side of joining: the code exchange with the athlete summary, and the club check.

The token exchange answers with the token pair and a SummaryAthlete (`id`,
`username`, `firstname`, `lastname`, `sex`, `city`, `created_at`, ...); that is
all we learn about a new runner before they confirm their profile. Strava's
limit of connected athletes is recognised in `strava_auth.exchange_code`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from syncsvc.config import StravaSettings
from syncsvc.errors import SourceError
from syncsvc.sources import strava_auth
from syncsvc.sources.strava import StravaApi
from syncsvc.sources.strava_auth import StravaToken
from syncsvc.store.database import Store


@dataclass(frozen=True, slots=True)
class StravaGrant:
    """What the code exchange gave: the tokens, and who the athlete is."""

    token: StravaToken
    athlete_id: str
    athlete: dict[str, Any]
    """Strava's SummaryAthlete as sent (never stored raw; the profile takes what it needs)."""


def exchange_code(settings: StravaSettings, code: str, session: Any) -> StravaGrant:
    """Trade the code from our callback for tokens and the SummaryAthlete."""
    token, athlete = strava_auth.exchange_code(settings, code, session)
    if "id" not in athlete:
        raise SourceError("Strava's answer named no athlete; try again")
    return StravaGrant(token, str(athlete["id"]), athlete)


def club_ids(store: Store, settings: StravaSettings, access_token: str) -> set[int]:
    """The ids of the athlete's clubs (`GET /athlete/clubs`), one read from the shared budget."""
    api = StravaApi(store, settings, access_token, reserve=0)
    return {int(club["id"]) for club in api.list_clubs() if "id" in club}
