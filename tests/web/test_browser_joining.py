"""A new runner joins with "Sign in with Strava" in a real browser (Chromium, Playwright).

Strava's consent page is answered by the browser's router (a 302 back to our
callback, as Strava sends it); Strava's API by `responses` in the server's
process. The web routes run without a job engine, so the first sync runs in
the callback's request, as it does for a bare web app.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from syncsvc.testing.history import HistorySpec, generate_history
from syncsvc.testing.shapes import strava_activities
from tests.sources.fakes import FakeStrava
from tests.web.browser import (
    check_accessibility,
    free_port,
    live_server,
    open_page,
    screenshots,
)
from tests.web.conftest import make_web

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def joining_page(chromium: Any, demo_home: Path) -> Iterator[tuple[str, Any, list[str]]]:
    port = free_port()
    web = make_web(
        demo_home,
        {
            "service": {"public_url": f"http://127.0.0.1:{port}"},
            "strava": {"client_id": "4242", "client_secret": "not-a-real-secret"},
            "web": {"signup": "strava"},
        },
    )
    with live_server(web.app, port) as base:
        context, page, errors = open_page(chromium, base, timezone_id="Europe/Berlin")
        yield base, page, errors
        context.close()
    web.runtime.close()


def test_a_new_runner_signs_in_with_strava_confirms_the_profile_and_sees_the_first_plan(
    joining_page: tuple[str, Any, list[str]],
) -> None:
    base, page, errors = joining_page
    runs = generate_history(HistorySpec(weeks=10, athlete_key="browser-joining", seed=11))
    seen: dict[str, str] = {}

    def consent(route: Any) -> None:
        query = parse_qs(urlparse(route.request.url).query)
        seen.update({key: values[0] for key, values in query.items()})
        target = (
            f"{query['redirect_uri'][0]}?state={query['state'][0]}"
            "&code=fake-code&scope=read,activity:read_all"
        )
        route.fulfill(status=302, headers={"location": target})

    page.route("https://www.strava.com/oauth/authorize**", consent)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru("http://127.0.0.1")
        strava = FakeStrava(mock, strava_activities(runs))
        page.goto(base + "/")
        check_accessibility(page, "sign-in with the join button")
        page.get_by_role("button", name="Sign in with Strava").click()
        page.wait_for_url(base + "/welcome")
    assert seen["scope"] == "read,activity:read_all"
    assert any("oauth/token" in call for call in strava.calls)
    check_accessibility(page, "welcome")
    screenshots(page, "joining-welcome")

    zone = page.get_by_label("IANA time zone of the plan")
    assert zone.input_value() == "Europe/Berlin"  # the browser's, offered in place of UTC
    page.locator("#p-hard_days").fill("tue")
    page.locator("#p-long_run_days").fill("sun")
    page.get_by_role("button", name="Confirm and see my plan").click()
    page.wait_for_url(base + "/")
    today = page.locator("main").inner_text()
    assert "Nothing is planned ahead yet" not in today
    assert re.search(r"(Core|Hip) session", today), today
    check_accessibility(page, "first today")
    page.goto(base + "/plan")
    assert page.locator(".kind").count() >= 2
    screenshots(page, "joining-first-plan")
    assert errors == []
