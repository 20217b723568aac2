"""The runner's journeys on the web page, in a real browser (Chromium driven by Playwright).

Each journey runs against a live server of the web routes on a copy of the demo
home, with the clock at the demo's instant (Monday 23 November 2026, 06:30 in
Berlin). axe-core runs on every page a journey visits; no page may log a
console error (a Content-Security-Policy violation shows up there).
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from syncsvc import clock
from syncsvc.testing.history import HistorySpec, generate_history
from syncsvc.testing.shapes import strava_activities
from tests.push.conftest import radicale  # noqa: F401  (fixture)
from tests.push.radicale_server import PASSWORD, USER, Radicale
from tests.sources.fakes import FakeStrava
from tests.sources.fit_writer import FitRun, encode_fit
from tests.web.browser import (
    check_accessibility,
    free_port,
    live_server,
    open_page,
    screenshots,
)
from tests.web.conftest import Web, make_web

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@dataclass
class Live:
    base: str
    web: Web
    page: Any
    console_errors: list[str] = field(default_factory=list)

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)
        check_accessibility(self.page, path)

    def sign_in(self) -> None:
        self.page.goto(self.base + self.web.link())
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(self.base + "/")
        check_accessibility(self.page, "today")


@pytest.fixture
def live(chromium: Any, demo_home: Path) -> Iterator[Live]:
    port = free_port()
    web = make_web(
        demo_home,
        {
            "service": {"public_url": f"http://127.0.0.1:{port}"},
            "strava": {"client_id": "4242", "client_secret": "not-a-real-secret"},
        },
    )
    with live_server(web.app, port) as base:
        context, page, errors = open_page(chromium, base)
        found = Live(base, web, page, errors)
        yield found
        context.close()
    web.runtime.close()
    assert found.console_errors == []


def test_sign_in_by_link_and_a_reused_or_expired_link_is_refused(live: Live) -> None:
    link = live.web.link()
    live.page.goto(live.base + link)
    check_accessibility(live.page, "sign-in link")
    live.page.get_by_role("button", name="Sign in").click()
    live.page.wait_for_url(live.base + "/")
    assert live.page.get_by_role("heading", level=1).inner_text().startswith("Today")
    cookies = {c["name"]: c for c in live.page.context.cookies()}
    assert cookies["syncsvc_session"]["httpOnly"] is True
    assert cookies["syncsvc_session"]["sameSite"] == "Lax"

    live.page.context.clear_cookies()
    live.page.goto(live.base + link)
    live.page.get_by_role("button", name="Sign in").click()
    assert "already used" in live.page.get_by_role("alert").inner_text()
    check_accessibility(live.page, "reused link")

    expired = live.web.link()
    clock.set_now(clock.now() + timedelta(minutes=16))
    live.page.goto(live.base + expired)
    live.page.get_by_role("button", name="Sign in").click()
    assert "expired" in live.page.get_by_role("alert").inner_text()
    live.page.goto(live.base + "/plan")
    assert live.page.url == live.base + "/signin"


def test_see_todays_session_in_full(live: Live) -> None:
    live.sign_in()
    article = live.page.locator("article.session")
    assert "Core session" in article.get_by_role("heading", level=2).inner_text()
    text = article.inner_text()
    for part in ("Warm-up", "Exercises", "Cool-down", "Why today"):
        assert part in text
    assert live.page.locator(".exercises .dose").count() > 3
    assert live.page.get_by_label("How hard did it feel?").is_visible()


def test_mark_done_with_rpe_6_and_see_it_in_the_plan(live: Live) -> None:
    live.sign_in()
    live.page.get_by_label("How hard did it feel?").fill("6")
    live.page.get_by_label("Note (optional)").fill("felt solid")
    live.page.get_by_role("button", name="Mark done").click()
    live.page.wait_for_url(live.base + "/plan")
    check_accessibility(live.page, "plan after done")
    row = live.page.locator(f"#s-{live.web.today_session}")
    assert "done · RPE 6" in row.inner_text()
    assert "Marked core session" in live.page.get_by_role("status").inner_text()


def _sequence(live: Live, session_id: str) -> int:
    from icalendar import Calendar

    with live.web.store.read() as tx:
        athlete = tx.athletes.by_name("demo")
        assert athlete is not None
        rendered = tx.athlete(athlete.id).feed.rendered()
    assert rendered is not None
    for event in Calendar.from_ical(rendered.body).walk("VEVENT"):
        if str(event["UID"]).startswith(session_id):
            return int(event["SEQUENCE"])
    raise AssertionError(f"{session_id} is not in the feed")


def test_move_to_a_refused_day_reads_the_rule_then_moves_to_an_offered_day(live: Live) -> None:
    session_id = live.web.move_session  # looked up once: it is on another day after the move
    before = _sequence(live, session_id)
    live.sign_in()
    live.go("/plan")
    live.page.locator(f"#s-{session_id}").get_by_role("link", name=re.compile("^Move")).click()
    live.page.wait_for_url(re.compile(r".*/move$"))
    check_accessibility(live.page, "move picker")
    refused_day = live.page.locator(".days li.breaks").first
    rule_words = refused_day.locator(".why").inner_text().strip()
    assert rule_words
    assert rule_words != "fits"
    refused_day.locator("input").check()
    live.page.get_by_role("button", name="Move", exact=True).click()
    alert = live.page.locator("#refused")
    assert "Not moved." in alert.inner_text()
    assert "breaks" in alert.inner_text()
    assert alert.get_by_role("button", name=re.compile("anyway")).is_visible()
    check_accessibility(live.page, "move refused")
    screenshots(live.page, "move-refused")

    offered = live.page.locator(".days li.fits").first
    day = offered.locator("input").get_attribute("value")
    offered.locator("input").check()
    started = time.perf_counter()
    live.page.get_by_role("button", name="Move", exact=True).click()
    live.page.wait_for_url(live.base + "/plan")
    live.page.locator(f"#s-{session_id} .tag", has_text="pinned").wait_for()
    elapsed_ms = (time.perf_counter() - started) * 1000
    assert day is not None
    moved = date.fromisoformat(day)
    assert (
        f"{moved:%a} {moved.day} {moved:%b}" in live.page.locator(f"#s-{session_id}").inner_text()
    )
    assert _sequence(live, session_id) > before
    print(f"move click to updated plan: {elapsed_ms:.0f} ms")


def test_check_in_with_back_6_shows_the_next_sessions_changing(live: Live) -> None:
    live.sign_in()
    live.go("/checkin")
    live.page.get_by_label("6", exact=True).check()
    live.page.get_by_role("button", name="Check in").click()
    result = live.page.locator("section[role=status]")
    result.wait_for()
    assert "low back 6/10" in result.inner_text()
    changes = live.page.locator("#changes li")
    assert changes.count() > 0
    check_accessibility(live.page, "check-in result")


def _load_of(live: Live, day: str) -> str:
    live.go("/load")
    row = live.page.locator("table.days-table tr", has=live.page.locator(f"th:text-is('{day}')"))
    return str(row.locator("td").first.inner_text())


def test_upload_a_fit_file_and_see_the_activity_and_the_load_change(
    live: Live, tmp_path: Path
) -> None:
    live.sign_in()
    day = "Sat 21 Nov"
    before = _load_of(live, day)
    run = FitRun(datetime.fromisoformat("2026-11-21T15:00:00+00:00"), 5400, 18_000, 155, 175)
    path = tmp_path / "long-run.fit"
    path.write_bytes(encode_fit(run))
    live.go("/connections")
    live.page.get_by_label("File").set_input_files(str(path))
    live.page.get_by_role("button", name="Upload").click()
    status = live.page.get_by_role("status")
    status.wait_for()
    assert "long-run.fit: 1 new" in status.inner_text()
    assert _load_of(live, day) != before


def test_connect_strava_through_our_callback_and_see_the_first_sync(live: Live) -> None:
    live.sign_in()
    runs = generate_history(HistorySpec(weeks=1, athlete_key="web-strava", seed=3))
    seen: dict[str, str] = {}

    def consent(route: Any) -> None:
        query = parse_qs(urlparse(route.request.url).query)
        seen.update({key: values[0] for key, values in query.items()})
        target = (
            f"{query['redirect_uri'][0]}?state={query['state'][0]}"
            "&code=fake-code&scope=read,activity:read_all"
        )
        route.fulfill(status=302, headers={"location": target})

    live.page.route("https://www.strava.com/oauth/authorize**", consent)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        strava = FakeStrava(mock, strava_activities(runs))
        live.go("/connections")
        live.page.get_by_role("button", name="Connect Strava").click()
        live.page.get_by_role("status").wait_for()
    assert seen["redirect_uri"] == live.base + "/oauth/strava/callback"
    assert seen["client_id"] == "4242"
    said = live.page.get_by_role("status").inner_text()
    assert "Strava is connected." in said
    assert re.search(r"Strava: [1-9]\d* new", said), said
    assert any("oauth/token" in call for call in strava.calls)
    check_accessibility(live.page, "connections after Strava")


def test_add_a_caldav_calendar_from_the_page_and_see_it_listed_as_ok(
    live: Live,
    radicale: Radicale,  # noqa: F811
) -> None:
    live.sign_in()
    live.go("/connections")
    live.page.get_by_text("Add a CalDAV calendar").click()
    live.page.get_by_label("Server address").fill(radicale.url)
    live.page.get_by_label("Username", exact=True).fill(USER)
    live.page.get_by_label("Password", exact=True).fill("a wrong one")
    live.page.get_by_role("button", name="Add calendar").click()
    refused = live.page.locator("#caldav-password-error")
    refused.wait_for()
    assert "refused" in refused.inner_text()
    assert live.page.get_by_label("Password", exact=True).input_value() == ""
    check_accessibility(live.page, "CalDAV password refused")
    screenshots(live.page, "connections-caldav-refused")

    live.page.get_by_label("Password", exact=True).fill(PASSWORD)
    live.page.get_by_role("button", name="Add calendar").click()
    live.page.get_by_role("status").wait_for()
    assert "Added the calendar" in live.page.get_by_role("status").inner_text()
    channel = live.page.locator("li.channel")
    assert channel.locator(".state").inner_text() == "ok"
    check_accessibility(live.page, "connections with a channel")

    channel.get_by_role("button", name=re.compile("^Sync now")).click()
    live.page.locator("[role=status]", has_text="Pushed to CalDAV").wait_for()
    assert radicale.events()
    assert "Up to date with the plan." in live.page.locator("li.channel").inner_text()
    screenshots(live.page, "connections-push")


def test_the_load_and_connections_pages_pass_axe_on_a_phone_in_light_and_dark(
    live: Live,
) -> None:
    """The load tables' day cards and the push forms, opened, as a 360 px phone shows them."""
    live.sign_in()
    live.page.set_viewport_size({"width": 360, "height": 800})
    for path in ("/load", "/connections"):
        live.page.goto(live.base + path)
        live.page.locator("details").evaluate_all("found => found.forEach(d => (d.open = true))")
        for scheme in ("light", "dark"):
            live.page.emulate_media(color_scheme=scheme)
            check_accessibility(live.page, f"{path} at 360 px, {scheme}")
        widest = live.page.evaluate("document.documentElement.scrollWidth")
        assert widest <= 360, f"{path} scrolls sideways on a phone ({widest} px)"
        hidden = live.page.locator(".table-wrap").evaluate_all(
            "found => found.map(w => w.scrollWidth - w.clientWidth)"
        )
        assert all(width <= 0 for width in hidden), f"{path}: a table scrolls sideways"
    screenshots(live.page, "connections-forms")


