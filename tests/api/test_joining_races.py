"""Joining under a burst, on SQLite and PostgreSQL: one athlete per Strava athlete, the cap holds.

Sign-ins race through `Syncsvc.join_with_strava` in threads, as web
requests do; Strava is faked at the HTTP layer for many athletes at once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import responses

from syncsvc.api.app import Syncsvc
from syncsvc.api.signup import Joined, Refusal, SignupRefused
from syncsvc.runtime import Runtime
from tests.sources.fake_strava_many import FakeStravaMany

SCOPE = "read,activity:read_all"


@pytest.fixture
def strava() -> Iterator[FakeStravaMany]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeStravaMany(mock, lambda number: [])


def open_app(tmp_path: Path, store_url: str, **web: object) -> Syncsvc:
    runtime = Runtime.create(
        home=tmp_path / "home",
        flags={
            "store": {"url": store_url},
            "strava": {"client_id": "4242", "client_secret": "not-a-real-secret"},
            "web": {"signup": "strava", **web},
        },
    )
    runtime.open_store(create=True).initialise_meta("races.invalid")
    return Syncsvc(runtime)


def race(app: Syncsvc, codes: list[str]) -> list[Joined | SignupRefused]:
    start = threading.Barrier(len(codes))

    def sign_in(code: str) -> Joined | SignupRefused:
        start.wait()
        try:
            return app.join_with_strava(code, SCOPE)
        except SignupRefused as refused:
            return refused

    with ThreadPoolExecutor(len(codes)) as pool:
        return list(pool.map(sign_in, codes))


def test_one_strava_athlete_signing_in_twice_at_once_becomes_one_athlete(
    tmp_path: Path, store_url: str, strava: FakeStravaMany
) -> None:
    app = open_app(tmp_path, store_url)
    try:
        outcomes = race(app, ["code-7"] * 4)
        assert all(isinstance(outcome, Joined) for outcome in outcomes)
        assert sum(outcome.created for outcome in outcomes if isinstance(outcome, Joined)) == 1
        assert [athlete.name for athlete in app.athletes()] == ["runner-7"]
    finally:
        app.close()


def test_signup_max_holds_when_newcomers_arrive_at_once(
    tmp_path: Path, store_url: str, strava: FakeStravaMany
) -> None:
    app = open_app(tmp_path, store_url, signup_max=3)
    try:
        outcomes = race(app, [f"code-{number}" for number in range(1, 7)])
        refused = [outcome for outcome in outcomes if isinstance(outcome, SignupRefused)]
        assert len(refused) == 3
        assert {outcome.reason for outcome in refused} == {Refusal.FULL}
        assert len(app.athletes()) == 3
    finally:
        app.close()
