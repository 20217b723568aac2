"""One Strava activity by id: fetch it (or leave it pending), or delete it.

What the server's webhook jobs call for each announced activity. A fetch takes
one read from the shared budget without waiting; when the budget is spent the
fetch stays (or becomes) a pending fetch that a later pass picks up, highest
priority first. The payload of a webhook is never trusted, and events carry no
signature: the activity comes from the API as Strava has it now, and only a 404
from `GET /activities/{id}` with the athlete's own token means it is gone (or
private to us), so its record goes. A `delete` event is therefore a fetch too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from syncsvc import clock
from syncsvc.config import Settings
from syncsvc.domain import Source
from syncsvc.errors import AuthError, RateLimited
from syncsvc.sources.http import CountingSession
from syncsvc.sources.ingest import PageResult, delete_and_remerge, store_page
from syncsvc.sources.normalise_strava import strava_id_of, strava_record
from syncsvc.sources.strava import StravaApi, StravaNotFound, StravaUnauthorized
from syncsvc.sources.strava_auth import fresh_token, mark_broken, refresh
from syncsvc.store.database import Store

log = logging.getLogger(__name__)

FETCH_KIND = "activity"
"""The pending kind of an announced (or rate-limited) activity fetch."""


class FetchOutcome(StrEnum):
    STORED = "stored"
    SKIPPED = "skipped"
    """Fetched, but malformed: kept raw in skipped_records."""
    PENDING = "pending"
    """No budget: left as a pending fetch."""
    GONE = "gone"
    """Strava answered 404: the activity was deleted (removed here too)."""
    FOREIGN = "foreign"
    """Strava answered with another athlete's (public) activity: a forged event; not stored."""


@dataclass(frozen=True, slots=True)
class Fetched:
    outcome: FetchOutcome
    page: PageResult | None = None
    detail: str = ""


def fetch_strava_activity(
    store: Store,
    settings: Settings,
    athlete_id: int,
    activity_id: int | str,
    *,
    priority: int = 0,
    reserve: int = 0,
    session: CountingSession | None = None,
    kind: str = FETCH_KIND,
) -> Fetched:
    """Fetch one activity and store it (merged), or leave it pending when the budget is spent.

    `reserve` reads are kept back for more urgent work (0 for webhook-announced
    activities, which the reserve is for). Raises AuthError when the athlete's
    Strava access is gone. `kind` is the pending work this fetch does: an
    announced delete is a fetch too, since only Strava's 404 may delete.
    """
    session = session or CountingSession()
    object_id = str(activity_id)
    with store.read() as tx:
        announced = tx.athlete(athlete_id).pending.announcements(Source.STRAVA, object_id, kind)
    try:
        token = fresh_token(store, settings.strava, athlete_id, session, clock.now())
        api = StravaApi(
            store, settings.strava, token.access_token, reserve=reserve, session=session
        )
        try:
            raw = api.get_activity(object_id)
        except StravaUnauthorized:
            token = refresh(store, settings.strava, athlete_id, token, session)
            api.set_access_token(token.access_token)
            try:
                raw = api.get_activity(object_id)
            except StravaUnauthorized:
                message = "Strava refused the access token even after a refresh (access revoked?)"
                mark_broken(store, athlete_id, "revoked", message)
                raise AuthError(message, hint="run syncsvc auth strava") from None
    except RateLimited as limited:
        with store.write() as tx:
            tx.athlete(athlete_id).pending.add(Source.STRAVA, object_id, kind, priority)
        return Fetched(FetchOutcome.PENDING, detail=limited.one_line())
    except StravaNotFound:
        delete_strava_activity(store, settings, athlete_id, object_id, pending_kind=kind)
        return Fetched(FetchOutcome.GONE)
    owner = _owner_id(raw)
    with store.read() as tx:
        connected = tx.athlete(athlete_id).credentials.info("strava")
    expected = connected.provider_user_id if connected is not None else None
    if owner is not None and expected and owner != expected:
        # Any public activity is readable with any token: an event naming another
        # athlete's activity id must not put it in this athlete's records.
        log.warning(
            "strava activity of another athlete announced; not stored",
            extra={"athlete_id": athlete_id},
        )
        with store.write() as tx:
            tx.athlete(athlete_id).pending.done(Source.STRAVA, object_id, kind)
        return Fetched(FetchOutcome.FOREIGN)
    page = store_page(
        store,
        athlete_id,
        Source.STRAVA,
        [raw],
        strava_record,
        strava_id_of,
        settings.merge,
    )
    with store.write() as tx:
        tx.athlete(athlete_id).pending.done(Source.STRAVA, object_id, kind, announced=announced)
    return Fetched(FetchOutcome.SKIPPED if page.skipped else FetchOutcome.STORED, page)


def _owner_id(raw: object) -> str | None:
    athlete = raw.get("athlete") if isinstance(raw, dict) else None
    owner = athlete.get("id") if isinstance(athlete, dict) else None
    return str(owner) if owner is not None else None


def delete_strava_activity(
    store: Store,
    settings: Settings,
    athlete_id: int,
    activity_id: int | str,
    *,
    pending_kind: str = FETCH_KIND,
) -> bool:
    """Remove one Strava record (a merged activity keeps its other records); True if it existed."""
    with store.write() as tx:
        deleted = delete_and_remerge(
            tx, athlete_id, Source.STRAVA, [str(activity_id)], settings.merge
        )
        tx.athlete(athlete_id).pending.done(Source.STRAVA, str(activity_id), pending_kind)
    return deleted > 0
