"""The web page at the HTTP layer: CSRF, cookie flags, CSP, isolation, sign-in rules, errors."""

from __future__ import annotations

import logging
import re
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from syncsvc import clock
from syncsvc.api.app import Syncsvc
from syncsvc.domain import Plan, Session, SessionKind
from syncsvc.errors import UsageError
from syncsvc.runtime import Runtime
from syncsvc.web.redaction import redact_web_secrets
from tests.web.conftest import Web, csrf_of, make_web, sign_in

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PAGES = ("/", "/plan", "/load", "/checkin", "/connections", "/calendar", "/profile")


def post_routes(web: Web) -> list[str]:
    paths = []
    for route in web.app.routes:
        if isinstance(route, Route) and "POST" in (route.methods or ()):
            paths.append(
                route.path.replace("{session_id}", web.today_session).replace(
                    "{channel_id:int}", "1"
                )
            )
    return paths


def test_every_post_without_the_right_csrf_token_is_refused(
    web: Web, signed_in: TestClient
) -> None:
    paths = post_routes(web)
    assert len(paths) >= 15
    for path in paths:
        for data in ({}, {"csrf": "not-the-token"}):
            answer = signed_in.post(path, data=data, follow_redirects=False)
            assert answer.status_code == 403, path
            assert "did not come from this page" in answer.text
    with web.store.read() as tx:
        assert tx.athlete(1).overrides.all() == []
        assert tx.athlete(1).checkins.all() == []


