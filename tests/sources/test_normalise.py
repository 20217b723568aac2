"""Normalising Strava and Garmin JSON, and reading Strava's rate-limit headers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from syncsvc.domain import Source, Sport
from syncsvc.sources.normalise_garmin import garmin_activity
from syncsvc.sources.normalise_strava import strava_activity
from syncsvc.sources.ratelimit import parse_rate_headers
from syncsvc.sources.records import MalformedRecord
from tests.sources.conftest import FIXTURES


def strava_page() -> list[dict]:
    return json.loads((FIXTURES / "strava_summary_page.json").read_text())


def garmin_page() -> list[dict]:
    return json.loads((FIXTURES / "garmin_activity_list.json").read_text())


def test_our_strava_fixtures_validate_as_stravalib_summary_activities() -> None:
    from stravalib.model import SummaryActivity

    for raw in strava_page():
        model = SummaryActivity.model_validate(raw)
        assert model.id == raw["id"]


def test_strava_start_date_local_is_local_wall_time_despite_its_z() -> None:
    run = strava_activity(strava_page()[0])

    assert run.start_utc == datetime(2026, 7, 12, 5, 2, 11, tzinfo=UTC)
    assert run.utc_offset_s == 7200
    assert run.start_local == datetime(2026, 7, 12, 7, 2, 11)
    assert run.timezone == "Europe/Berlin"


def test_strava_fields_map_to_the_activity() -> None:
    run, strength, race = (strava_activity(raw) for raw in strava_page())

    assert (run.source, run.source_id, run.sport, run.avg_hr) == (
        Source.STRAVA,
        "12000000001",
        Sport.RUN,
        148.3,
    )
    assert run.external_id == "garmin_ping_21000000001"
    assert run.suffer_score == 61.0
    assert strength.sport is Sport.STRENGTH
    assert strength.avg_hr is None
    assert strength.private
    assert race.sport is Sport.RUN
    assert race.sport_raw == "TrailRun"
    assert race.is_race
    assert race.timezone == "America/New_York"
    assert race.utc_offset_s == -4 * 3600
    assert race.local_date == date(2026, 7, 19)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"sport_type": "Quidditch", "type": "Quidditch"}, "unknown Strava sport"),
        ({"start_date": None}, "missing start_date"),
        ({"distance": "abc"}, "bad distance"),
        ({"moving_time": None, "elapsed_time": None}, "missing moving_time"),
        ({"id": None}, "missing id"),
    ],
)
def test_malformed_strava_records_say_what_is_wrong(change: dict, problem: str) -> None:
    with pytest.raises(MalformedRecord, match=problem):
        strava_activity({**strava_page()[0], **change})


def test_garmin_local_offset_comes_from_its_local_and_gmt_times() -> None:
    race, strength, run = (garmin_activity(raw) for raw in garmin_page())

    assert race.utc_offset_s == -4 * 3600
    assert race.local_date == date(2026, 7, 19)
    assert race.is_race
    assert race.device_load == 301.2
    assert strength.sport is Sport.STRENGTH
    assert strength.moving_s == 1615.2
    assert run.utc_offset_s == 7200
    assert run.avg_hr == 148.0
    assert run.private


def test_garmin_elapsed_in_milliseconds_is_read_as_seconds() -> None:
    raw = {**garmin_page()[2], "elapsedDuration": 3190400.0}

    assert garmin_activity(raw).elapsed_s == pytest.approx(3190.4)


def test_an_unknown_garmin_type_is_malformed() -> None:
    raw = {**garmin_page()[2], "activityType": {"typeKey": "zorbing"}}

    with pytest.raises(MalformedRecord, match="zorbing"):
        garmin_activity(raw)


def test_rate_limit_headers_are_read_whatever_their_capitalisation() -> None:
    as_sent = {
        "X-Readratelimit-Limit": "100,1000",
        "X-Readratelimit-Usage": "8,151",
        "X-Ratelimit-Limit": "200,2000",
        "X-Ratelimit-Usage": "9,160",
    }
    lowered = {key.lower(): value for key, value in as_sent.items()}

    for headers in (as_sent, lowered):
        usage = parse_rate_headers(headers)
        assert usage is not None
        assert (usage.used_15min, usage.used_day, usage.limit_15min, usage.limit_day) == (
            8,
            151,
            100,
            1000,
        )
    overall = parse_rate_headers(as_sent, read=False)
    assert overall is not None
    assert overall.used_day == 160


def test_old_responses_without_read_limits_fall_back_to_the_overall_ones() -> None:
    usage = parse_rate_headers({"x-ratelimit-limit": "600,30000", "x-ratelimit-usage": "4,67"})

    assert usage is not None
    assert (usage.used_15min, usage.limit_day) == (4, 30000)
    assert parse_rate_headers({"content-type": "application/json"}) is None
