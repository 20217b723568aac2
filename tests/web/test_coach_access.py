"""Who sees whom, at the HTTP layer, for every route of the web page.

A runner sees only themselves, a coach their own athletes, an admin everyone;
any other athlete, session or user id is "not found" (404, never 403, so ids do
not leak). The tests walk the app's own route table: a new route that takes or
implies an id fails `test_every_route_is_classified` until it is covered here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from syncsvc.web.pages import COACH_ROUTES
from tests.web.conftest import Web, csrf_of
from tests.web.squad import (
    BEA_SESSION_REASON,
    Club,
    for_athlete,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PUBLIC = {"signin", "signin_link", "signin_post", "web_static"}
"""Routes anyone may open: they act on no athlete."""
STAFF = {"coach", "coach_csv"}
"""The coach's squad: coaches and admins only."""
ADMIN = {
    "admin",
    "admin_create_coach",
    "admin_user_link",
    "admin_set_role",
    "admin_assign",
    "admin_unassign",
}
"""The admin's page and forms."""
KNOWN_PARAMS = {"session_id", "user_id", "channel_id", "token", "path"}


def _routes(web: Web) -> list[tuple[str, str, str]]:
    """(name, method, path template) for every route of the app."""
    found = []
    for route in web.app.routes:
        if isinstance(route, Mount):
            found.append((str(route.name), "GET", route.path))
        elif isinstance(route, Route):
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    found.append((route.name, method, route.path))
    return found


def _fill(path: str, club: Club) -> str:
    """Every id in the path is one the caller may not touch: bea's session and channel, and
    (for anyone but an admin) a user id."""
    return (
        path.replace("{session_id}", club.bea_session)
        .replace("{user_id}", str(club.coach_id))
        .replace("{channel_id:int}", str(club.bea_channel))
    )


def _call(client: TestClient, method: str, path: str, csrf: str) -> int:
    if method == "GET":
        return client.get(path, follow_redirects=False).status_code
    data = {"csrf": csrf, "day": "tomorrow", "rpe": "5", "athlete_id": "2", "back": "3"}
    data |= {"role": "admin", "name": "Someone", "kind": "core", "location": "https://x.invalid"}
    return client.post(path, data=data, follow_redirects=False).status_code


def _bea_untouched(club: Club) -> None:
    with club.web.store.read() as tx:
        assert [c.id for c in tx.athlete(club.bea_id).push.channels()] == [club.bea_channel]
        assert tx.athlete(club.bea_id).overrides.all() == []
        session = tx.athlete(club.bea_id).sessions.get(club.bea_session)
        assert session is not None
        assert session.pinned is False
        assert session.status.value == "planned"


def test_every_route_is_classified(club: Club) -> None:
    """A route that names an id it is not tested with fails here first."""
    for name, _, path in _routes(club.web):
        params = set(re.findall(r"{(\w+)(?::\w+)?}", path))
        assert params <= KNOWN_PARAMS, f"route {name} takes {params - KNOWN_PARAMS}: cover it"
        assert name in PUBLIC | STAFF | ADMIN or "{token}" not in path, name


def test_a_runner_reaches_no_other_athlete_through_any_route(
    club: Club, as_runner: TestClient
) -> None:
    csrf = csrf_of(as_runner.get("/plan").text)
    checked = 0
    for name, method, path in _routes(club.web):
        if name in PUBLIC:
            continue
        where = _fill(path, club)
        status = _call(as_runner, method, where + for_athlete(club.bea_id), csrf)
        assert status == 404, (name, method, "with ?athlete=", status)
        if name in STAFF | ADMIN:
            assert _call(as_runner, method, where, csrf) == 404, (name, method)
        if "{session_id}" in path or "{channel_id" in path:
            status = _call(as_runner, method, where, csrf)
            assert status == 404, (name, method, "with bea's session or channel", status)
        checked += 1
    assert checked > 25
    _bea_untouched(club)
    assert BEA_SESSION_REASON not in as_runner.get("/plan").text