def test_a_csrf_token_in_the_header_is_accepted_as_htmx_sends_it(
    web: Web, signed_in: TestClient
) -> None:
    token = csrf_of(signed_in.get("/").text)
    answer = signed_in.post(
        f"/plan/{web.today_session}/pin", headers={"X-CSRF-Token": token}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert "Pinned" in signed_in.get("/plan").text


def test_the_session_cookie_is_httponly_lax_and_secure_behind_https(demo_home: Path) -> None:
    for public_url, secure in ((None, False), ("https://run.example.org", True)):
        web = make_web(demo_home, {"service": {"public_url": public_url}})
        with TestClient(web.app, base_url="https://run.example.org") as client:
            page = client.get(web.link())
            token = re.search(r'name="token" value="([^"]+)"', page.text)
            assert token
            answer = client.post(
                "/signin",
                data={"csrf": csrf_of(page.text), "token": token.group(1)},
                follow_redirects=False,
            )
        cookie = next(
            value
            for name, value in answer.headers.multi_items()
            if name == "set-cookie" and value.startswith("syncsvc_session=")
        )
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert ("Secure" in cookie) is secure
        assert "Max-Age=2592000" in cookie
        web.runtime.close()


def test_every_page_has_a_csp_without_inline_script_and_no_inline_script(
    web: Web,
    signed_in: TestClient,
) -> None:
    for path in (*PAGES, "/signin", f"/plan/{web.move_session}/move"):
        answer = signed_in.get(path)
        assert answer.status_code == 200, path
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy
        assert answer.headers["cache-control"] == "no-store"
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", answer.text) == [], path
        assert " style=" not in answer.text, path
        assert not re.search(r"<[^>]+\son[a-z]+=", answer.text), path


def _second_athlete(web: Web) -> tuple[int, str]:
    from syncsvc.testing.stores import add_athlete

    bo = add_athlete(web.store, "bo")
    session = Session(
        "bo-session-1",
        bo.id,
        SessionKind.CORE,
        clock.today_in("Europe/Berlin") + timedelta(days=2),
        time(18),
        25,
        changed_at=clock.now(),
        reasons=("BO-ONLY",),
    )
    with web.store.write() as tx:
        tx.athlete(bo.id).sessions.save_plan(Plan(bo.id, (session,)))
    return bo.id, session.id


def test_another_athletes_session_ids_and_cookies_are_refused(
    web: Web, signed_in: TestClient
) -> None:
    bo_id, bo_session = _second_athlete(web)
    token = csrf_of(signed_in.get("/").text)
    for action in ("pin", "skip", "reset", "move", "done"):
        answer = signed_in.post(
            f"/plan/{bo_session}/{action}",
            data={"csrf": token, "day": "tomorrow", "rpe": "5"},
            follow_redirects=False,
        )
        assert answer.status_code in (400, 404), action
        assert "no session with id" in answer.text
    assert signed_in.get(f"/plan/{bo_session}/move").status_code == 404
    assert "BO-ONLY" not in signed_in.get("/plan").text
    with web.store.read() as tx:
        assert tx.athlete(bo_id).overrides.all() == []
        assert tx.athlete(bo_id).sessions.get(bo_session).pinned is False  # type: ignore[union-attr]

    bo_runtime = Runtime(web.settings, athlete_name="bo", _store=web.store)
    bo_link = Syncsvc(bo_runtime).athlete().sign_in_link().url.rsplit("/signin/", 1)[1]
    with TestClient(web.app, base_url="http://127.0.0.1:8765") as bo_client:
        page = bo_client.get(f"/signin/{bo_link}")
        bo_client.post(
            "/signin", data={"csrf": csrf_of(page.text), "token": bo_link}, follow_redirects=False
        )
        assert "BO-ONLY" in bo_client.get("/plan").text
        assert web.today_session not in bo_client.get("/plan").text
        assert bo_client.get(f"/plan/{web.today_session}/move").status_code == 404
    with TestClient(web.app, base_url="http://127.0.0.1:8765") as forger:
        forger.cookies.set("syncsvc_session", "made-up-session-id")
        answer = forger.get("/plan", follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/signin"


def test_sign_out_everywhere_ends_every_session_of_the_runner(web: Web) -> None:
    with (
        TestClient(web.app, base_url="http://127.0.0.1:8765") as phone,
        TestClient(web.app, base_url="http://127.0.0.1:8765") as laptop,
    ):
        sign_in(phone, web)
        sign_in(laptop, web)
        assert laptop.get("/", follow_redirects=False).status_code == 200
        token = csrf_of(phone.get("/profile").text)
        phone.post("/signout/everywhere", data={"csrf": token}, follow_redirects=False)
        for client in (phone, laptop):
            assert client.get("/", follow_redirects=False).headers["location"] == "/signin"


def test_sessions_end_after_the_configured_lifetime(demo_home: Path) -> None:
    web = make_web(demo_home, {"web": {"session_days": 1}})
    with TestClient(web.app, base_url="http://127.0.0.1:8765") as client:
        sign_in(client, web)
        assert client.get("/", follow_redirects=False).status_code == 200
        clock.set_now(clock.now() + timedelta(days=1, minutes=1))
        assert client.get("/", follow_redirects=False).status_code == 303
    web.runtime.close()


def test_sign_in_links_are_single_use_expire_and_are_rate_limited(web: Web) -> None:
    with TestClient(web.app, base_url="http://127.0.0.1:8765") as client:
        page = client.get(web.link())
        csrf = csrf_of(page.text)
        token = re.search(r'name="token" value="([^"]+)"', page.text)
        assert token
        first = client.post("/signin", data={"csrf": csrf, "token": token.group(1)})
        assert first.status_code == 200
        client.cookies.clear()
        client.get("/signin")
        pre_session = client.cookies.get("syncsvc_presession")
        again = client.post("/signin", data={"csrf": pre_session, "token": token.group(1)})
        assert again.status_code == 400
        assert "already used" in again.text
    for _ in range(web.settings.web.links_per_hour - 1):
        web.link()
    with pytest.raises(UsageError, match="sign-in links were already made"):
        web.link()
    clock.set_now(clock.now() + timedelta(hours=1, seconds=1))
    assert web.link().startswith("/signin/")


def test_bad_form_input_shows_the_form_again_with_the_message_beside_the_field(
    web: Web,
    signed_in: TestClient,
) -> None:
    token = csrf_of(signed_in.get("/checkin").text)
    answer = signed_in.post("/checkin", data={"csrf": token, "back": "11"})
    assert answer.status_code == 400
    assert re.search(r'class="field-error" id="back-error">[^<]*out of range', answer.text)
    assert 'name="back"' in answer.text
    answer = signed_in.post("/profile", data={"csrf": token, "hr_rest": "fast"})
    assert answer.status_code == 400
    assert 'id="p-hr_rest-error"' in answer.text
    assert 'value="fast"' in answer.text
    answer = signed_in.post("/", data={"csrf": token})
    assert answer.status_code == 405
    answer = signed_in.post(
        f"/plan/{web.today_session}/done", data={"csrf": token, "rpe": "eleven"}
    )
    assert answer.status_code == 400
    assert 'id="rpe-error"' in answer.text


def test_errors_show_as_a_message_never_a_traceback(web: Web, signed_in: TestClient) -> None:
    missing = signed_in.get("/plan/no-such-session/move")
    assert missing.status_code == 404
    assert "no session with id" in missing.text
    web.store.close()
    assert web.settings.sqlite_path is not None
    web.settings.sqlite_path.unlink()
    broken = signed_in.get("/plan")
    assert broken.status_code >= 400
    assert "Traceback" not in broken.text
    assert 'role="alert"' in broken.text


def test_no_secret_in_any_page_but_the_feed_url_on_the_calendar_page(
    web: Web, signed_in: TestClient
) -> None:
    with web.store.read() as tx:
        feed_token = tx.athlete(1).feed.active_token()
    assert feed_token
    session_cookie = signed_in.cookies.get("syncsvc_session")
    assert session_cookie
    for path in PAGES:
        text = signed_in.get(path).text
        assert session_cookie not in text
        assert (feed_token in text) is (path == "/calendar"), path


def test_the_strava_callback_checks_state(web: Web, signed_in: TestClient) -> None:
    answer = signed_in.get("/oauth/strava/callback?state=made-up&code=abc", follow_redirects=False)
    assert answer.status_code == 400
    assert "did not match a request from this page" in answer.text
    bo_id, _ = _second_athlete(web)
    with web.store.write() as tx:
        bo_user = tx.athlete(bo_id).web.ensure_user().id
        state = tx.web.put_state("strava", "connect", bo_user, timedelta(minutes=5))
    answer = signed_in.get(f"/oauth/strava/callback?state={state}&code=abc")
    assert answer.status_code == 400
    with web.store.read() as tx:
        assert tx.athlete(1).credentials.info("strava") is None


def test_sign_in_links_and_oauth_codes_are_redacted_in_logs(
    web: Web, signed_in: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    line = (
        '127.0.0.1:5 - "GET /signin/AbC-123_xyz HTTP/1.1" 200; '
        '"GET /oauth/strava/callback?state=s3cr3t&code=c0de&scope=read HTTP/1.1" 303'
    )
    redacted = redact_web_secrets(line)
    for secret in ("AbC-123_xyz", "s3cr3t", "c0de"):
        assert secret not in redacted
    assert "scope=read" in redacted
    logger = logging.getLogger("uvicorn.access")
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        logger.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", "/signin/tok3n", "1.1", 200)
    assert "tok3n" not in caplog.text
    assert "/signin/[redacted]" in caplog.text


def test_the_calendar_qr_code_and_google_link_carry_the_webcal_address(
    signed_in: TestClient,
) -> None:
    page = signed_in.get("/calendar").text
    webcal = re.search(r'id="webcal" href="(webcal://[^"]+)"', page)
    assert webcal
    assert "https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2F" in page
    svg = signed_in.get("/calendar/qr.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<svg")
    assert 'xmlns="http://www.w3.org/2000/svg"' in svg.text


def test_the_day_picker_says_which_days_fit_and_why_the_others_do_not(
    web: Web,
    signed_in: TestClient,
) -> None:
    page = signed_in.get(f"/plan/{web.move_session}/move").text
    fits = re.findall(r'<li class="fits">.*?value="([\d-]+)"', page, re.S)
    assert fits == ["2026-11-26"]
    assert page.count('<li class="breaks">') >= 10
    assert "Wednesday already holds a hip session: one a day" in page
    assert "two core sessions need at least 2 days between them" in page
    assert "where it is now" in page


def test_a_refused_move_offers_the_forced_move_as_a_second_step(
    web: Web, signed_in: TestClient
) -> None:
    session_id = web.move_session  # looked up once: it is on another day after the move
    token = csrf_of(signed_in.get("/plan").text)
    refused = signed_in.post(f"/plan/{session_id}/move", data={"csrf": token, "day": "2026-11-29"})
    assert refused.status_code == 400
    assert "Not moved." in refused.text
    assert 'name="force" value="yes"' in refused.text
    forced = signed_in.post(
        f"/plan/{session_id}/move", data={"csrf": token, "day": "2026-11-29", "force": "yes"}
    )
    assert forced.status_code == 200
    assert "Placed anyway, though" in forced.text
    with web.store.read() as tx:
        moved = tx.athlete(1).sessions.get(session_id)
    assert moved is not None
    assert moved.local_date == date(2026, 11, 29)


def test_opening_a_link_does_not_use_it_only_its_button_does(web: Web) -> None:
    """A chat app's link preview (a GET) must not sign anyone in or use the link up."""
    path = web.link()
    with TestClient(web.app, base_url="http://127.0.0.1:8765") as client:
        for _ in range(3):
            preview = client.get(path)
            assert preview.status_code == 200
            assert "syncsvc_session" not in client.cookies
        form = {"csrf": csrf_of(preview.text), "token": path.rsplit("/", 1)[1]}
        assert client.post("/signin", data=form, follow_redirects=False).status_code == 303


def test_signing_out_ends_this_session_only(web: Web) -> None:
    with (
        TestClient(web.app, base_url="http://127.0.0.1:8765") as phone,
        TestClient(web.app, base_url="http://127.0.0.1:8765") as laptop,
    ):
        sign_in(phone, web)
        sign_in(laptop, web)
        cookie = phone.cookies.get("syncsvc_session")
        token = csrf_of(phone.get("/").text)
        answer = phone.post("/signout", data={"csrf": token}, follow_redirects=False)
        assert answer.headers["location"] == "/signin"
        assert phone.get("/", follow_redirects=False).status_code == 303
        assert laptop.get("/", follow_redirects=False).status_code == 200
        phone.cookies.set("syncsvc_session", cookie or "")
        assert phone.get("/", follow_redirects=False).status_code == 303
