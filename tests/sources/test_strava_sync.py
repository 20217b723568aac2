"""Strava sync against a fake Strava at the HTTP layer: paging, cursor, limits, tokens."""

from __future__ import annotations

import math
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from syncsvc import clock
from syncsvc.config import Settings
from syncsvc.domain import Athlete, Source
from syncsvc.errors import AuthError, RateLimited, SourceError
from syncsvc.sources.ingest import store_page
from syncsvc.sources.normalise_strava import strava_id_of, strava_record
from syncsvc.sources.strava_auth import make_client
from syncsvc.sources.sync import sync_strava
from syncsvc.store.database import Store
from syncsvc.testing.history import HistorySpec, generate_history
from syncsvc.testing.shapes import strava_activities
from tests.sources.conftest import NOW
from tests.sources.fakes import STRAVA_401_BODY, STRAVA_429_BODY, FakeStrava


def history(weeks: int) -> list[dict]:
    runs = generate_history(
        HistorySpec(
            weeks=weeks, end=date(2026, 11, 22), both_sources_share=0.0, strava_only_share=1.0
        )
    )
    return strava_activities(runs)


def stored_ids(store: Store, athlete: Athlete) -> set[str]:
    with store.read() as tx:
        return tx.athlete(athlete.id).activities.source_ids(Source.STRAVA)


def test_first_backfill_costs_one_list_request_per_200_activities(
    store: Store, settings: Settings, athlete: Athlete, strava: FakeStrava
) -> None:
    strava.activities = history(weeks=75)  # a little over 400 runs
    count = len(strava.activities)
    assert count % 200 != 0

    outcome = sync_strava(store, settings, athlete)

    assert outcome.error is None
    assert outcome.summary.fetched == outcome.summary.new == count
    assert outcome.summary.requests == math.ceil(count / 200)
    assert len(stored_ids(store, athlete)) == count
    assert all("after=" not in call and "per_page=200" in call for call in strava.list_calls())
    with store.read() as tx:
        cursor = tx.athlete(athlete.id).cursors.get(Source.STRAVA)
    assert cursor.newest_start_utc == max(
        clock.parse_instant(a["start_date"]) for a in strava.activities
    )


def test_the_first_backfill_reads_the_newest_weeks_first(
    store: Store, settings: Settings, athlete: Athlete, strava: FakeStrava
) -> None:
    strava.activities = history(weeks=75)
    newest_first = sorted(strava.activities, key=lambda a: a["start_date"], reverse=True)
    strava.fail_call("list", 2, 500, {"message": "boom"})
    settings = settings.model_copy(
        update={"strava": settings.strava.model_copy(update={"retries": 0})}
    )

    stopped = sync_strava(store, settings, athlete)

    assert stopped.error is not None
    assert stored_ids(store, athlete) == {str(a["id"]) for a in newest_first[:200]}
    with store.read() as tx:
        assert tx.athlete(athlete.id).cursors.get(Source.STRAVA).newest_start_utc is None
    strava.calls.clear()

    resumed = sync_strava(store, settings, athlete)

    assert resumed.error is None
    assert len(stored_ids(store, athlete)) == len(strava.activities)
    oldest_stored = clock.parse_instant(newest_first[199]["start_date"])
    assert f"before={int(oldest_stored.timestamp()) + 1}" in strava.list_calls()[0]


def test_incremental_sync_with_nothing_new_costs_exactly_one_request(
    store: Store, settings: Settings, athlete: Athlete, strava: FakeStrava
) -> None:
    strava.activities = history(weeks=4)
    sync_strava(store, settings, athlete)
    strava.calls.clear()

    outcome = sync_strava(store, settings, athlete)

    assert outcome.summary.requests == 1
    assert outcome.summary.new == 0
    newest = max(a["start_date"] for a in strava.activities)
    assert str(int(clock.parse_instant(newest).timestamp()) - 3600) in strava.list_calls()[0]


def test_incremental_sync_fetches_only_the_new_activity(
    store: Store, settings: Settings, athlete: Athlete, strava: FakeStrava
) -> None:
    activities = history(weeks=4)
    strava.activities = activities[:-1]
    sync_strava(store, settings, athlete)

    strava.activities = activities
    outcome = sync_strava(store, settings, athlete)

    assert outcome.summary.new == 1
    assert outcome.summary.requests == 1
    assert str(activities[-1]["id"]) in stored_ids(store, athlete)


