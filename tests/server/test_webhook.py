"""Strava's webhook in process: what is accepted, what is dropped, what a refresh then does."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from syncsvc import clock, routes
from syncsvc.domain import Source
from syncsvc.server.jobs import StoreStravaBudget
from syncsvc.server.metrics import ServiceMetrics
from syncsvc.server.periodic import Periodic
from syncsvc.store.schema import WebhookEventRow
from syncsvc.store.shared import QUARTER, window_end
from tests.server.harness import Harness, app_harness
from tests.server.service_builders import (
    STRAVA_API,
    STRAVA_OWNER_ID,
    VERIFY_TOKEN,
    Seeded,
    activity_reply,
    event,
    strava_json,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

NOW = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)
RUN_ID = 16_000_000_002


@pytest.fixture
def harness(served_any: tuple[Path, Seeded]) -> Iterator[Harness]:
    home, seeded = served_any
    with app_harness(home, seeded.athlete_id, now=NOW) as running:
        yield running


def hard_run(**changes: Any) -> dict[str, Any]:
    return strava_json(RUN_ID, datetime(2026, 11, 30, 7, 0), **changes)


DEAUTHORISATION = event(
    STRAVA_OWNER_ID, object_type="athlete", aspect_type="update", updates={"authorized": "false"}
)
STRAVA_TOKEN_URL = "https://www.strava.com/oauth/token"


def outcomes(harness: Harness) -> dict[str, int]:
    """What the webhook made of each event: the log's and /metrics' view, never the sender's."""
    counted: dict[str, int] = {}
    for metric in harness.metrics.webhook_events.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total") and sample.value:
                counted[sample.labels["outcome"]] = int(sample.value)
    return counted


def refuse_refresh(harness: Harness, status: int) -> None:
    harness.mock.add(
        "POST",
        STRAVA_TOKEN_URL,
        status=status,
        json={
            "message": "Bad Request",
            "errors": [{"resource": "RefreshToken", "field": "refresh_token", "code": "invalid"}],
        },
    )


def validation(token: str, **extra: str) -> dict[str, str]:
    return {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "c-42", **extra}


def test_validation_echoes_the_challenge_for_our_verify_token_only(harness: Harness) -> None:
    ok = harness.client.get("/webhooks/strava", params=validation(VERIFY_TOKEN))
    wrong = harness.client.get("/webhooks/strava", params=validation(VERIFY_TOKEN + "x"))
    not_subscribe = harness.client.get(
        "/webhooks/strava", params={"hub.verify_token": VERIFY_TOKEN, "hub.challenge": "c"}
    )

    assert (ok.status_code, ok.json()) == (200, {"hub.challenge": "c-42"})
    assert wrong.status_code == 403
    assert "c-42" not in wrong.text
    assert not_subscribe.status_code == 400


def test_the_same_event_delivered_three_times_fetches_and_refreshes_once(
    harness: Harness,
) -> None:
    harness.reply(activity_reply(hard_run()))

    answers = [harness.post(event(RUN_ID)) for _ in range(3)]
    ran = harness.run_due()

    assert answers == [(200, "accepted")] * 3
    assert outcomes(harness) == {"accepted": 1, "duplicate": 2}
    assert ran == 1
    assert harness.calls_to(f"/activities/{RUN_ID}") == 1
    assert str(RUN_ID) in harness.strava_ids()
    assert harness.webhook_rows() == 1
    assert harness.pending() == []
    assert harness.triggers().count("webhook") == 1


