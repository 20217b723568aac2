"""In a real browser: a coach sees the squad, moves a session for one athlete, and the
athlete then reads that their coach moved it. axe-core on the coach's and the admin's
pages; screenshots at 360 and 1280 px, light and dark."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.browser import (
    check_accessibility,
    free_port,
    live_server,
    open_page,
    screenshots,
)
from tests.web.conftest import make_web
from tests.web.squad import make_club

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _signed_in(chromium: Any, base: str, link: str, lands_on: str) -> tuple[Any, Any, list[str]]:
    context, page, errors = open_page(chromium, base)
    page.goto(base + link)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + lands_on)
    return context, page, errors


def test_a_coach_moves_a_session_and_the_athlete_sees_the_coach_named(
    chromium: Any, demo_home: Path
) -> None:
    port = free_port()
    web = make_web(demo_home, {"service": {"public_url": f"http://127.0.0.1:{port}"}})
    club = make_club(web)
    session_id = web.move_session
    with live_server(web.app, port) as base:
        coach_context, coach, coach_errors = _signed_in(
            chromium, base, club.staff_link("coach", "Maria"), "/coach"
        )
        check_accessibility(coach, "coach")
        squad = coach.locator("#squad")
        assert squad.get_by_role("link", name="demo").is_visible()
        assert "bea" not in squad.inner_text()
        saved = screenshots(coach, "coach")
        assert all(path.stat().st_size > 1000 for path in saved)
        check_accessibility(coach, "coach after screenshots")

        squad.get_by_role("link", name="demo").click()
        coach.wait_for_url(f"{base}/plan?athlete={club.demo_id}")
        assert "as their coach" in coach.locator("#acting").inner_text()
        check_accessibility(coach, "the athlete's plan, as the coach")
        coach.locator(f"#s-{session_id}").get_by_role("link", name="Move").click()
        coach.wait_for_url(f"{base}/plan/{session_id}/move?athlete={club.demo_id}")
        coach.locator(".days li.fits input").first.check()
        coach.get_by_role("button", name="Move", exact=True).click()
        coach.wait_for_url(f"{base}/plan?athlete={club.demo_id}")
        moved = coach.locator(f"#s-{session_id}").inner_text()
        assert "Moved by your coach Maria on 23 Nov" in moved
        screenshots(coach, "coach-athlete-plan")
        coach_context.close()

        admin_context, admin, admin_errors = _signed_in(
            chromium, base, club.staff_link("admin"), "/coach"
        )
        admin.goto(base + "/admin")
        check_accessibility(admin, "admin")
        headings = admin.get_by_role("heading", level=2).all_inner_texts()
        assert any(heading.startswith("Maria") for heading in headings), headings
        screenshots(admin, "admin")
        check_accessibility(admin, "admin after screenshots")
        admin_context.close()

        runner_context, runner, runner_errors = _signed_in(
            chromium, base, club.runner_link("demo"), "/"
        )
        runner.goto(base + "/plan")
        seen = runner.locator(f"#s-{session_id}").inner_text()
        assert "Your coach Maria moved this session" in seen
        assert "Moved by your coach Maria on 23 Nov" in seen
        assert runner.locator("#acting").count() == 0
        runner_context.close()
    web.runtime.close()
    assert coach_errors == admin_errors == runner_errors == []