def test_subscribe_by_webcal_link_and_qr_code_both_give_the_feed_url(live: Live) -> None:
    import zxingcpp
    from PIL import Image

    live.sign_in()
    live.go("/calendar")
    feed_url = live.page.get_by_label("Or copy the address").input_value()
    assert re.fullmatch(re.escape(live.base) + r"/feeds/[\w-]+\.ics", feed_url)
    webcal = live.page.locator("#webcal").get_attribute("href")
    assert webcal == "webcal://" + feed_url.split("://", 1)[1]
    qr = live.page.locator("#feed-qr")
    qr.scroll_into_view_if_needed()
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
    assert [code.text for code in decoded] == [webcal]


PAGES = ("/", "/plan", "/load", "/checkin", "/connections", "/calendar", "/profile")


def test_every_page_passes_axe_and_is_saved_at_two_widths_in_light_and_dark(live: Live) -> None:
    live.sign_in()
    for path in PAGES:
        live.go(path)
        name = path.strip("/") or "today"
        saved = screenshots(live.page, name)
        check_accessibility(live.page, f"{path} after screenshots")
        assert all(p.stat().st_size > 1000 for p in saved)
    live.go(f"/plan/{live.web.move_session}/move")
    screenshots(live.page, "move")
    live.page.context.clear_cookies()
    live.go("/signin")
    screenshots(live.page, "signin")