def test_a_create_then_title_updates_coalesce_into_one_refresh_reading_the_api(
    harness: Harness,
) -> None:
    harness.reply(activity_reply(hard_run(name="From the API")))
    burst = [
        event(RUN_ID),
        event(RUN_ID, aspect_type="update", event_time=1_764_000_010, updates={"title": "A"}),
        event(RUN_ID, aspect_type="update", event_time=1_764_000_020, updates={"title": "B"}),
    ]

    answers = [harness.post(body) for body in burst]
    waiting = harness.jobs.depth()
    ran = harness.run_due()

    assert answers == [(200, "accepted")] * 3
    assert (waiting, ran) == (1, 1)
    assert harness.calls_to(f"/activities/{RUN_ID}") == 1
    with harness.runtime.store.read() as tx:
        names = [
            r.activity.name
            for r in tx.athlete(harness.athlete_id).activities.records()
            if r.activity.source_id == str(RUN_ID)
        ]
    assert names == ["From the API"]  # the payload's title is never used


def test_nothing_runs_before_the_coalescing_delay(harness: Harness) -> None:
    harness.reply(activity_reply(hard_run()))
    harness.post(event(RUN_ID))

    assert harness.jobs.run_ready() == 0
    assert harness.run_due(harness.runtime.settings.service.webhook_coalesce_s) == 1


def test_an_event_for_an_unknown_athlete_stores_nothing(harness: Harness) -> None:
    answer = harness.post(event(RUN_ID, owner_id=999))

    assert answer == (200, "accepted")
    assert outcomes(harness) == {"unknown_athlete": 1}
    assert harness.webhook_rows() == 0
    assert harness.jobs.depth() == 0


def test_an_event_of_another_subscription_stores_nothing(harness: Harness) -> None:
    answer = harness.post(event(RUN_ID, subscription_id=1))

    assert answer == (200, "accepted")
    assert outcomes(harness) == {"other_subscription": 1}
    assert harness.webhook_rows() == 0
    assert harness.jobs.depth() == 0


def test_a_subscription_id_sent_as_a_string_is_ours(harness: Harness) -> None:
    harness.reply(activity_reply(hard_run()))

    assert harness.post(event(RUN_ID, subscription_id="120475")) == (200, "accepted")
    assert outcomes(harness) == {"accepted": 1}


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"object_type": "activity"}',
        b'{"aspect_type": "create", "event_time": 1, "object_id": "abc", "object_type": '
        b'"activity", "owner_id": 134815, "subscription_id": 120475}',
        b'{"aspect_type": "rename", "event_time": 1, "object_id": 5, "object_type": '
        b'"activity", "owner_id": 134815, "subscription_id": 120475}',
        b'{"aspect_type": "create", "event_time": 1, "object_id": 5, "object_type": '
        b'"segment", "owner_id": 134815, "subscription_id": 120475}',
        b"x" * 20_000,
    ],
)
def test_a_malformed_body_is_a_400_and_stores_nothing(harness: Harness, body: bytes) -> None:
    status, _ = harness.post_raw(body)

    assert status == (413 if len(body) > 16384 else 400)  # too large: refused unread
    assert harness.webhook_rows() == 0
    assert harness.pending() == []
    assert harness.jobs.depth() == 0


def test_a_delete_event_removes_the_record_only_when_strava_answers_404(
    harness: Harness,
) -> None:
    stored = sorted(harness.strava_ids())[0]
    assert stored in harness.strava_ids()
    harness.mock.add("GET", f"{STRAVA_API}/activities/{stored}", status=404, body="")

    harness.post(event(int(stored), aspect_type="delete"))
    harness.run_due()

    assert stored not in harness.strava_ids()
    assert harness.calls_to(f"/activities/{stored}") == 1
    assert harness.pending() == []


def test_a_forged_delete_event_deletes_nothing_when_strava_still_has_the_activity(
    harness: Harness, served_any: tuple[Path, Seeded]
) -> None:
    _, seeded = served_any
    harness.reply(activity_reply(hard_run()))
    harness.post(event(RUN_ID))
    harness.run_due()
    assert str(RUN_ID) in harness.strava_ids()
    records_before = harness.strava_ids()

    answer = harness.post(event(RUN_ID, aspect_type="delete", event_time=1_764_000_500))
    harness.run_due()

    assert answer == (200, "accepted")
    assert harness.calls_to(f"/activities/{RUN_ID}") == 2
    assert harness.strava_ids() == records_before
    assert harness.pending() == []
    assert harness.client.get(f"/feeds/{seeded.feed_token}.ics").status_code == 200


