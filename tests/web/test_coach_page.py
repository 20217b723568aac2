"""The coach's page, its CSV, and a coach's decision as the athlete then reads it."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from starlette.testclient import TestClient

from syncsvc import clock
from syncsvc.domain import CheckIn, Plan, Session, SessionKind
from syncsvc.testing.stores import add_athlete
from syncsvc.web.coach_pages import CSV_COLUMNS
from tests.cli.conftest import run
from tests.web.conftest import Web, csrf_of
from tests.web.squad import (
    Club,
    for_athlete,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_a_coach_moves_a_session_and_the_athlete_reads_who_moved_it(
    club: Club, web: Web, as_coach: TestClient, as_runner: TestClient
) -> None:
    demo = for_athlete(club.demo_id)
    session_id = web.move_session
    form = as_coach.get(f"/plan/{session_id}/move{demo}")
    assert form.status_code == 200
    assert f'action="/plan/{session_id}/move{demo}"' in form.text
    moved = as_coach.post(
        f"/plan/{session_id}/move{demo}",
        data={"csrf": csrf_of(form.text), "day": "2026-11-26"},
        follow_redirects=False,
    )
    assert moved.status_code == 303, moved.text
    assert moved.headers["location"] == f"/plan{demo}"
    coach_view = as_coach.get(moved.headers["location"]).text
    assert "Moved by your coach Maria on 23 Nov" in coach_view
    runner_view = as_runner.get("/plan").text
    item = re.search(rf'id="s-{session_id}".*?(?=<li class="plan-item|</ol>)', runner_view, re.S)
    assert item, runner_view
    assert "Thu 26 Nov" in item.group(0)
    assert "Moved by your coach Maria on 23 Nov" in item.group(0)
    assert "Your coach Maria moved this session to Thursday" in item.group(0)
    with web.store.read() as tx:
        override = tx.athlete(club.demo_id).overrides.all()[-1]
    assert (override.origin, override.actor_user_id, override.actor_name) == (
        "coach",
        club.coach_id,
        "Maria",
    )
    said = run(web.runtime.home, "plan", "why", session_id)
    assert "Moved by your coach Maria on 23 Nov" in said.output


def test_the_runners_own_decisions_still_say_you(web: Web, as_runner: TestClient) -> None:
    session_id = web.move_session
    form = as_runner.get(f"/plan/{session_id}/move")
    as_runner.post(
        f"/plan/{session_id}/move", data={"csrf": csrf_of(form.text), "day": "2026-11-26"}
    )
    assert "Moved by you on 23 Nov" in as_runner.get("/plan").text


def test_the_squad_filters_and_sorts_without_script(club: Club, as_admin: TestClient) -> None:
    everyone = as_admin.get("/coach").text
    assert everyone.index(">bea<") < everyone.index(">demo<")
    backwards = as_admin.get("/coach?sort=name&desc=1").text
    assert backwards.index(">demo<") < backwards.index(">bea<")
    sore = as_admin.get("/coach?only=back").text
    assert ">bea<" in sore
    assert ">demo<" not in sore
    assert "1 of 2 athletes" in sore
    named = as_admin.get("/coach?q=DEM").text
    assert ">demo<" in named
    assert ">bea<" not in named
    refused = as_admin.get("/coach?sort=shoe")
    assert refused.status_code == 400
    assert "unknown sort &#39;shoe&#39;" in refused.text


def test_the_csv_has_the_tables_columns_and_rows(club: Club, as_admin: TestClient) -> None:
    answer = as_admin.get("/coach.csv?only=back")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 2
    bea = dict(zip(CSV_COLUMNS, rows[1], strict=True))
    assert bea["athlete"] == "bea"
    assert bea["low_back"] == "6"
    assert bea["next_session_kind"] == "hip"
    assert bea["acwr"] == ""  # no runs: no meaningful ratio
    everyone = list(csv.reader(io.StringIO(as_admin.get("/coach.csv").text)))
    demo = dict(zip(CSV_COLUMNS, everyone[2], strict=True))
    assert demo["athlete"] == "demo"
    assert float(demo["week_km"]) > 0
    assert demo["acwr"] != ""
    assert demo["next_session_day"] >= "2026-11-23"


@contextmanager
def counted(web: Web) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(web.store.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(web.store.engine, "before_cursor_execute", count)


def _add_runners(web: Web, count: int, start: int) -> None:
    for number in range(start, start + count):
        runner = add_athlete(web.store, f"runner-{number:03d}")
        session = Session(
            f"r{number}-1",
            runner.id,
            SessionKind.CORE,
            clock.today_in("Europe/Berlin") + timedelta(days=1),
            clock.now().time().replace(hour=7, minute=0, second=0, microsecond=0),
            20,
            changed_at=clock.now(),
        )
        with web.store.write() as tx:
            tx.athlete(runner.id).sessions.save_plan(Plan(runner.id, (session,)))
            tx.athlete(runner.id).checkins.append(CheckIn(runner.id, clock.now(), number % 10))


def test_the_squad_costs_the_same_queries_for_5_and_50_athletes(
    club: Club, web: Web, as_admin: TestClient
) -> None:
    _add_runners(web, 3, 0)  # with demo and bea: 5
    with counted(web) as few:
        assert "runner-002" in as_admin.get("/coach").text
    _add_runners(web, 45, 3)  # 50
    with counted(web) as many:
        page = as_admin.get("/coach").text
    assert "runner-047" in page
    assert page.count('<tr id="athlete-') == 50
    assert len(many) == len(few), (few, many)
    assert len(few) <= 12


def test_a_signed_in_coach_opening_the_sign_in_page_is_sent_to_the_squad(
    as_coach: TestClient, as_runner: TestClient
) -> None:
    assert as_coach.get("/signin", follow_redirects=False).headers["location"] == "/coach"
    assert as_runner.get("/signin", follow_redirects=False).headers["location"] == "/"