def test_a_429_mid_backfill_keeps_committed_pages_and_the_next_sync_resumes(
    store: Store, settings: Settings, athlete: Athlete, strava: FakeStrava
) -> None:
    strava.activities = history(weeks=75)
    count = len(strava.activities)
    limited = {
        "X-Readratelimit-Limit": "100,1000",
        "X-Readratelimit-Usage": "101,512",
        "X-Ratelimit-Limit": "200,2000",
        "X-Ratelimit-Usage": "101,512",
    }
    strava.fail_call("list", 2, 429, STRAVA_429_BODY, limited)

    outcome = sync_strava(store, settings, athlete)

    assert isinstance(outcome.error, RateLimited)
    assert "429" in outcome.summary.stopped
    assert outcome.summary.new == 200
    assert outcome.summary.requests == 2
    assert len(stored_ids(store, athlete)) == 200
    with store.read() as tx:
        budget = tx.shared.strava_budget(NOW, limit_15min=100, limit_day=1000)
        cursor = tx.athlete(athlete.id).cursors.get(Source.STRAVA)
    assert (budget.used_15min, budget.used_day) == (101, 512)
    assert cursor.newest_start_utc is None  # the backfill is not finished: it resumes

    clock.set_now(NOW + timedelta(minutes=15))
    resumed = sync_strava(store, settings, athlete)

    assert resumed.error is None
    assert len(stored_ids(store, athlete)) == count
    assert resumed.summary.new == count - 200


def test_sync_stops_without_a_request_when_the_shared_budget_is_spent(
    store: Store, settings: Settings, athlete: Athlete, strava: FakeStrava
) -> None:
    strava.activities = history(weeks=2)
    with store.write() as tx:
        tx.shared.correct_strava(NOW, used_15min=96, used_day=300, limit_15min=100, limit_day=1000)

    outcome = sync_strava(store, settings, athlete)

    assert isinstance(outcome.error, RateLimited)
    assert outcome.summary.requests == 0
    assert "10:15" in outcome.summary.stopped


def test_a_500_is_retried_and_then_succeeds(
    store: Store, settings: Settings, athlete: Athlete, strava: FakeStrava
) -> None:
    strava.activities = history(weeks=2)
    strava.fail_next("list", 500, {"message": "Internal Server Error"})

    outcome = sync_strava(store, settings, athlete)

    assert outcome.error is None
    assert outcome.summary.requests == 2
    assert outcome.summary.new == len(strava.activities)


def test_5xx_retries_are_bounded(
    store: Store, settings: Settings, athlete: Athlete, strava: FakeStrava
) -> None:
    strava.activities = history(weeks=2)
    for _ in range(10):
        strava.fail_next("list", 503, {"message": "Service Unavailable"})

    outcome = sync_strava(store, settings, athlete)

    assert isinstance(outcome.error, SourceError)
    assert outcome.summary.requests == settings.strava.retries + 1
    assert stored_ids(store, athlete) == set()


def test_an_expiring_token_is_refreshed_first_and_the_new_refresh_token_stored(
    store: Store, settings: Settings, athlete: Athlete, strava: FakeStrava
) -> None:
    strava.activities = history(weeks=1)
    with store.write() as tx:
        tx.athlete(athlete.id).credentials.save(
            "strava",
            {
                "access_token": "access-1",
                "refresh_token": "refresh-1",
                "expires_at": int(NOW.timestamp()) + 120,
            },
        )
    strava.valid_tokens = set()  # the old access token no longer works

    outcome = sync_strava(store, settings, athlete)

    assert outcome.error is None
    assert outcome.summary.new == len(strava.activities)
    assert any("oauth/token" in call for call in strava.calls)
    with store.read() as tx:
        payload = tx.athlete(athlete.id).credentials.load("strava")
    assert payload is not None
    assert payload["refresh_token"] == "refresh-2"
    assert payload["access_token"] == "access-2"


def test_a_revoked_token_stops_with_a_clear_reauth_message(
    store: Store, settings: Settings, athlete: Athlete, strava: FakeStrava
) -> None:
    strava.activities = history(weeks=1)
    strava.fail_next("list", 401, STRAVA_401_BODY)
    strava.fail_next("list", 401, STRAVA_401_BODY)

    outcome = sync_strava(store, settings, athlete)

    assert isinstance(outcome.error, AuthError)
    assert "syncsvc auth strava" in outcome.error.one_line()
    assert any("oauth/token" in call for call in strava.calls)
    with store.read() as tx:
        info = tx.athlete(athlete.id).credentials.info("strava")
    assert info is not None
    assert info.status == "revoked"


def test_a_refresh_token_strava_refuses_stops_with_a_reauth_message(
    store: Store, settings: Settings, athlete: Athlete, strava: FakeStrava
) -> None:
    with store.write() as tx:
        tx.athlete(athlete.id).credentials.save(
            "strava", {"access_token": "a", "refresh_token": "gone", "expires_at": 0}
        )

    outcome = sync_strava(store, settings, athlete)

    assert isinstance(outcome.error, AuthError)
    assert "run syncsvc auth strava" in outcome.summary.stopped
    assert strava.list_calls() == []


