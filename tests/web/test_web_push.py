"""Push channels on the Connections page, at the HTTP layer.

CalDAV against a real Radicale on 127.0.0.1 (the push tests' fixture), Garmin
faked at the HTTP layer with `responses` as the Garmin push and login tests do.
The clock stands at the demo's instant (Monday 23 November 2026, 06:30 in Berlin).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses
from starlette.testclient import TestClient

from syncsvc.api.app import Syncsvc
from syncsvc.domain import Profile
from syncsvc.push import admin
from syncsvc.sources.garmin import save_tokens
from tests.push.conftest import radicale  # noqa: F401  (fixture)
from tests.push.fake_garmin import FakeGarminCalendar
from tests.push.radicale_server import PASSWORD, USER, Radicale
from tests.sources.fakes import FakeGarmin, garmin_tokens
from tests.web.conftest import Web, csrf_of

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SSO_LOGIN = "https://sso.garmin.com/mobile/api/login"
SSO_MFA = "https://sso.garmin.com/mobile/api/mfa/verifyCode"
SOCIAL_PROFILE = "https://connectapi.garmin.com/userprofile-service/socialProfile"
WRONG_PASSWORD = "not-the-password-7731"


def channels(web: Web, athlete_id: int = 1) -> list[tuple[int, str, str]]:
    with web.store.read() as tx:
        return [(c.id, c.kind, c.state) for c in tx.athlete(athlete_id).push.channels()]


def token(client: TestClient) -> str:
    return csrf_of(client.get("/connections").text)


def add_caldav(client: TestClient, radicale_url: str, password: str = PASSWORD) -> str:
    answer = client.post(
        "/connections/push/caldav",
        data={
            "csrf": token(client),
            "url": radicale_url,
            "username": USER,
            "password": password,
            "calendar": "Strength",
        },
    )
    return answer.text


def flash_of(html: str) -> str:
    found = re.search(r'<p class="flash" role="status">([^<]*)</p>', html)
    assert found, "no message on the page"
    return found.group(1)


def store_bytes(web: Web) -> bytes:
    return b"".join(path.read_bytes() for path in Path(web.runtime.home).glob("*.sqlite*"))


def test_add_a_caldav_calendar_from_the_form_sync_now_and_remove_it(
    web: Web,
    signed_in: TestClient,
    radicale: Radicale,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    page = signed_in.get("/connections").text
    assert "Calendars and watch" in page
    assert "None yet." in page

    answer = signed_in.post(
        "/connections/push/caldav",
        data={
            "csrf": csrf_of(page),
            "url": radicale.url,
            "username": USER,
            "password": PASSWORD,
            "calendar": "Strength",
        },
        follow_redirects=False,
    )

    assert answer.status_code == 303
    page = signed_in.get("/connections").text
    assert "Added the calendar at 127.0.0.1" in flash_of(page)
    [(channel_id, kind, state)] = channels(web)
    assert (kind, state) == ("caldav", "ok")
    assert f'id="channel-{channel_id}"' in page
    assert "Not pushed yet" in page
    assert PASSWORD not in page
    assert PASSWORD.encode() not in store_bytes(web)
    assert radicale.events() == {}

    page = signed_in.post(f"/connections/push/{channel_id}/sync", data={"csrf": csrf_of(page)}).text

    events = radicale.events()
    assert events
    assert all(b"BEGIN:VEVENT" in body for body in events.values())
    assert f"Pushed to CalDAV (127.0.0.1): {len(events)} new" in flash_of(page)
    assert "Up to date with the plan." in page
    assert "Last push: Mon 23 Nov at 06:30" in page

    answer = signed_in.post(f"/connections/push/{channel_id}/remove", data={"csrf": csrf_of(page)})

    assert answer.status_code == 200
    assert f"Removed CalDAV (127.0.0.1) and the {len(events)} events" in flash_of(answer.text)
    assert radicale.events() == {}
    assert channels(web) == []
    assert PASSWORD not in caplog.text


def test_a_paused_channel_says_why_and_is_removed_only_keeping_its_events(
    web: Web,
    signed_in: TestClient,
    radicale: Radicale,  # noqa: F811
) -> None:
    # The password changed on the server after the channel was added (the CLI adds
    # without logging in): the next push is refused and pauses the channel.
    channel = admin.add_caldav(
        web.store, 1, url=radicale.url, username=USER, password="an old password"
    )
    answer = signed_in.post(f"/connections/push/{channel.id}/sync", data={"csrf": token(signed_in)})
    assert flash_of(answer.text).startswith(
        "CalDAV (127.0.0.1) was not pushed: the CalDAV server refused the username or password"
    )
    assert channels(web) == [(channel.id, "caldav", "paused")]
    assert "Paused: 127.0.0.1 refused the password." in answer.text
    assert "Last error: the CalDAV server refused the username or password" in answer.text

    refused = signed_in.post(
        f"/connections/push/{channel.id}/remove", data={"csrf": token(signed_in)}
    )
    assert refused.status_code == 400
    assert "was not removed" in refused.text
    assert channels(web) == [(channel.id, "caldav", "paused")]

    signed_in.post(
        f"/connections/push/{channel.id}/remove",
        data={"csrf": token(signed_in), "keep_events": "yes"},
    )
    assert channels(web) == []


def test_remove_with_keep_events_leaves_the_events_in_the_calendar(
    web: Web,
    signed_in: TestClient,
    radicale: Radicale,  # noqa: F811
) -> None:
    add_caldav(signed_in, radicale.url)
    [(channel_id, _, _)] = channels(web)
    signed_in.post(f"/connections/push/{channel_id}/sync", data={"csrf": token(signed_in)})
    pushed = radicale.events()

    answer = signed_in.post(
        f"/connections/push/{channel_id}/remove",
        data={"csrf": token(signed_in), "keep_events": "yes"},
    )

    assert "what it holds stays there" in flash_of(answer.text)
    assert channels(web) == []
    assert radicale.events() == pushed


def test_a_wrong_password_shows_the_form_again_with_the_message_and_stores_nothing(
    web: Web,
    signed_in: TestClient,
    radicale: Radicale,  # noqa: F811
) -> None:
    answer = signed_in.post(
        "/connections/push/caldav",
        data={
            "csrf": token(signed_in),
            "url": radicale.url,
            "username": USER,
            "password": WRONG_PASSWORD,
        },
    )

    assert answer.status_code == 400
    error = re.search(r'id="caldav-password-error"[^>]*>([^<]*)<', answer.text)
    assert error, answer.text
    assert "refused the username or password" in error.group(1)
    assert "syncsvc push add" not in error.group(1)
    assert 'id="add-caldav" open' in answer.text
    assert f'value="{radicale.url}"' in answer.text
    assert f'value="{USER}"' in answer.text
    password_input = re.search(r'<input id="caldav-password"[^>]*>', answer.text)
    assert password_input
    assert "value=" not in password_input.group(0)
    assert 'aria-invalid="true"' in password_input.group(0)
    assert WRONG_PASSWORD not in answer.text
    assert channels(web) == []
    assert WRONG_PASSWORD.encode() not in store_bytes(web)


def test_an_address_with_no_server_or_a_missing_field_is_named_beside_its_field(
    web: Web, signed_in: TestClient
) -> None:
    from tests.push.radicale_server import free_port

    unreachable = f"http://127.0.0.1:{free_port()}/ana/"
    answer = signed_in.post(
        "/connections/push/caldav",
        data={"csrf": token(signed_in), "url": unreachable, "username": USER, "password": "x"},
    )
    assert answer.status_code == 400
    assert re.search(r'id="caldav-url-error"[^>]*>[^<]*cannot be reached', answer.text)

    answer = signed_in.post(
        "/connections/push/caldav",
        data={"csrf": token(signed_in), "url": unreachable, "username": USER, "password": ""},
    )
    assert answer.status_code == 400
    assert re.search(r'id="caldav-password-error"[^>]*>Fill this in\.<', answer.text)
    assert channels(web) == []


def test_the_push_routes_refuse_a_post_without_the_csrf_token(
    web: Web, signed_in: TestClient
) -> None:
    channel = admin.add_caldav(
        web.store, 1, url="https://dav.example.org/ana/", username="ana", password="pw"
    )
    paths = (
        "/connections/push/caldav",
        "/connections/push/garmin",
        f"/connections/push/{channel.id}/sync",
        f"/connections/push/{channel.id}/remove",
    )
    for path in paths:
        for data in ({}, {"csrf": "not-the-token"}):
            answer = signed_in.post(
                path,
                data={**data, "url": "https://dav.example.org/b/", "username": "b"},
            )
            assert answer.status_code == 403, path
            assert "did not come from this page" in answer.text
    assert channels(web) == [(channel.id, "caldav", "ok")]


def test_another_athletes_channel_is_not_found(web: Web, signed_in: TestClient) -> None:
    other = Syncsvc(web.runtime).add_athlete("bea", Profile(timezone="Europe/Berlin"))
    theirs = admin.add_caldav(
        web.store, other.id, url="https://dav.example.org/bea/", username="bea", password="pw"
    )

    for action in ("sync", "remove"):
        answer = signed_in.post(
            f"/connections/push/{theirs.id}/{action}",
            data={"csrf": token(signed_in), "keep_events": "yes"},
        )
        assert answer.status_code == 404, action
    assert channels(web, other.id) == [(theirs.id, "caldav", "ok")]
    assert "dav.example.org/bea" not in signed_in.get("/connections").text


@pytest.fixture
def garmin_calendar(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGarminCalendar]:
    import garminconnect.client

    # As in tests/push: without curl_cffi, garminconnect talks through `requests`.
    monkeypatch.setattr(garminconnect.client, "HAS_CFFI", False)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeGarminCalendar(mock)


def test_push_to_the_garmin_account_already_connected_and_sync_now(
    web: Web, signed_in: TestClient, garmin_calendar: FakeGarminCalendar
) -> None:
    save_tokens(web.store, 1, garmin_tokens())
    page = signed_in.get("/connections").text
    assert "It uses the Garmin account connected above." in page

    signed_in.post("/connections/push/garmin", data={"csrf": csrf_of(page)})
    [(channel_id, kind, state)] = channels(web)
    assert (kind, state) == ("garmin", "ok")
    page = signed_in.get("/connections").text
    assert 'id="add-garmin"' not in page

    page = signed_in.post(f"/connections/push/{channel_id}/sync", data={"csrf": csrf_of(page)}).text

    scheduled = garmin_calendar.scheduled_days()
    assert scheduled
    assert f"Pushed to Garmin Connect: {len(scheduled)} new" in flash_of(page)
    assert garmin_calendar.logins == []

    garmin_calendar.token_valid = False
    page = signed_in.post(f"/connections/push/{channel_id}/sync", data={"csrf": csrf_of(page)}).text
    assert channels(web) == [(channel_id, "garmin", "paused")]
    assert "Garmin refused the stored login" in page
    assert 'id="add-garmin"' in page

    garmin_calendar.token_valid = True
    signed_in.post("/connections/push/garmin", data={"csrf": csrf_of(page)})
    assert channels(web) == [(channel_id, "garmin", "ok")]
    page = signed_in.post(
        f"/connections/push/{channel_id}/remove", data={"csrf": csrf_of(page)}
    ).text
    assert f"Removed Garmin Connect and the {len(scheduled)} workouts" in flash_of(page)
    assert garmin_calendar.scheduled_days() == {}


def test_log_in_to_garmin_with_the_mfa_code_then_push_to_it(
    web: Web, signed_in: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import garminconnect.client

    monkeypatch.setattr(garminconnect.client, "HAS_CFFI", False)
    garmin_password = "garmin-secret-4410"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        FakeGarmin(mock)
        mock.add(responses.GET, SOCIAL_PROFILE, json={"profileId": 2591602})
        login = mock.add(
            responses.POST,
            SSO_LOGIN,
            json={
                "responseStatus": {"type": "MFA_REQUIRED"},
                "customerMfaInfo": {"mfaLastMethodUsed": "email"},
            },
        )
        verify = mock.add(
            responses.POST,
            SSO_MFA,
            json={"responseStatus": {"type": "SUCCESSFUL"}, "serviceTicketId": "ST-123"},
            match=[
                responses.matchers.json_params_matcher(
                    {"mfaVerificationCode": "654321"}, strict_match=False
                )
            ],
        )

        asked = signed_in.post(
            "/connections/garmin",
            data={
                "csrf": token(signed_in),
                "email": "ana@example.com",
                "password": garmin_password,
                "push": "1",
            },
        )

        assert asked.status_code == 200
        assert 'id="push-garmin-code"' in asked.text
        assert 'id="add-garmin" open' in asked.text
        assert garmin_password not in asked.text
        answer = signed_in.post(
            "/connections/garmin/code",
            data={"csrf": csrf_of(asked.text), "code": "654321", "push": "1"},
        )

    assert (login.call_count, verify.call_count) == (1, 1)
    assert "your sessions will go to its calendar" in flash_of(answer.text)
    assert [(kind, state) for _, kind, state in channels(web)] == [("garmin", "ok")]
    with web.store.read() as tx:
        assert tx.athlete(1).credentials.info("garmin") is not None
    assert garmin_password.encode() not in store_bytes(web)
