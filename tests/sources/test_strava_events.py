"""What the webhook work calls: fetch one activity (or leave it pending), delete one."""

from __future__ import annotations

from datetime import date

from syncsvc.config import Settings
from syncsvc.domain import Athlete, Source
from syncsvc.sources.strava_activity import (
    FetchOutcome,
    delete_strava_activity,
    fetch_strava_activity,
)
from syncsvc.sources.strava_announcements import process_pending
from syncsvc.sources.sync import sync_strava
from syncsvc.store.database import Store
from syncsvc.testing.history import HistorySpec, generate_history
from syncsvc.testing.shapes import strava_activities
from tests.sources.conftest import NOW
from tests.sources.fakes import FakeStrava


def one_run() -> dict:
    runs = generate_history(
        HistorySpec(weeks=1, end=date(2026, 11, 22), strava_only_share=1.0, both_sources_share=0.0)
    )
    return strava_activities(runs)[0]


def test_a_webhook_fetch_stores_the_activity(
    store: Store, settings: Settings, athlete: Athlete, strava: FakeStrava
) -> None:
    run = one_run()
    strava.activities = [run]

    fetched = fetch_strava_activity(store, settings, athlete.id, run["id"])

    assert fetched.outcome is FetchOutcome.STORED
    assert fetched.page is not None
    assert fetched.page.new == 1
    with store.read() as tx:
        assert tx.athlete(athlete.id).activities.source_ids(Source.STRAVA) == {str(run["id"])}
    assert strava.calls[-1].endswith(f"/activities/{run['id']}")


def test_without_budget_the_fetch_is_queued_and_done_later(
    store: Store, settings: Settings, athlete: Athlete, strava: FakeStrava
) -> None:
    run = one_run()
    strava.activities = [run]
    with store.write() as tx:
        tx.shared.correct_strava(NOW, used_15min=100, used_day=100, limit_15min=100, limit_day=1000)

    fetched = fetch_strava_activity(store, settings, athlete.id, run["id"], priority=1)

    assert fetched.outcome is FetchOutcome.PENDING
    assert strava.calls == []
    with store.read() as tx:
        assert tx.athlete(athlete.id).pending.all(Source.STRAVA) == [
            (str(run["id"]), "activity", 1)
        ]

    with store.write() as tx:
        tx.shared.correct_strava(NOW, used_15min=10, used_day=100, limit_15min=100, limit_day=1000)
    work = process_pending(store, settings, athlete)

    assert (work.fetched, work.new, work.stopped) == (1, 1, "")
    with store.read() as tx:
        assert tx.athlete(athlete.id).pending.all(Source.STRAVA) == []
        assert tx.athlete(athlete.id).activities.source_ids(Source.STRAVA) == {str(run["id"])}


def test_the_webhook_reserve_is_open_to_webhook_fetches_but_not_to_syncs(
    store: Store, settings: Settings, athlete: Athlete, strava: FakeStrava
) -> None:
    run = one_run()
    strava.activities = [run]
    with store.write() as tx:
        tx.shared.correct_strava(NOW, used_15min=97, used_day=100, limit_15min=100, limit_day=1000)

    assert sync_strava(store, settings, athlete).error is not None
    fetched = fetch_strava_activity(store, settings, athlete.id, run["id"])
    assert fetched.outcome is FetchOutcome.STORED


def test_a_fetch_of_an_activity_gone_from_strava_removes_it(
    store: Store, settings: Settings, athlete: Athlete, strava: FakeStrava
) -> None:
    run = one_run()
    strava.activities = [run]
    fetch_strava_activity(store, settings, athlete.id, run["id"])
    strava.activities = []

    fetched = fetch_strava_activity(store, settings, athlete.id, run["id"])
    assert fetched.outcome is FetchOutcome.GONE
    with store.read() as tx:
        assert tx.athlete(athlete.id).activities.source_ids(Source.STRAVA) == set()


def test_deleting_an_unknown_activity_changes_nothing(
    store: Store, settings: Settings, athlete: Athlete
) -> None:
    assert delete_strava_activity(store, settings, athlete.id, 404) is False