def test_a_delete_event_waits_as_pending_work_when_strava_cannot_be_asked(
    harness: Harness,
) -> None:
    import requests

    stored = sorted(harness.strava_ids())[0]
    harness.mock.add(
        "GET",
        f"{STRAVA_API}/activities/{stored}",
        body=requests.ConnectionError("network down"),
    )

    harness.post(event(int(stored), aspect_type="delete"))
    harness.run_due()

    assert stored in harness.strava_ids()
    assert harness.pending() == [(stored, "activity", 0)]


def test_an_activity_gone_private_for_our_token_is_deleted_on_the_404(harness: Harness) -> None:
    harness.reply(activity_reply(hard_run()))
    harness.post(event(RUN_ID))
    harness.run_due()
    assert str(RUN_ID) in harness.strava_ids()  # stored, so the 404 below has work to do
    harness.mock.replace("GET", f"{STRAVA_API}/activities/{RUN_ID}", status=404, body="")

    harness.post(
        event(RUN_ID, aspect_type="update", event_time=1_764_000_100, updates={"private": "true"})
    )
    harness.run_due()

    assert str(RUN_ID) not in harness.strava_ids()


def test_a_type_change_is_read_from_the_api(harness: Harness) -> None:
    harness.reply(activity_reply(hard_run()))
    harness.post(event(RUN_ID))
    harness.run_due()
    harness.mock.replace(
        "GET", f"{STRAVA_API}/activities/{RUN_ID}", json=hard_run(sport_type="Ride")
    )

    harness.post(
        event(RUN_ID, aspect_type="update", event_time=1_764_000_100, updates={"type": "Ride"})
    )
    harness.run_due()

    with harness.runtime.store.read() as tx:
        sports = [
            r.activity.sport.value
            for r in tx.athlete(harness.athlete_id).activities.records()
            if r.activity.source_id == str(RUN_ID)
        ]
    assert sports == ["ride"]


def test_a_verified_deauthorisation_forgets_strava_but_keeps_merged_records_and_the_plan(
    harness: Harness, served_any: tuple[Path, Seeded]
) -> None:
    _, seeded = served_any
    with harness.runtime.store.read() as tx:
        scope = tx.athlete(harness.athlete_id)
        sessions_before = len(scope.sessions.all())
        groups_before = len(scope.activities.merged())
        garmin_before = len(scope.activities.source_ids(Source.GARMIN))

    refuse_refresh(harness, 400)

    answer = harness.post(DEAUTHORISATION)
    harness.run_due()

    assert answer == (200, "accepted")
    assert harness.calls_to("/oauth/token") == 1
    with harness.runtime.store.read() as tx:
        scope = tx.athlete(harness.athlete_id)
        assert scope.credentials.info("strava") is None
        assert scope.activities.source_ids(Source.STRAVA) == set()
        assert len(scope.activities.source_ids(Source.GARMIN)) == garmin_before
        assert len(scope.activities.merged()) == groups_before - seeded.strava_only
        assert len(scope.sessions.all()) >= sessions_before
        assert scope.pending.all(Source.STRAVA) == []
    assert harness.client.get(routes.feed_path(seeded.feed_token)).status_code == 200
    # Later events for the athlete find nobody: the Strava account is no longer ours.
    assert harness.post(event(RUN_ID, event_time=1_764_009_999)) == (200, "accepted")
    assert outcomes(harness)["unknown_athlete"] == 1


def test_a_deauthorisation_refused_with_401_is_real_too(harness: Harness) -> None:
    refuse_refresh(harness, 401)

    harness.post(DEAUTHORISATION)
    harness.run_due()

    assert harness.strava_ids() == set()