def test_without_javascript_the_plain_forms_do_everything(
    chromium: Any,
    demo_home: Path,
    radicale: Radicale,  # noqa: F811
) -> None:
    """No htmx, no script at all: sign in, mark done, move, check in and a push channel work."""
    port = free_port()
    web = make_web(demo_home, {"service": {"public_url": f"http://127.0.0.1:{port}"}})
    with live_server(web.app, port) as base:
        context = chromium.new_context(base_url=base, java_script_enabled=False)
        page = context.new_page()
        page.goto(base + web.link())
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(base + "/")
        page.get_by_label("How hard did it feel?").fill("6")
        page.get_by_role("button", name="Mark done").click()
        page.wait_for_url(base + "/plan")
        assert "done · RPE 6" in page.locator(f"#s-{web.today_session}").inner_text()
        page.goto(f"{base}/plan/{web.move_session}/move")
        page.locator(".days li.fits input").first.check()
        page.get_by_role("button", name="Move", exact=True).click()
        page.wait_for_url(base + "/plan")
        assert "Moved core session" in page.get_by_role("status").inner_text()
        page.goto(base + "/checkin")
        page.get_by_label("3", exact=True).check()
        page.get_by_role("button", name="Check in").click()
        assert "low back 3/10" in page.locator("section[role=status]").inner_text()
        page.goto(base + "/connections")
        page.get_by_text("Add a CalDAV calendar").click()
        page.get_by_label("Server address").fill(radicale.url)
        page.get_by_label("Username", exact=True).fill(USER)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Add calendar").click()
        page.wait_for_url(base + "/connections")
        page.get_by_role("button", name=re.compile("^Sync now")).click()
        page.wait_for_url(base + "/connections")
        assert "Pushed to CalDAV" in page.get_by_role("status").inner_text()
        page.get_by_label(re.compile("Keep its events")).check()
        page.get_by_role("button", name=re.compile("^Remove CalDAV")).click()
        page.wait_for_url(base + "/connections")
        assert "what it holds stays there" in page.get_by_role("status").inner_text()
        assert radicale.events()
        context.close()
    web.runtime.close()
