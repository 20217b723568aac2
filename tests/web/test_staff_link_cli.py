"""`syncsvc web link --role admin|coach`: the first admin and a coach, from the terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.cli.conftest import run
from tests.web.conftest import make_web
from tests.web.squad import BASE_URL, sign_in_with

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _path(url: str) -> str:
    return "/signin/" + url.rsplit("/signin/", 1)[1]


def test_web_link_role_admin_bootstraps_one_admin_without_an_athlete(demo_home: Path) -> None:
    first = run(demo_home, "web", "link", "--role", "admin", "--json")
    assert first.exit_code == 0, first.output
    made = json.loads(first.stdout)
    assert (made["user"], made["role"]) == ("admin", "admin")
    again = json.loads(run(demo_home, "web", "link", "--role", "admin", "--json").stdout)
    assert again["user"] == "admin"
    assert again["url"] != made["url"]
    plain = run(demo_home, "web", "link", "--role", "admin")
    assert "Sign-in link for admin (admin) (works once, for 15 minutes):" in plain.output
    web = make_web(demo_home)
    with web.store.read() as tx:
        staff = [u for u in tx.coaching.users() if u.role != "athlete"]
    assert [(u.name, u.role, u.athlete_id) for u in staff] == [("admin", "admin", None)]
    with TestClient(web.app, base_url=BASE_URL) as client:
        sign_in_with(client, _path(made["url"]))
        assert client.get("/admin").status_code == 200
    web.runtime.close()


def test_web_link_role_coach_names_the_coach(demo_home: Path) -> None:
    made = json.loads(
        run(demo_home, "web", "link", "--role", "coach", "--user", "Maria", "--json").stdout
    )
    assert (made["user"], made["role"]) == ("Maria", "coach")
    web = make_web(demo_home)
    with TestClient(web.app, base_url=BASE_URL) as client:
        sign_in_with(client, _path(made["url"]))
        squad = client.get("/coach")
        assert squad.status_code == 200
        assert "an admin assigns them to you" in squad.text
        assert client.get("/admin").status_code == 404
    web.runtime.close()


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["--role", "coach"], "a coach's link needs their name"),
        (["--user", "Maria"], "--user names a coach or an admin"),
        (["--role", "admin", "--athlete", "demo"], "--athlete is for a runner's link"),
        (["--role", "coach", "--user", " "], "give a name or an email"),
    ],
)
def test_web_link_refuses_a_role_without_what_it_needs(
    demo_home: Path, arguments: list[str], said: str
) -> None:
    result = run(demo_home, "web", "link", *arguments)
    assert result.exit_code == 2
    assert said in result.output
    assert "Traceback" not in result.output


def test_an_unknown_role_is_a_usage_error(demo_home: Path) -> None:
    result = run(demo_home, "web", "link", "--role", "owner")
    assert result.exit_code == 2
    assert "owner" in result.output
