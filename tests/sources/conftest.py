"""Fixtures of the sync tests: a store with one athlete, settings, the clock, the fakes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import responses

from syncsvc import clock
from syncsvc.config import GarminSettings, Settings, StravaSettings
from syncsvc.domain import Athlete, Profile
from syncsvc.sources.garmin import save_tokens
from syncsvc.store.database import Store
from syncsvc.testing.stores import add_athlete, open_store
from tests.sources.fakes import FakeGarmin, FakeStrava, garmin_tokens

NOW = datetime(2026, 11, 23, 10, 7, tzinfo=UTC)
FIXTURES = Path(__file__).with_name("fixtures")


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[datetime]:
    clock.set_now(NOW)
    yield NOW
    clock.set_now(None)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        home=tmp_path / "home",
        strava=StravaSettings(client_id="12345", client_secret="s3cret", retry_wait_s=0.0),
        garmin=GarminSettings(retry_wait_s=0.0),
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite+pysqlite:///{tmp_path / 'store.db'}")
    yield opened
    opened.close()


@pytest.fixture
def athlete(store: Store) -> Athlete:
    return add_athlete(store, "ana", Profile(timezone="Europe/Berlin", hr_rest=50, hr_max=190))


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def strava(http: responses.RequestsMock, store: Store, athlete: Athlete) -> FakeStrava:
    """A fake Strava with the athlete connected (a token valid for hours)."""
    fake = FakeStrava(http)
    with store.write() as tx:
        tx.athlete(athlete.id).credentials.save(
            "strava",
            {
                "access_token": "access-1",
                "refresh_token": "refresh-1",
                "expires_at": int(NOW.timestamp()) + 6 * 3600,
            },
            provider_user_id="26462176",
            scope="read,activity:read_all",
        )
    return fake


@pytest.fixture
def garmin(
    http: responses.RequestsMock, store: Store, athlete: Athlete, monkeypatch: pytest.MonkeyPatch
) -> FakeGarmin:
    """A fake Garmin with fake non-expired tokens stored, so no login ever goes out.

    garminconnect refreshes through curl_cffi when installed, which `responses`
    cannot see; HAS_CFFI off makes it refresh through `requests`.
    """
    import garminconnect.client

    monkeypatch.setattr(garminconnect.client, "HAS_CFFI", False)
    fake = FakeGarmin(http)
    save_tokens(store, athlete.id, garmin_tokens("one"), provider_user_id="2591602")
    return fake
