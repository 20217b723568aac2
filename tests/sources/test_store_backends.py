"""The sync's store work reads the same on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import responses

from syncsvc.config import Settings
from syncsvc.domain import Profile, Source
from syncsvc.sources.garmin import save_tokens
from syncsvc.sources.sync import sync_athlete
from syncsvc.store.database import Store
from syncsvc.testing.stores import add_athlete, open_store
from tests.sources.conftest import FIXTURES, NOW
from tests.sources.fakes import FakeGarmin, FakeStrava, garmin_tokens


@pytest.fixture
def any_store(store_url: str) -> Iterator[Store]:
    opened = open_store(store_url)
    yield opened
    opened.close()


def test_merge_then_full_sync_deletion_on_every_backend(
    any_store: Store,
    settings: Settings,
    http: responses.RequestsMock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import garminconnect.client

    monkeypatch.setattr(garminconnect.client, "HAS_CFFI", False)
    athlete = add_athlete(any_store, "ana", Profile(timezone="Europe/Berlin"))
    strava = FakeStrava(http, json.loads((FIXTURES / "strava_summary_page.json").read_text()))
    FakeGarmin(http, json.loads((FIXTURES / "garmin_activity_list.json").read_text()))
    with any_store.write() as tx:
        tx.athlete(athlete.id).credentials.save(
            "strava",
            {
                "access_token": "access-1",
                "refresh_token": "refresh-1",
                "expires_at": int(NOW.timestamp()) + 3600,
            },
        )
    save_tokens(any_store, athlete.id, garmin_tokens("one"))

    outcomes = sync_athlete(any_store, settings, athlete)
    assert [o.error for o in outcomes] == [None, None]
    again = sync_athlete(any_store, settings, athlete)
    assert [(o.summary.new, o.summary.updated) for o in again] == [(0, 0), (0, 0)]

    strava.activities = strava.activities[1:]
    sync_athlete(any_store, settings, athlete, sources=[Source.STRAVA], full=True)

    with any_store.read() as tx:
        merged = {a.source_id: a.sources for a in tx.athlete(athlete.id).activities.merged()}
    assert merged == {
        "21000000001": (Source.GARMIN,),
        "21000000002": (Source.GARMIN, Source.STRAVA),
        "21000000003": (Source.GARMIN, Source.STRAVA),
    }