def test_a_forged_deauthorisation_keeps_the_tokens_and_every_record(harness: Harness) -> None:
    before = harness.strava_ids()
    assert before
    harness.mock.add(
        "POST",
        STRAVA_TOKEN_URL,
        json={
            "access_token": "access-2",
            "refresh_token": "refresh-2",
            "expires_at": 1_900_000_000,
        },
    )

    harness.post(DEAUTHORISATION)
    harness.run_due()

    assert harness.calls_to("/oauth/token") == 1
    assert harness.strava_ids() == before
    assert harness.pending() == []
    with harness.runtime.store.read() as tx:
        credentials = tx.athlete(harness.athlete_id).credentials.load("strava")
    assert credentials is not None
    assert credentials["refresh_token"] == "refresh-2"  # the refresh's new pair is kept


def test_a_deauthorisation_that_cannot_be_verified_waits_and_deletes_nothing(
    harness: Harness,
) -> None:
    import requests

    before = harness.strava_ids()
    harness.mock.add("POST", STRAVA_TOKEN_URL, body=requests.ConnectionError("network down"))

    harness.post(DEAUTHORISATION)
    harness.run_due()

    assert harness.strava_ids() == before
    assert harness.pending() == [(str(STRAVA_OWNER_ID), "deauthorize", 0)]
    with harness.runtime.store.read() as tx:
        assert tx.athlete(harness.athlete_id).credentials.load("strava") is not None


@pytest.mark.parametrize(
    "body",
    [
        event(RUN_ID, subscription_id=1),
        event(RUN_ID, owner_id=999),
        event(RUN_ID, aspect_type="delete", owner_id=999, subscription_id=7),
        event(1, object_type="athlete", aspect_type="update", updates={"authorized": "false"}),
    ],
)
def test_every_well_formed_event_gets_the_same_answer(harness: Harness, body: Any) -> None:
    harness.reply(activity_reply(hard_run()))
    reference = harness.client.post("/webhooks/strava", json=event(RUN_ID))

    answer = harness.client.post("/webhooks/strava", json=body)
    again = harness.client.post("/webhooks/strava", json=body)  # a duplicate, when stored

    for each in (answer, again):
        assert (each.status_code, each.content) == (reference.status_code, reference.content)
        assert each.headers.get("content-type") == reference.headers.get("content-type")


def test_without_budget_the_fetch_stays_pending_and_runs_when_budget_returns(
    harness: Harness,
) -> None:
    harness.reply(activity_reply(hard_run()))
    strava = harness.runtime.settings.strava
    with harness.runtime.store.write() as tx:
        tx.shared.correct_strava(
            NOW,
            used_15min=strava.read_limit_15min,
            used_day=10,
            limit_15min=strava.read_limit_15min,
            limit_day=strava.read_limit_daily,
        )

    harness.post(event(RUN_ID))
    harness.run_due()

    assert harness.calls_to(f"/activities/{RUN_ID}") == 0
    assert harness.pending() == [(str(RUN_ID), "activity", 0)]

    later = window_end(QUARTER, NOW)
    clock.set_now(later)
    periodic = Periodic(
        harness.runtime,
        harness.jobs,
        StoreStravaBudget(harness.runtime.store, strava),
        ServiceMetrics(),
    )
    handed_out = periodic.pending_tick(later)
    harness.run_due()

    assert [r.athlete_id for r in handed_out] == [harness.athlete_id]
    assert harness.calls_to(f"/activities/{RUN_ID}") == 1
    assert harness.pending() == []
    assert str(RUN_ID) in harness.strava_ids()


def test_healthz_answers_503_when_the_scheduler_is_stopped(harness: Harness) -> None:
    up = harness.client.get("/healthz")
    harness.scheduler_up[0] = False
    down = harness.client.get("/healthz")

    assert (up.status_code, up.json()["scheduler"]) == (200, "running")
    assert (down.status_code, down.json()["scheduler"]) == (503, "stopped")


