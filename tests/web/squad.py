"""A small club on the demo home: the demo runner, a second runner, a coach and an admin.

- `demo` (athlete 1, the demo history, planned) is coached by Maria;
- `bea` has one session, one check-in, one CalDAV push channel and no coach;
- Maria signs in with `syncsvc web link --role coach --user Maria`, the admin
  with `--role admin`, exactly as the CLI makes their links.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from syncsvc import clock
from syncsvc.api.app import Syncsvc
from syncsvc.domain import CheckIn, Plan, Session, SessionKind
from syncsvc.testing.stores import add_athlete
from syncsvc.web.pages import ATHLETE_PARAM
from tests.web.conftest import Web, csrf_of

BEA_SESSION_REASON = "BEA-ONLY"
BASE_URL = "http://127.0.0.1:8765"


@dataclass
class Club:
    web: Web
    demo_id: int
    bea_id: int
    bea_session: str
    coach_id: int
    bea_channel: int

    @property
    def app(self) -> Syncsvc:
        return Syncsvc(self.web.runtime)

    def staff_link(self, role: str, name: str | None = None) -> str:
        url = self.app.staff_sign_in_link(role, name).url
        return "/signin/" + url.rsplit("/signin/", 1)[1]

    def runner_link(self, name: str) -> str:
        url = self.app.athlete(name).sign_in_link().url
        return "/signin/" + url.rsplit("/signin/", 1)[1]


def make_club(web: Web) -> Club:
    bea = add_athlete(web.store, "bea")
    session = Session(
        "bea-session-1",
        bea.id,
        SessionKind.HIP,
        clock.today_in("Europe/Berlin") + timedelta(days=2),
        clock.now().time().replace(hour=18, minute=0, second=0, microsecond=0),
        25,
        changed_at=clock.now(),
        reasons=(BEA_SESSION_REASON,),
    )
    with web.store.write() as tx:
        tx.athlete(bea.id).sessions.save_plan(Plan(bea.id, (session,)))
        tx.athlete(bea.id).checkins.append(CheckIn(bea.id, clock.now(), 6))
        channel = tx.athlete(bea.id).push.add_channel(
            "caldav", "https://dav.example.invalid/bea/", secret={"password": "BEA-SECRET"}
        )
    app = Syncsvc(web.runtime)
    app.staff_sign_in_link("admin")  # the first admin
    app.staff_sign_in_link("coach", "Maria")
    with web.store.write() as tx:
        maria = tx.coaching.user_named("Maria")
        assert maria is not None
        tx.coaching.assign(maria.id, 1)
    return Club(web, 1, bea.id, session.id, maria.id, channel.id)


def sign_in_with(client: TestClient, link: str) -> None:
    page = client.get(link)
    assert page.status_code == 200, page.text
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert token, page.text
    answer = client.post(
        "/signin",
        data={"csrf": csrf_of(page.text), "token": token.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


@pytest.fixture
def club(web: Web) -> Club:
    return make_club(web)


def client_for(club: Club, link: str) -> TestClient:
    client = TestClient(club.web.app, base_url=BASE_URL)
    sign_in_with(client, link)
    return client


@pytest.fixture
def as_coach(club: Club) -> Iterator[TestClient]:
    with client_for(club, club.staff_link("coach", "Maria")) as client:
        yield client


@pytest.fixture
def as_admin(club: Club) -> Iterator[TestClient]:
    with client_for(club, club.staff_link("admin")) as client:
        yield client


@pytest.fixture
def as_runner(club: Club) -> Iterator[TestClient]:
    """The demo runner, signed in to their own pages."""
    with client_for(club, club.runner_link("demo")) as client:
        yield client


def for_athlete(athlete_id: int) -> str:
    return f"?{ATHLETE_PARAM}={athlete_id}"