def test_a_coach_reaches_their_athletes_and_no_one_else_through_any_route(
    club: Club, as_coach: TestClient
) -> None:
    csrf = csrf_of(as_coach.get("/coach").text)
    for name, method, path in _routes(club.web):
        if name in PUBLIC:
            continue
        where = _fill(path, club)
        status = _call(as_coach, method, where + for_athlete(club.bea_id), csrf)
        assert status == 404, (name, method, "with ?athlete=bea", status)
        if name in ADMIN:
            assert _call(as_coach, method, where, csrf) == 404, (name, method)
        if "{session_id}" in path:
            status = _call(as_coach, method, where + for_athlete(club.demo_id), csrf)
            assert status == 404, (name, method, "bea's session as demo", status)
        if "{channel_id" in path:  # push channels stay the runner's own: refused before the id
            status = _call(as_coach, method, where + for_athlete(club.demo_id), csrf)
            assert status == 403, (name, method, "bea's channel as demo", status)
    _bea_untouched(club)
    squad = as_coach.get("/coach").text
    assert "demo" in squad
    assert "bea" not in squad
    assert "bea" not in as_coach.get("/coach.csv").text


def test_a_coach_opens_their_athletes_pages_but_not_the_runners_own(
    club: Club, as_coach: TestClient
) -> None:
    demo = for_athlete(club.demo_id)
    for path in ("/", "/plan", "/load", "/checkin"):
        page = as_coach.get(path + demo)
        assert page.status_code == 200, path
        assert "as they see them, as their coach" in page.text
    for path in ("/calendar", "/calendar/qr.svg", "/connections", "/profile"):
        # the runner's own: the feed address, the accounts, the push channels, the profile
        assert as_coach.get(path + demo).status_code == 403, path
    assert "/feeds/" not in as_coach.get("/plan" + demo).text
    checkin = as_coach.get("/checkin" + demo).text
    assert "The check-in is demo's to make" in checkin
    assert 'action="/checkin' not in checkin
    assert {"today", "plan", "move", "pin", "skip", "add"} <= COACH_ROUTES


def test_a_coach_without_an_athlete_lands_on_the_squad(as_coach: TestClient) -> None:
    answer = as_coach.get("/", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/coach"


def test_an_admin_sees_every_athlete(club: Club, as_admin: TestClient) -> None:
    squad = as_admin.get("/coach").text
    assert "demo" in squad
    assert "bea" in squad
    page = as_admin.get("/plan" + for_athlete(club.bea_id))
    assert page.status_code == 200
    assert BEA_SESSION_REASON in page.text
    assert "as their admin" in page.text
    connections = as_admin.get("/connections" + for_athlete(club.bea_id))
    assert connections.status_code == 403
    assert "BEA-SECRET" not in connections.text
    assert as_admin.get("/plan" + for_athlete(999)).status_code == 404
    assert as_admin.get("/plan?athlete=abc").status_code == 404


def test_an_admin_makes_a_coach_assigns_bea_and_the_coach_then_sees_her(
    club: Club, as_admin: TestClient, demo_home: Path
) -> None:
    csrf = csrf_of(as_admin.get("/admin").text)
    made = as_admin.post("/admin/coaches", data={"csrf": csrf, "name": "Tomás"})
    assert made.status_code == 200
    link = re.search(r"<code>[^<]*(/signin/[^<]+)</code>", made.text)
    assert link, made.text
    with club.web.store.read() as tx:
        tomas = tx.coaching.user_named("tomás")
    assert tomas is not None
    assert tomas.role == "coach"
    assert tomas.athlete_id is None
    answer = as_admin.post(
        f"/admin/users/{tomas.id}/assign",
        data={"csrf": csrf, "athlete_id": str(club.bea_id)},
    )
    assert "Tomás now coaches bea" in answer.text
    from tests.web.squad import client_for

    with client_for(club, link.group(1)) as tomas_client:
        squad = tomas_client.get("/coach").text
        assert "bea" in squad
        assert "demo" not in squad
        assert tomas_client.get("/admin").status_code == 404
    again = as_admin.post("/admin/coaches", data={"csrf": csrf, "name": "tomás"})
    assert again.status_code == 400
    assert "already a user named" in again.text


def test_the_last_admin_cannot_demote_themselves(club: Club, as_admin: TestClient) -> None:
    csrf = csrf_of(as_admin.get("/admin").text)
    with club.web.store.read() as tx:
        admin = next(u for u in tx.coaching.users() if u.role == "admin")
    answer = as_admin.post(f"/admin/users/{admin.id}/role", data={"csrf": csrf, "role": "coach"})
    assert answer.status_code == 400
    assert "only admin" in answer.text
    with club.web.store.read() as tx:
        still = tx.coaching.user(admin.id)
    assert still is not None
    assert still.role == "admin"