def test_feed_requests_and_revalidations_are_counted(
    harness: Harness, served_any: tuple[Path, Seeded]
) -> None:
    _, seeded = served_any
    path = routes.feed_path(seeded.feed_token)
    first = harness.client.get(path)
    harness.client.get(path, headers={"If-None-Match": first.headers["etag"]})

    text = harness.client.get("/metrics").text

    assert 'syncsvc_feed_requests_total{status="200"} 1.0' in text
    assert 'syncsvc_feed_requests_total{status="304"} 1.0' in text
    assert "syncsvc_strava_budget_left" in text


# ---------------------------------------------------------------- floods


def test_only_stravas_own_update_keys_are_stored_each_bounded(harness: Harness) -> None:
    harness.reply(activity_reply(hard_run()))
    updates = {"title": "t" * 5_000, "type": "Run", "junk": "j" * 9_000, "private": True}

    harness.post(event(RUN_ID, aspect_type="update", updates=updates))

    with harness.runtime.store.read() as tx:
        stored = [json.loads(text) for text in tx.orm.scalars(select(WebhookEventRow.updates_json))]
    assert stored == [{"title": "t" * 255, "type": "Run", "private": "True"}]


def test_a_flood_for_one_activity_costs_one_read_per_coalescing_window(harness: Harness) -> None:
    harness.reply(activity_reply(hard_run()))
    titles = [
        event(RUN_ID, aspect_type="update", event_time=1_764_000_000 + n, updates={"title": str(n)})
        for n in range(200)
    ]

    answers = {harness.post(body) for body in titles}
    ran = harness.run_due()

    assert answers == {(200, "accepted")}
    assert ran == 1
    assert harness.calls_to(f"/activities/{RUN_ID}") == 1
    assert harness.pending() == []


@pytest.fixture
def capped(served_any: tuple[Path, Seeded], monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    home, seeded = served_any
    monkeypatch.setenv("SYNCSVC_STRAVA__WEBHOOK_EVENTS_PER_DAY", "5")
    with app_harness(home, seeded.athlete_id, now=NOW) as running:
        yield running


def test_events_over_the_daily_cap_are_dropped_counted_and_become_one_catch_up_sync(
    capped: Harness,
) -> None:
    harness = capped
    harness.mock.add_callback(
        "GET",
        re.compile(re.escape(f"{STRAVA_API}/activities/") + r"\d+"),
        lambda request: (404, {}, "{}"),
    )
    harness.mock.add(
        "GET", re.compile(re.escape(f"{STRAVA_API}/athlete/activities") + r".*"), json=[]
    )

    answers = {harness.post(event(RUN_ID + n)) for n in range(40)}
    waiting = harness.jobs.waiting()
    harness.run_due()

    assert answers == {(200, "accepted")}
    assert outcomes(harness) == {"accepted": 5, "over_cap": 35}
    assert harness.webhook_rows() == 5 + 1  # five events and the catch-up's mark
    assert [(job.reasons, job.sources) for job in waiting] == [
        (("webhook", "webhook-catch-up"), (Source.STRAVA,))
    ]
    fetches = [call for call in harness.mock.calls if "/api/v3/activities/" in call.request.url]
    assert len(fetches) == 5  # the stored events' fetches, at most the cap
    assert harness.calls_to("/athlete/activities") == 1  # the one catch-up sync
    # The next day the cap starts again.
    clock.set_now(NOW + timedelta(days=1))
    harness.post(event(RUN_ID + 100, event_time=1_764_100_000))
    assert outcomes(harness)["accepted"] == 6


def test_an_event_naming_another_athletes_public_activity_stores_nothing(
    harness: Harness,
) -> None:
    """Any public activity is readable with our token: its owner must be our athlete."""
    someone_else = hard_run()
    someone_else["athlete"] = {"id": 999_999, "resource_state": 1}
    harness.reply(activity_reply(someone_else))

    harness.post(event(RUN_ID))
    harness.run_due()

    assert harness.calls_to(f"/activities/{RUN_ID}") == 1
    assert str(RUN_ID) not in harness.strava_ids()
    assert harness.pending() == []