def test_malformed_records_are_kept_raw_reported_and_skipped(
    store: Store, settings: Settings, athlete: Athlete, strava: FakeStrava
) -> None:
    good = history(weeks=1)
    broken_sport = {**good[0], "id": 1, "sport_type": "Quidditch", "type": "Quidditch"}
    no_start = {key: value for key, value in good[1].items() if key != "start_date"}
    no_start["id"] = 2
    strava.activities = good
    strava.extra_on_first_page = [broken_sport, no_start]

    outcome = sync_strava(store, settings, athlete)

    assert outcome.error is None
    assert outcome.summary.skipped == 2
    assert outcome.summary.new == len(good)
    assert any("Quidditch" in problem for problem in outcome.summary.problems)
    assert any("missing start_date" in problem for problem in outcome.summary.problems)
    with store.read() as tx:
        repository = tx.athlete(athlete.id).activities
        skipped = {record.source_id: record.problem for record in repository.skipped()}
        raw = repository.orm.execute(
            text("SELECT raw_json FROM skipped_records WHERE source_id = '1'")
        ).scalar_one()
    assert set(skipped) == {"1", "2"}
    assert '"Quidditch"' in raw


def test_a_run_in_another_time_zone_keeps_its_own_local_day(
    store: Store, settings: Settings, athlete: Athlete, strava: FakeStrava
) -> None:
    # 23:30 in New York on 20 November is already 21 November in Berlin (the athlete's zone).
    run = {
        **history(weeks=1)[0],
        "id": 555,
        "start_date": "2026-11-21T04:30:00Z",
        "start_date_local": "2026-11-20T23:30:00Z",
        "utc_offset": -18000.0,
        "timezone": "(GMT-05:00) America/New_York",
    }
    strava.activities = [run]

    sync_strava(store, settings, athlete)

    with store.read() as tx:
        [activity] = tx.athlete(athlete.id).activities.merged()
    assert activity.timezone == "America/New_York"
    assert activity.utc_offset_s == -18000
    assert activity.local_date == date(2026, 11, 20)


def test_a_run_crossing_midnight_counts_on_the_day_it_started(
    store: Store, settings: Settings, athlete: Athlete, strava: FakeStrava
) -> None:
    run = {
        **history(weeks=1)[0],
        "id": 556,
        "start_date": "2026-11-20T22:40:00Z",
        "start_date_local": "2026-11-20T23:40:00Z",
        "utc_offset": 3600.0,
        "timezone": "(GMT+01:00) Europe/Berlin",
        "elapsed_time": 3000,
        "moving_time": 2950,
    }
    strava.activities = [run]

    sync_strava(store, settings, athlete)

    with store.read() as tx:
        [activity] = tx.athlete(athlete.id).activities.merged()
    assert activity.local_date == date(2026, 11, 20)
    assert (activity.start_local + timedelta(seconds=activity.elapsed_s or 0)).date() == date(
        2026, 11, 21
    )


def test_sync_full_removes_activities_deleted_on_strava(
    store: Store, settings: Settings, athlete: Athlete, strava: FakeStrava
) -> None:
    strava.activities = history(weeks=2)
    sync_strava(store, settings, athlete)
    deleted = strava.activities.pop(3)

    incremental = sync_strava(store, settings, athlete)
    assert incremental.summary.deleted == 0
    assert str(deleted["id"]) in stored_ids(store, athlete)

    full = sync_strava(store, settings, athlete, full=True)

    assert full.summary.deleted == 1
    assert str(deleted["id"]) not in stored_ids(store, athlete)
    with store.read() as tx:
        cursor = tx.athlete(athlete.id).cursors.get(Source.STRAVA)
    assert cursor.full_sync_at == NOW


def test_no_request_ever_sleeps_for_the_rate_limit(
    store: Store,
    settings: Settings,
    athlete: Athlete,
    strava: FakeStrava,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"slept {seconds} s")

    monkeypatch.setattr(time, "sleep", no_sleep)
    strava.activities = history(weeks=2)
    exhausted = {"X-Readratelimit-Limit": "100,1000", "X-Readratelimit-Usage": "100,400"}
    strava.fail_call("list", 1, 429, STRAVA_429_BODY, exhausted)

    outcome = sync_strava(store, settings, athlete)

    assert isinstance(outcome.error, RateLimited)


def test_stravalib_never_refreshes_by_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRAVA_CLIENT_ID", "12345")
    monkeypatch.setenv("STRAVA_CLIENT_SECRET", "s3cret")

    client = make_client("token", None)

    assert client.protocol.client_id is None
    assert client.protocol.refresh_token is None
    assert client.protocol.rate_limiter is not None


def test_a_first_backfill_starts_from_now_even_with_strava_records_stored_without_a_cursor(
    store: Store, settings: Settings, athlete: Athlete, strava: FakeStrava
) -> None:
    strava.activities = history(weeks=6)
    oldest_first = sorted(strava.activities, key=lambda a: a["start_date"])
    store_page(  # as the demo stores its bundled history: records, no Strava cursor
        store,
        athlete.id,
        Source.STRAVA,
        oldest_first[:3],
        strava_record,
        strava_id_of,
        settings.merge,
    )

    outcome = sync_strava(store, settings, athlete)

    assert outcome.error is None
    assert "before=" not in strava.list_calls()[0]
    assert len(stored_ids(store, athlete)) == len(strava.activities)
