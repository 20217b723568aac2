"""Fast pins of the bugs the slow fault tests found (these run in the default suite)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import responses

from syncsvc import clock
from syncsvc.config import GarminSettings, Settings, StravaSettings
from syncsvc.domain import Profile, Source
from syncsvc.server.webhook import parse_event
from syncsvc.sources.garmin import save_tokens
from syncsvc.sources.sync import sync_athlete
from syncsvc.testing.history import HistorySpec, generate_history
from syncsvc.testing.shapes import garmin_activities, strava_activities
from syncsvc.testing.stores import add_athlete, open_store
from tests.faults.faulty_apis import FaultyApis
from tests.sources.fakes import garmin_tokens

EVENT = {
    "object_type": "activity",
    "object_id": 16_000_000_001,
    "aspect_type": "create",
    "owner_id": 134815,
    "subscription_id": 120475,
    "event_time": 1_764_000_000,
}


@pytest.mark.parametrize(
    ("key", "value"),
    [("event_time", 2**63), ("object_id", 2**63), ("owner_id", -(2**64))],
)
def test_a_webhook_event_with_a_number_the_store_cannot_hold_is_malformed(
    key: str, value: int
) -> None:
    assert parse_event(json.dumps(EVENT).encode()) is not None
    assert parse_event(json.dumps({**EVENT, key: value}).encode()) is None


def test_a_webhook_event_after_2038_is_stored(store_url: str) -> None:
    event = parse_event(json.dumps({**EVENT, "event_time": 2**31 + 5}).encode())
    assert event is not None
    store = open_store(store_url)
    athlete = add_athlete(store, "ana")
    with store.write() as tx:
        events = tx.athlete(athlete.id).webhook_events
        assert events.record("activity", "1", "create", event.event_time, {}) is True
        assert events.record("activity", "1", "create", event.event_time, {}) is False


@pytest.mark.parametrize(("at", "message"), [(1, "HTTP 429"), (2, "malformed answer")])
def test_a_strava_fault_stops_strava_alone_with_a_clear_reason(
    tmp_path: Path, at: int, message: str
) -> None:
    clock.set_now(datetime(2026, 11, 23, 10, 7, tzinfo=UTC))
    runs = generate_history(HistorySpec(weeks=4, end=date(2026, 11, 22)))
    store = open_store(f"sqlite+pysqlite:///{tmp_path / 'store.db'}")
    athlete = add_athlete(store, "ana", Profile(timezone="Europe/Berlin"))
    with store.write() as tx:
        tx.athlete(athlete.id).credentials.save(
            "strava", {"access_token": "access-1", "refresh_token": "refresh-1", "expires_at": 0}
        )
    save_tokens(store, athlete.id, garmin_tokens("one"))
    settings = Settings(
        home=tmp_path,
        strava=StravaSettings(client_id="1", client_secret="s", retries=0, retry_wait_s=0.0),
        garmin=GarminSettings(retries=0, retry_wait_s=0.0),
    )
    fault = "429" if at == 1 else "malformed json"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        FaultyApis(mock, strava_activities(runs), garmin_activities(runs), at=at, fault=fault)
        outcomes = {o.summary.source: o for o in sync_athlete(store, settings, athlete)}
    store.close()
    assert message in outcomes[Source.STRAVA].summary.stopped
    assert outcomes[Source.GARMIN].error is None
    assert outcomes[Source.GARMIN].summary.new > 0
