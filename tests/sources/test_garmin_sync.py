"""Garmin sync through garminconnect 0.3.2 against a fake Garmin Connect (HTTP layer only)."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from syncsvc.config import GarminSettings, Settings
from syncsvc.domain import Athlete, Source
from syncsvc.errors import AuthError, RateLimited
from syncsvc.sources.garmin import load_tokens, parse_tokens, read_tokens
from syncsvc.sources.sync import sync_garmin
from syncsvc.store.database import Store
from syncsvc.testing.history import HistorySpec, generate_history
from syncsvc.testing.shapes import garmin_activities
from tests.sources.fakes import FakeGarmin, fake_jwt, garmin_tokens


def history(weeks: int, **spec: object) -> list[dict]:
    runs = generate_history(HistorySpec(weeks=weeks, end=date(2026, 11, 22), **spec))  # type: ignore[arg-type]
    return garmin_activities(runs)


def stored_ids(store: Store, athlete: Athlete) -> set[str]:
    with store.read() as tx:
        return tx.athlete(athlete.id).activities.source_ids(Source.GARMIN)


def small_pages(settings: Settings, page: int, incremental: int) -> Settings:
    garmin = GarminSettings(page_size=page, incremental_page_size=incremental, retry_wait_s=0.0)
    return settings.model_copy(update={"garmin": garmin})


def test_first_backfill_costs_one_request_per_1000_activities_plus_one(
    store: Store, settings: Settings, athlete: Athlete, garmin: FakeGarmin
) -> None:
    garmin.activities = history(weeks=8)
    count = len(garmin.activities)
    tight = small_pages(settings, page=10, incremental=5)

    outcome = sync_garmin(store, tight, athlete)

    assert outcome.error is None
    assert outcome.summary.new == count
    assert outcome.summary.requests <= math.ceil(count / 10) + 1
    assert len(stored_ids(store, athlete)) == count


def test_backfill_uses_pages_of_1000(
    store: Store, settings: Settings, athlete: Athlete, garmin: FakeGarmin
) -> None:
    garmin.activities = history(weeks=3)

    outcome = sync_garmin(store, settings, athlete)

    assert outcome.summary.requests == 1
    assert "limit=1000" in garmin.calls[0]
    assert "start=0" in garmin.calls[0]


def test_incremental_sync_with_nothing_new_costs_exactly_one_request(
    store: Store, settings: Settings, athlete: Athlete, garmin: FakeGarmin
) -> None:
    garmin.activities = history(weeks=8)
    tight = small_pages(settings, page=10, incremental=5)
    sync_garmin(store, tight, athlete)
    garmin.calls.clear()

    outcome = sync_garmin(store, tight, athlete)

    assert outcome.summary.requests == 1
    assert outcome.summary.new == 0
    assert "limit=5" in garmin.calls[0]


def test_incremental_sync_pages_until_it_reaches_the_cursor(
    store: Store, settings: Settings, athlete: Athlete, garmin: FakeGarmin
) -> None:
    activities = history(weeks=8)  # newest first
    garmin.activities = activities[7:]
    tight = small_pages(settings, page=10, incremental=5)
    sync_garmin(store, tight, athlete)

    garmin.activities = activities
    outcome = sync_garmin(store, tight, athlete)

    assert outcome.summary.new == 7
    assert outcome.summary.requests == 2
    assert len(stored_ids(store, athlete)) == len(activities)


def test_a_garmin_401_refreshes_through_requests_and_stores_the_new_tokens_encrypted(
    store: Store, settings: Settings, athlete: Athlete, garmin: FakeGarmin, tmp_path: Path
) -> None:
    garmin.activities = history(weeks=2)
    garmin.valid_tokens = set()  # the server no longer accepts the stored access token

    outcome = sync_garmin(store, settings, athlete)

    assert outcome.error is None
    assert outcome.summary.new == len(garmin.activities)
    assert any("diauth" in call for call in garmin.calls)
    tokens = json.loads(load_tokens(store, athlete.id))
    assert tokens["di_token"] == fake_jwt("two")
    assert tokens["di_refresh_token"] == "garmin-refresh-two"
    with store.read() as tx:
        row = tx.orm.execute(
            text("SELECT secret_enc FROM credentials WHERE provider='garmin'")
        ).scalar_one()
    assert b"garmin-refresh-two" not in row


def test_an_expired_garmin_session_stops_with_a_reauth_message_and_never_logs_in(
    store: Store, settings: Settings, athlete: Athlete, garmin: FakeGarmin
) -> None:
    garmin.activities = history(weeks=2)
    garmin.valid_tokens = set()
    garmin.refresh_works = False

    outcome = sync_garmin(store, settings, athlete)

    assert isinstance(outcome.error, AuthError)
    assert "run syncsvc auth garmin" in outcome.summary.stopped
    assert not any("sso.garmin" in call for call in garmin.calls)
    assert (
        sum("activitylist" in call for call in garmin.calls) == 2
    )  # the call, one retry after refresh
    with store.read() as tx:
        info = tx.athlete(athlete.id).credentials.info("garmin")
    assert info is not None
    assert info.status == "expired"

    again = sync_garmin(store, settings, athlete)
    assert isinstance(again.error, AuthError)
    assert not any("sso.garmin" in call for call in garmin.calls)


def test_a_garmin_429_is_a_rate_limit_not_an_expired_session(
    store: Store, settings: Settings, athlete: Athlete, garmin: FakeGarmin
) -> None:
    garmin.activities = history(weeks=2)
    garmin.fail_next(429, {"message": "Too Many Requests"})

    outcome = sync_garmin(store, settings, athlete)

    assert isinstance(outcome.error, RateLimited)
    assert not any("diauth" in call for call in garmin.calls)
    with store.read() as tx:
        info = tx.athlete(athlete.id).credentials.info("garmin")
    assert info is not None
    assert info.status == "ok"


def test_a_garmin_500_is_retried(
    store: Store, settings: Settings, athlete: Athlete, garmin: FakeGarmin
) -> None:
    garmin.activities = history(weeks=2)
    garmin.fail_next(500, {"message": "oops"})

    outcome = sync_garmin(store, settings, athlete)

    assert outcome.error is None
    assert outcome.summary.requests == 2
    assert outcome.summary.new == len(garmin.activities)


def test_no_token_file_is_ever_written(
    store: Store,
    settings: Settings,
    athlete: Athlete,
    garmin: FakeGarmin,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    garmin.activities = history(weeks=1)
    garmin.valid_tokens = set()

    sync_garmin(store, settings, athlete)

    written = [path for path in tmp_path.rglob("*") if "garmin_tokens" in path.name]
    assert written == []


def test_a_garmin_run_keeps_its_local_offset_and_day(
    store: Store, settings: Settings, athlete: Athlete, garmin: FakeGarmin
) -> None:
    item = history(weeks=1)[0]
    item.update(
        {
            "activityId": 77,
            "startTimeGMT": "2026-11-21 04:30:00",
            "startTimeLocal": "2026-11-20 22:30:00",
        }
    )
    garmin.activities = [item]

    sync_garmin(store, settings, athlete)

    with store.read() as tx:
        [activity] = tx.athlete(athlete.id).activities.merged()
    assert activity.utc_offset_s == -6 * 3600
    assert activity.local_date == date(2026, 11, 20)


def test_strength_training_is_stored_as_strength(
    store: Store, settings: Settings, athlete: Athlete, garmin: FakeGarmin
) -> None:
    garmin.activities = history(weeks=2, strength_every_days=3)

    sync_garmin(store, settings, athlete)

    with store.read() as tx:
        sports = {a.sport_raw: a.sport.value for a in tx.athlete(athlete.id).activities.merged()}
    assert sports["strength_training"] == "strength"


def test_sync_full_removes_activities_deleted_on_garmin(
    store: Store, settings: Settings, athlete: Athlete, garmin: FakeGarmin
) -> None:
    garmin.activities = history(weeks=2)
    sync_garmin(store, settings, athlete)
    gone = garmin.activities.pop(2)

    outcome = sync_garmin(store, settings, athlete, full=True)

    assert outcome.summary.deleted == 1
    assert str(gone["activityId"]) not in stored_ids(store, athlete)


def test_imported_tokens_are_read_from_a_folder_a_file_or_json(tmp_path: Path) -> None:
    tokens = json.dumps({"di_token": fake_jwt("x"), "di_refresh_token": "r", "di_client_id": "c"})
    folder = tmp_path / "garminconnect"
    folder.mkdir()
    (folder / "garmin_tokens.json").write_text(tokens)

    assert read_tokens(str(folder)) == parse_tokens(tokens)
    assert read_tokens(str(folder / "garmin_tokens.json")) == parse_tokens(tokens)
    assert read_tokens(tokens) == parse_tokens(tokens)


def test_old_garth_token_folders_are_refused_with_a_clear_message(tmp_path: Path) -> None:
    (tmp_path / "oauth1_token.json").write_text("{}")
    (tmp_path / "oauth2_token.json").write_text("{}")

    with pytest.raises(AuthError, match="older garminconnect"):
        read_tokens(str(tmp_path))


def test_garmintokens_are_taken_in_on_first_use_and_stored_encrypted(
    store: Store, settings: Settings, athlete: Athlete, garmin: FakeGarmin, tmp_path: Path
) -> None:
    with store.write() as tx:
        tx.athlete(athlete.id).credentials.remove("garmin")
    folder = tmp_path / ".garminconnect"
    folder.mkdir()
    (folder / "garmin_tokens.json").write_text(garmin_tokens("one"))
    garmin.activities = history(weeks=1)
    with_env = settings.model_copy(
        update={"garmin": GarminSettings(tokens=str(folder), retry_wait_s=0.0)}
    )

    outcome = sync_garmin(store, with_env, athlete)

    assert outcome.error is None
    assert json.loads(load_tokens(store, athlete.id))["di_refresh_token"] == "garmin-refresh-one"
