"""Tokens never reach a log, even at debug level, through a refresh of either service."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from syncsvc.config import Settings
from syncsvc.domain import Athlete
from syncsvc.sources.sync import sync_garmin, sync_strava
from syncsvc.store.database import Store
from syncsvc.testing.history import HistorySpec, generate_history
from syncsvc.testing.shapes import garmin_activities, strava_activities
from tests.sources.conftest import NOW
from tests.sources.fakes import FakeGarmin, FakeStrava, fake_jwt


def test_token_refreshes_log_no_token(
    store: Store,
    settings: Settings,
    athlete: Athlete,
    strava: FakeStrava,
    garmin: FakeGarmin,
    caplog: pytest.LogCaptureFixture,
) -> None:
    runs = generate_history(HistorySpec(weeks=1, end=date(2026, 11, 22)))
    strava.activities = strava_activities(runs)
    garmin.activities = garmin_activities(runs)
    with store.write() as tx:
        tx.athlete(athlete.id).credentials.save(
            "strava",
            {
                "access_token": "access-1",
                "refresh_token": "refresh-1",
                "expires_at": int(NOW.timestamp()),
            },
        )
    garmin.valid_tokens = set()
    logging.getLogger("garminconnect").setLevel(logging.NOTSET)  # a quiet earlier test left it

    with caplog.at_level(logging.DEBUG):
        assert sync_strava(store, settings, athlete).error is None
        assert sync_garmin(store, settings, athlete).error is None

    logged = caplog.text + repr([record.__dict__ for record in caplog.records])
    for secret in (
        "refresh-1",
        "refresh-2",
        "access-2",
        "s3cret",
        "garmin-refresh-one",
        "garmin-refresh-two",
        fake_jwt("one"),
        fake_jwt("two"),
    ):
        assert secret not in logged
