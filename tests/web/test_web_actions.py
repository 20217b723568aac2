"""Plan actions, uploads and Garmin's two-step login through the web page (HTTP layer)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from syncsvc.web.garmin_login import GarminLogins
from tests.web.conftest import Web, csrf_of, make_web, sign_in

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_pin_unpin_add_and_give_back_work_as_plain_forms(web: Web, signed_in: TestClient) -> None:
    token = csrf_of(signed_in.get("/plan").text)
    for action, said in (("pin", "Pinned"), ("unpin", "Unpinned"), ("reset", "Gave core")):
        answer = signed_in.post(f"/plan/{web.move_session}/{action}", data={"csrf": token})
        assert answer.status_code == 200, answer.text
        assert said in answer.text
    added = signed_in.post(
        "/plan/add",
        data={"csrf": token, "kind": "hip", "day": "2026-11-26", "time": "07:00", "force": "yes"},
    )
    assert "Added a hip session" in added.text
    assert "Thu 26 Nov · 07:00" in added.text
    with web.store.read() as tx:
        actions = [o.action.value for o in tx.athlete(1).overrides.all()]
    assert actions == ["pin", "unpin", "reset", "add"]


def test_a_refused_add_shows_the_rule_beside_the_form_and_offers_to_force(
    signed_in: TestClient,
) -> None:
    token = csrf_of(signed_in.get("/plan").text)
    refused = signed_in.post("/plan/add", data={"csrf": token, "kind": "core", "day": "2026-11-24"})
    assert refused.status_code == 400
    assert 'id="add-error"' in refused.text
    assert "refused" in refused.text
    assert 'name="force" value="yes"' in refused.text


def test_an_upload_too_large_or_of_the_wrong_kind_is_refused_with_a_message(
    demo_home: Path,
) -> None:
    web = make_web(demo_home, {"web": {"upload_max_mb": 1}})
    with TestClient(web.app, base_url="http://127.0.0.1:8765") as client:
        sign_in(client, web)
        token = csrf_of(client.get("/connections").text)
        big = client.post(
            "/connections/upload",
            data={"csrf": token},
            files={"file": ("huge.fit", b"\0" * (2 << 20))},
        )
        assert big.status_code == 413
        assert "at most 1 MB" in big.text
        wrong = client.post(
            "/connections/upload",
            data={"csrf": token},
            files={"file": ("notes.txt", b"hello")},
        )
        assert wrong.status_code == 400
        assert 'id="upload-error"' in wrong.text
    web.runtime.close()


def test_a_plan_source_must_be_a_url_never_a_file_on_the_server(signed_in: TestClient) -> None:
    token = csrf_of(signed_in.get("/connections").text)
    answer = signed_in.post(
        "/connections/plan-sources", data={"csrf": token, "location": "/etc/passwd"}
    )
    assert answer.status_code == 400
    assert "starting with https://" in answer.text


def test_garmins_login_waits_for_the_mfa_code_across_two_requests() -> None:
    logins = GarminLogins()
    given: list[str] = []
    finished = threading.Event()

    def login(ask_code: object) -> None:
        assert callable(ask_code)
        given.append(ask_code())
        finished.set()

    first = logins.start(7, login)
    assert first.needs_code
    assert first.error is None
    second = logins.give_code(7, "123456")
    assert not second.needs_code
    assert second.error is None
    assert finished.is_set()
    assert given == ["123456"]
    assert logins.give_code(7, "again").error is not None


def test_a_failed_garmin_login_comes_back_as_the_error() -> None:
    def login(ask_code: object) -> None:
        raise RuntimeError("refused by Garmin")

    step = GarminLogins().start(8, login)
    assert not step.needs_code
    assert isinstance(step.error, RuntimeError)


def test_boosted_pages_tell_htmx_their_address(signed_in: TestClient) -> None:
    answer = signed_in.get("/plan", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert answer.headers["hx-push-url"] == "/plan"


def test_rotating_the_feed_address_stops_the_old_one(web: Web, signed_in: TestClient) -> None:
    with web.store.read() as tx:
        before = tx.athlete(1).feed.active_token()
    assert before
    token = csrf_of(signed_in.get("/calendar").text)
    page = signed_in.post("/calendar/rotate", data={"csrf": token})
    assert "the old one stopped working" in page.text
    with web.store.read() as tx:
        after = tx.athlete(1).feed.active_token()
        assert tx.shared.find_token(before).status.value == "revoked"
    assert after
    assert after != before
    assert after in page.text
    assert before not in page.text


def test_a_user_without_an_athlete_is_sent_to_sign_in_without_a_loop(web: Web) -> None:
    from datetime import timedelta

    from syncsvc import clock
    from syncsvc.store.schema import UserRow
    from syncsvc.store.web_access import WebUser

    with web.store.write() as tx:
        row = UserRow(role="athlete", athlete_id=None, created_at=clock.now())
        tx.orm.add(row)
        tx.orm.flush()
        opened = tx.web.open_session(WebUser(row.id, "athlete", None), timedelta(days=1))
    with TestClient(web.app, base_url="http://127.0.0.1:8765") as client:
        client.cookies.set("syncsvc_session", opened.token)
        assert client.get("/plan", follow_redirects=False).headers["location"] == "/signin"
        assert client.get("/signin", follow_redirects=False).status_code == 200
