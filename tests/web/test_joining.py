"""Joining with "Sign in with Strava" at the HTTP layer: Strava faked with `responses` only.

The visitor presses the button on the sign-in page, comes back through our one
Strava callback with the `state` we issued (purpose "signup"), and is signed
in: a new Strava athlete is created first, a known one is found again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import responses
from starlette.testclient import TestClient

from syncsvc import clock
from syncsvc.domain import Sex, Source
from syncsvc.runtime import Runtime
from syncsvc.server.app import create_app
from syncsvc.server.jobs import InProcessJobs, JobKind, Priority, job_runner
from syncsvc.server.metrics import ServiceMetrics
from syncsvc.testing.history import HistorySpec, generate_history
from syncsvc.testing.shapes import strava_activities
from syncsvc.web.app import web_app
from syncsvc.web.security import PRE_SESSION_COOKIE
from tests.server.harness import FakeMonotonic
from tests.sources.fake_strava_many import FakeStravaMany
from tests.sources.fakes import STRAVA_APP_LIMIT_BODY, FakeStrava, strava_club
from tests.web.conftest import Web, csrf_of, make_web

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

BASE = "http://127.0.0.1:8765"
STRAVA_APP = {"client_id": "4242", "client_secret": "not-a-real-secret"}
FULL_SCOPE = "read,activity:read_all"


def joining_web(home: Path, backfills: list[int] | None = None, **web: Any) -> Web:
    flags = {
        "service": {"public_url": BASE},
        "strava": STRAVA_APP,
        "web": {"signup": "strava", **web},
    }
    made = make_web(home, flags)
    if backfills is not None:
        made.app = web_app(made.store, made.settings, start_backfill=backfills.append)
    return made


@pytest.fixture
def strava() -> Iterator[FakeStrava]:
    runs = generate_history(HistorySpec(weeks=8, athlete_key="joining", seed=5))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru("http://127.0.0.1")
        yield FakeStrava(mock, strava_activities(runs))


def press_sign_in_with_strava(client: TestClient) -> dict[str, str]:
    """The sign-in page's button; returns the authorisation URL's query (Strava's consent)."""
    page = client.get("/signin")
    assert "Sign in with Strava" in page.text
    answer = client.post(
        "/signup/strava", data={"csrf": csrf_of(page.text)}, follow_redirects=False
    )
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith("https://www.strava.com/oauth/authorize")
    return {key: values[0] for key, values in parse_qs(urlparse(location).query).items()}


def come_back(client: TestClient, consent: dict[str, str], *, scope: str = FULL_SCOPE) -> Any:
    """Strava's redirect to our callback after the runner agreed."""
    return client.get(
        "/oauth/strava/callback",
        params={"state": consent["state"], "code": "fake-code", "scope": scope},
        follow_redirects=False,
    )


def athlete_names(web: Web) -> list[str]:
    with web.store.read() as tx:
        return sorted(athlete.name for athlete in tx.athletes.all())


def test_joining_is_off_by_default_no_button_and_a_signup_state_is_refused(
    demo_home: Path, strava: FakeStrava
) -> None:
    web = make_web(demo_home, {"service": {"public_url": BASE}, "strava": STRAVA_APP})
    with TestClient(web.app, base_url=BASE) as client:
        page = client.get("/signin")
        assert "Sign in with Strava" not in page.text
        pre_session = client.cookies.get(PRE_SESSION_COOKIE)  # the CSRF token before sign-in
        answer = client.post("/signup/strava", data={"csrf": pre_session})
        assert answer.status_code == 404
        with web.store.write() as tx:
            state = tx.web.put_state("strava", "signup", None, timedelta(minutes=5))
        answer = come_back(client, {"state": state})
    assert answer.status_code == 404
    assert "Joining is not open" in answer.text
    assert athlete_names(web) == ["demo"]
    assert not any("oauth/token" in call for call in strava.calls)
    web.runtime.close()


def test_a_first_sign_in_creates_the_athlete_user_and_session_and_one_backfill(
    demo_home: Path, strava: FakeStrava
) -> None:
    backfills: list[int] = []
    web = joining_web(demo_home, backfills)
    with TestClient(web.app, base_url=BASE) as client:
        consent = press_sign_in_with_strava(client)
        assert consent["scope"] == FULL_SCOPE
        assert consent["redirect_uri"] == BASE + "/oauth/strava/callback"
        answer = come_back(client, consent)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/welcome"
        assert client.cookies.get("syncsvc_session")
        welcome = client.get("/welcome")
    assert welcome.status_code == 200
    assert "Reading your Strava history" in welcome.text
    assert 'name="timezone"' in welcome.text
    with web.store.read() as tx:
        joined = tx.athletes.by_name("daniel-b")
        assert joined is not None
        assert joined.profile.sex is Sex.MALE
        info = tx.athlete(joined.id).credentials.info("strava")
        assert info is not None
        assert info.provider_user_id == "26462176"
        assert info.scope == FULL_SCOPE
        user = tx.athlete(joined.id).web.user()
        assert user is not None
        assert user.role == "athlete"
        assert len(tx.athlete(joined.id).web.sessions()) == 1
        assert tx.athlete(joined.id).feed.active_token() is not None
    assert backfills == [joined.id]
    web.runtime.close()


def test_a_second_sign_in_opens_a_session_for_the_same_athlete(
    demo_home: Path, strava: FakeStrava
) -> None:
    backfills: list[int] = []
    web = joining_web(demo_home, backfills)
    for _ in range(2):
        with TestClient(web.app, base_url=BASE) as client:
            answer = come_back(client, press_sign_in_with_strava(client))
            assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    assert athlete_names(web) == ["daniel-b", "demo"]
    assert len(backfills) == 1
    with web.store.read() as tx:
        joined = tx.athletes.by_name("daniel-b")
        assert joined is not None
        assert len(tx.athlete(joined.id).web.sessions()) == 2
    web.runtime.close()


def test_confirming_the_profile_leads_to_the_first_plan(
    demo_home: Path, strava: FakeStrava
) -> None:
    web = joining_web(demo_home)  # no job engine: the first sync runs in the request
    with TestClient(web.app, base_url=BASE) as client:
        come_back(client, press_sign_in_with_strava(client))
        welcome = client.get("/welcome")
        assert "Reading your Strava history" not in welcome.text  # already read
        answer = client.post(
            "/welcome",
            data={
                "csrf": csrf_of(welcome.text),
                "timezone": "Europe/Berlin",
                "hard_days": "tue",
                "long_run_days": "sun",
            },
            follow_redirects=False,
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == "/"
        today = client.get("/")
        plan = client.get("/plan")
    assert "Nothing is planned ahead yet" not in today.text
    assert re.search(r"(core|hip) session of", plan.text)
    with web.store.read() as tx:
        joined = tx.athletes.by_name("daniel-b")
        assert joined is not None
        assert joined.profile.timezone == "Europe/Berlin"
        assert joined.profile.hard_days == (1,)
        assert len(tx.athlete(joined.id).activities.source_ids(Source.STRAVA)) == len(
            strava.activities
        )
    web.runtime.close()


def test_a_partial_scope_says_what_is_missing_and_stores_nothing(
    demo_home: Path, strava: FakeStrava
) -> None:
    web = joining_web(demo_home)
    with TestClient(web.app, base_url=BASE) as client:
        answer = come_back(client, press_sign_in_with_strava(client), scope="read,activity:read")
    assert answer.status_code == 400
    assert "activity:read_all" in answer.text
    assert "private ones included" in answer.text
    assert "Sign in with Strava again" in answer.text
    assert athlete_names(web) == ["demo"]
    assert not any("oauth/token" in call for call in strava.calls)
    web.runtime.close()


def test_a_refused_consent_stores_nothing(demo_home: Path, strava: FakeStrava) -> None:
    web = joining_web(demo_home)
    with TestClient(web.app, base_url=BASE) as client:
        consent = press_sign_in_with_strava(client)
        answer = client.get(
            "/oauth/strava/callback", params={"state": consent["state"], "error": "access_denied"}
        )
    assert answer.status_code == 400
    assert "nothing was stored" in answer.text
    assert athlete_names(web) == ["demo"]
    web.runtime.close()


@pytest.mark.parametrize(("clubs", "joins"), [([231407, 99], True), ([99], False)])
def test_the_club_gate_admits_members_only(
    demo_home: Path, strava: FakeStrava, clubs: list[int], joins: bool
) -> None:
    strava.clubs = [strava_club(club) for club in clubs]
    web = joining_web(demo_home, [], signup_clubs=[231407, 1045])
    with TestClient(web.app, base_url=BASE) as client:
        answer = come_back(client, press_sign_in_with_strava(client))
    assert any("/athlete/clubs" in call for call in strava.calls)
    if joins:
        assert answer.status_code == 303
        assert athlete_names(web) == ["daniel-b", "demo"]
    else:
        assert answer.status_code == 403
        assert "members of this server" in answer.text
        assert athlete_names(web) == ["demo"]
        assert any("oauth/deauthorize" in call for call in strava.calls)
        assert client.cookies.get("syncsvc_session") is None
    web.runtime.close()


def test_signup_max_caps_the_athletes_but_a_known_one_still_signs_in(
    demo_home: Path, strava: FakeStrava
) -> None:
    web = joining_web(demo_home, [], signup_max=2)
    with TestClient(web.app, base_url=BASE) as client:
        assert come_back(client, press_sign_in_with_strava(client)).status_code == 303
    strava.athlete_summary = {**strava.athlete_summary, "id": 777, "firstname": "Eve"}
    with TestClient(web.app, base_url=BASE) as client:
        answer = come_back(client, press_sign_in_with_strava(client))
    assert answer.status_code == 403
    assert "room for 2 runners" in answer.text
    assert athlete_names(web) == ["daniel-b", "demo"]
    strava.athlete_summary = {**strava.athlete_summary, "id": 26462176}
    with TestClient(web.app, base_url=BASE) as client:
        assert come_back(client, press_sign_in_with_strava(client)).status_code == 303
    web.runtime.close()


def test_strava_s_app_limit_gets_a_page_saying_how_to_request_a_review(
    demo_home: Path, strava: FakeStrava
) -> None:
    strava.fail_next("token", 403, STRAVA_APP_LIMIT_BODY)
    web = joining_web(demo_home)
    with TestClient(web.app, base_url=BASE) as client:
        answer = come_back(client, press_sign_in_with_strava(client))
    assert answer.status_code == 503
    assert "limit of connected athletes" in answer.text
    assert "one athlete until Strava has reviewed it" in answer.text
    assert "strava.com/settings/api" in answer.text
    assert athlete_names(web) == ["demo"]
    web.runtime.close()


def test_disconnecting_offers_the_export_then_removes_what_a_deauthorisation_removes(
    demo_home: Path, strava: FakeStrava
) -> None:
    web = joining_web(demo_home)
    with TestClient(web.app, base_url=BASE) as client:
        come_back(client, press_sign_in_with_strava(client))
        connections = client.get("/connections")
        assert 'href="/connections/strava/disconnect"' in connections.text
        offer = client.get("/connections/strava/disconnect")
        assert 'href="/account/export.json"' in offer.text
        download = client.get("/account/export.json")
        assert "attachment" in download.headers["content-disposition"]
        exported = json.loads(download.text)
        assert exported["athlete"]["name"] == "daniel-b"
        assert len(exported["activities"]) == len(strava.activities)
        assert "not-a-real-secret" not in download.text
        assert "access-" not in download.text
        answer = client.post(
            "/connections/strava/disconnect",
            data={"csrf": csrf_of(offer.text)},
            follow_redirects=False,
        )
        assert answer.status_code == 303
    assert any("oauth/deauthorize" in call for call in strava.calls)
    with web.store.read() as tx:
        joined = tx.athletes.by_name("daniel-b")
        assert joined is not None
        scope = tx.athlete(joined.id)
        assert scope.credentials.info("strava") is None
        assert scope.activities.source_ids(Source.STRAVA) == set()
        assert scope.cursors.get(Source.STRAVA).newest_start_utc is None
    web.runtime.close()


def test_through_the_service_a_joiner_gets_one_backfill_job_and_sees_its_progress_then_the_plan(
    demo_home: Path, strava: FakeStrava
) -> None:
    runtime = Runtime.create(
        home=demo_home,
        flags={"service": {"public_url": BASE}, "strava": STRAVA_APP, "web": {"signup": "strava"}},
    )
    metrics = ServiceMetrics()
    jobs = InProcessJobs(job_runner(runtime, metrics), workers=1, monotonic=FakeMonotonic())
    app = create_app(
        store=runtime.store,
        settings=runtime.settings,
        metrics=metrics,
        jobs=jobs,
        scheduler_alive=None,
    )
    with TestClient(app, base_url=BASE) as client:
        come_back(client, press_sign_in_with_strava(client))
        waiting = jobs.waiting()
        assert [(job.kind, job.priority, job.reason, job.sources) for job in waiting] == [
            (JobKind.REFRESH, Priority.BACKFILL, "backfill", (Source.STRAVA,))
        ]
        assert strava.list_calls() == []
        before = client.get("/")
        assert "Reading your Strava history" in before.text
        assert "Nothing is planned ahead yet" in before.text
        assert 'hx-get="/history/progress?reload=1"' in before.text
        assert 'hx-get="/history/progress"' in client.get("/welcome").text  # keeps the form
        polled = client.get("/history/progress?reload=1")
        assert "hx-refresh" not in polled.headers

        assert jobs.run_ready() == 1

        assert "hx-refresh" in client.get("/history/progress?reload=1").headers
        assert "hx-refresh" not in client.get("/history/progress").headers
        after = client.get("/")
    assert "Reading your Strava history" not in after.text
    assert "Nothing is planned ahead yet" not in after.text
    assert jobs.waiting() == []
    runtime.close()


def test_a_backfill_the_budget_pauses_goes_on_in_a_later_job_after_the_window(
    demo_home: Path,
) -> None:
    clock.set_now(datetime(2026, 11, 23, 6, 31, tzinfo=UTC))
    runtime = Runtime.create(
        home=demo_home,
        flags={
            "service": {"public_url": BASE},
            "strava": {**STRAVA_APP, "page_size": 10, "read_limit_15min": 8, "retries": 0},
            "web": {"signup": "strava"},
        },
    )
    metrics = ServiceMetrics()
    monotonic = FakeMonotonic()
    runner: list[Any] = []
    jobs = InProcessJobs(lambda job: runner[0](job), workers=1, monotonic=monotonic)
    runner.append(job_runner(runtime, metrics, follow_up=jobs.enqueue))
    app = create_app(
        store=runtime.store,
        settings=runtime.settings,
        metrics=metrics,
        jobs=jobs,
        scheduler_alive=None,
    )
    runs = generate_history(HistorySpec(weeks=8, athlete_key="paused", seed=9))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru(BASE)
        strava = FakeStravaMany(mock, lambda number: strava_activities(runs), limit_15min=8)
        with TestClient(app, base_url=BASE) as client:
            consent = press_sign_in_with_strava(client)
            client.get(
                "/oauth/strava/callback",
                params={"state": consent["state"], "code": "code-1", "scope": FULL_SCOPE},
            )
            assert jobs.run_ready() == 1  # 3 reads of 8 (5 kept back for webhooks), then paused
            paused = client.get("/").text
            (resume,) = jobs.waiting()
            assert (resume.reason, resume.priority) == ("backfill", Priority.BACKFILL)
            assert jobs.run_ready() == 0  # held back until the window ends
            monotonic.now += 15 * 60
            clock.set_now(clock.now() + timedelta(minutes=15))
            while jobs.waiting():
                monotonic.now += 15 * 60
                clock.set_now(clock.now() + timedelta(minutes=15))
                jobs.run_ready()
            done = client.get("/").text
    assert "Reading your Strava history" in paused
    assert "Paused" in paused
    assert "Nothing is planned ahead yet" not in paused  # planned from the newest weeks
    assert "Reading your Strava history" not in done
    assert strava.refused == 0
    assert strava.most_reads_in_a_window <= 3
    with runtime.store.read() as tx:
        joined = tx.athletes.by_name("runner-1")
        assert joined is not None
        stored = tx.athlete(joined.id).activities.source_ids(Source.STRAVA)
    history = strava.histories[1]
    assert len(stored) == len(history)
    assert strava.list_requests[1] == len(history) // 10 + 1  # every page read once
    runtime.close()


def test_the_joining_pages_keep_the_csp_and_carry_no_inline_script(
    demo_home: Path, strava: FakeStrava
) -> None:
    web = joining_web(demo_home, [])
    with TestClient(web.app, base_url=BASE) as client:
        refused = come_back(client, press_sign_in_with_strava(client), scope="read")
        come_back(client, press_sign_in_with_strava(client))
        pages = [
            refused,
            *(
                client.get(path)
                for path in ("/welcome", "/connections/strava/disconnect", "/history/progress")
            ),
        ]
    for answer in pages:
        assert "script-src 'self'" in answer.headers["content-security-policy"]
        assert answer.headers["cache-control"] == "no-store"
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", answer.text) == []
        assert " style=" not in answer.text
        assert "access-" not in answer.text  # no token of Strava's on any page
    web.runtime.close()
