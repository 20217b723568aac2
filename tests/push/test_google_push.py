"""Google Calendar through the library's own HttpMockSequence, in the API's JSON shapes.

Shapes from the Calendar API v3 reference: calendarList.list and events.list
are collections with `items` and `nextSyncToken`; calendars.insert and events
answer the resource with `id` and a quoted `etag`; errors are
`{"error": {"errors": [{"domain", "reason", "message"}], "code", "message"}}`
with reasons `duplicate` (409) and `conditionNotMet` (412); a refused refresh
is the OAuth token endpoint's `{"error": "invalid_grant", ...}` with 400.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import responses
from googleapiclient.http import HttpMockSequence

from syncsvc.config import Settings
from syncsvc.domain import SessionStatus
from syncsvc.push import admin
from syncsvc.push.engine import push_channel
from syncsvc.push.google import SCOPE, authorise
from syncsvc.push.model import ChannelState
from syncsvc.push.project import google_event_id
from syncsvc.store.database import Store
from tests.push.push_builders import (
    CANCELLED,
    HOST,
    TODAY,
    make_store,
    replan,
    save_plan,
    two_week_plan,
)

CALENDAR_ID = "c_4f1d2a9e0b7c@group.calendar.google.com"
GRANT = {
    "token": "ya29.a0-access",
    "refresh_token": "1//0g-refresh",
    "token_uri": "https://oauth2.googleapis.com/token",
    "client_id": "123-abc.apps.googleusercontent.com",
    "client_secret": "GOCSPX-secret",
    "scopes": [SCOPE],
    "expiry": "2099-01-01T00:00:00Z",  # the library refreshes first when this is missing
}
OK = {"status": "200", "content-type": "application/json; charset=UTF-8"}
NO_CONTENT = {"status": "204"}


def answer(status: int, body: Any) -> tuple[dict[str, str], str]:
    return {**OK, "status": str(status)}, json.dumps(body)


def error(status: int, reason: str, message: str) -> tuple[dict[str, str], str]:
    body = {
        "error": {
            "errors": [{"domain": "global", "reason": reason, "message": message}],
            "code": status,
            "message": message,
        }
    }
    return answer(status, body)


def calendar_list(*names: str) -> tuple[dict[str, str], str]:
    items = [
        {
            "kind": "calendar#calendarListEntry",
            "etag": '"1701600000000000"',
            "id": CALENDAR_ID,
            "summary": name,
            "timeZone": "Europe/Berlin",
            "accessRole": "owner",
        }
        for name in names
    ]
    return answer(
        200,
        {
            "kind": "calendar#calendarList",
            "etag": '"p33c9bt1"',
            "nextSyncToken": "CMi2",
            "items": items,
        },
    )


def events_list(*items: dict[str, Any], token: str = "CPDAlvWDx70CEPDAlvWDx70CGAU=") -> Any:
    return answer(
        200,
        {
            "kind": "calendar#events",
            "etag": '"p32g"',
            "summary": "Core & hip",
            "updated": "2026-12-03T06:00:00.000Z",
            "timeZone": "Europe/Berlin",
            "accessRole": "owner",
            "defaultReminders": [],
            "nextSyncToken": token,
            "items": list(items),
        },
    )


def event(event_id: str, etag: str, sequence: int, status: str = "confirmed") -> Any:
    return {
        "kind": "calendar#event",
        "etag": etag,
        "id": event_id,
        "status": status,
        "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
        "created": "2026-12-03T06:00:00.000Z",
        "updated": "2026-12-03T06:00:01.000Z",
        "summary": "Core · Foundation wk 2 · 25 min",
        "iCalUID": f"2026w49-01@{HOST}",
        "sequence": sequence,
    }


FIRST_ID = google_event_id(f"2026w49-01@{HOST}")


def setup(tmp_path: Path, remote: dict[str, Any] | None = None) -> tuple[Store, Settings, int, int]:
    store, settings, athlete_id = make_store(tmp_path)
    save_plan(store, athlete_id, two_week_plan(athlete_id)[:1])
    with store.write() as tx:
        channel = tx.athlete(athlete_id).push.add_channel("google", "Google Calendar", secret=GRANT)
        if remote:
            tx.athlete(athlete_id).push.save_remote(channel.id, remote, read=True)
    return store, settings, athlete_id, channel.id


def sent(http: HttpMockSequence) -> list[tuple[str, str, dict[str, Any] | None, dict[str, str]]]:
    return [
        (method, unquote(urlsplit(uri).path), json.loads(body) if body else None, headers or {})
        for uri, method, body, headers in http.request_sequence
    ]


def test_event_ids_are_base32hex_of_the_uid() -> None:
    event_id = google_event_id(f"2026w49-01@{HOST}")
    assert set(event_id) <= set("0123456789abcdefghijklmnopqrstuv")
    assert 5 <= len(event_id) <= 1024
    assert event_id != google_event_id(f"2026w49-02@{HOST}")


def test_the_first_push_makes_the_calendar_and_inserts_the_event(tmp_path: Path) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path)
    http = HttpMockSequence(
        [
            calendar_list(),
            answer(200, {"kind": "calendar#calendar", "id": CALENDAR_ID, "etag": '"e1"'}),
            events_list(),
            answer(200, event(FIRST_ID, '"3181161784712000"', 1)),
        ]
    )

    result = push_channel(store, settings, athlete_id, channel_id, http=http)

    assert result.state is ChannelState.OK, result.error
    requests = sent(http)
    assert [(m, p) for m, p, _, _ in requests] == [
        ("GET", "/calendar/v3/users/me/calendarList"),
        ("POST", "/calendar/v3/calendars"),
        ("GET", f"/calendar/v3/calendars/{CALENDAR_ID}/events"),
        ("POST", f"/calendar/v3/calendars/{CALENDAR_ID}/events"),
    ]
    body = requests[3][2]
    assert body is not None
    assert (body["id"], body["iCalUID"], body["sequence"]) == (FIRST_ID, f"2026w49-01@{HOST}", 1)
    assert body["start"] == {"dateTime": "2026-12-03T18:00:00+01:00", "timeZone": "Europe/Berlin"}
    assert requests[3][3]["authorization"] == "Bearer ya29.a0-access"


def test_a_409_on_insert_becomes_one_update(tmp_path: Path) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path)
    http = HttpMockSequence(
        [
            calendar_list("Core & hip"),
            events_list(),
            error(409, "duplicate", "The requested identifier already exists."),
            answer(200, event(FIRST_ID, '"3181161784712001"', 2)),
        ]
    )

    result = push_channel(store, settings, athlete_id, channel_id, http=http)

    assert result.state is ChannelState.OK, result.error
    assert result.writes == 2
    method, path, body, _ = sent(http)[-1]
    assert (method, path) == ("PUT", f"/calendar/v3/calendars/{CALENDAR_ID}/events/{FIRST_ID}")
    assert body is not None
    assert body["summary"].startswith("Core")


def test_a_412_on_update_reads_once_and_the_plan_wins(tmp_path: Path) -> None:
    store, settings, athlete_id, channel_id = setup(
        tmp_path, {"calendar_id": CALENDAR_ID, "sync_token": "CPDA"}
    )
    first = HttpMockSequence([answer(200, event(FIRST_ID, '"e-1"', 1))])
    push_channel(store, settings, athlete_id, channel_id, http=first)
    replan(store, athlete_id, "2026w49-01", minutes=40)
    http = HttpMockSequence(
        [
            error(412, "conditionNotMet", "Precondition Failed"),
            answer(200, event(FIRST_ID, '"e-runner"', 4)),
            answer(200, event(FIRST_ID, '"e-3"', 5)),
        ]
    )

    result = push_channel(store, settings, athlete_id, channel_id, http=http)

    assert result.state is ChannelState.OK, result.error
    assert (result.writes, result.reads) == (2, 1)
    requests = sent(http)
    assert requests[0][3]["If-Match"] == '"e-1"'
    assert requests[1][0] == "GET"
    assert requests[2][3]["If-Match"] == '"e-runner"'
    assert requests[2][2] is not None
    assert requests[2][2]["sequence"] == 5


def test_one_call_per_changed_session_and_none_when_unchanged(tmp_path: Path) -> None:
    store, settings, athlete_id, channel_id = setup(
        tmp_path, {"calendar_id": CALENDAR_ID, "sync_token": "CPDA"}
    )
    push_channel(
        store,
        settings,
        athlete_id,
        channel_id,
        http=HttpMockSequence([answer(200, event(FIRST_ID, '"e-1"', 1))]),
    )
    unchanged = HttpMockSequence([])
    assert push_channel(store, settings, athlete_id, channel_id, http=unchanged).writes == 0
    assert unchanged.request_sequence == []
    replan(store, athlete_id, "2026w49-01", local_date=TODAY + timedelta(days=1))
    moved = HttpMockSequence([answer(200, event(FIRST_ID, '"e-2"', 2))])

    result = push_channel(store, settings, athlete_id, channel_id, http=moved)

    assert (result.writes, result.reads) == (1, 0)
    replan(store, athlete_id, "2026w49-01", status=CANCELLED)
    cancelled = HttpMockSequence([(NO_CONTENT, "")])
    assert push_channel(store, settings, athlete_id, channel_id, http=cancelled).writes == 1
    assert sent(cancelled)[0][0] == "DELETE"


def test_an_event_the_runner_deleted_skips_the_session(tmp_path: Path) -> None:
    store, settings, athlete_id, channel_id = setup(
        tmp_path, {"calendar_id": CALENDAR_ID, "sync_token": "CPDA"}
    )
    push_channel(
        store,
        settings,
        athlete_id,
        channel_id,
        http=HttpMockSequence([answer(200, event(FIRST_ID, '"e-1"', 1))]),
    )
    http = HttpMockSequence([events_list(event(FIRST_ID, '"e-9"', 1, status="cancelled"))])

    result = push_channel(store, settings, athlete_id, channel_id, force_read=True, http=http)

    assert result.skipped_sessions == ("2026w49-01",)
    assert parse_qs(urlsplit(http.request_sequence[0][0]).query)["syncToken"] == ["CPDA"]
    with store.read() as tx:
        session = tx.athlete(athlete_id).sessions.get("2026w49-01")
        remote = tx.athlete(athlete_id).push.channel(channel_id)
    assert session is not None
    assert session.status is SessionStatus.SKIPPED
    assert session.outcome_note == "deleted in Google Calendar on 3 Dec"
    assert remote is not None
    assert remote.remote["sync_token"] == "CPDAlvWDx70CEPDAlvWDx70CGAU="


def test_a_revoked_grant_pauses_the_channel(tmp_path: Path) -> None:
    store, settings, athlete_id, channel_id = setup(
        tmp_path, {"calendar_id": CALENDAR_ID, "sync_token": "CPDA"}
    )
    http = HttpMockSequence(
        [
            error(401, "authError", "Invalid Credentials"),
            answer(
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "Token has been expired or revoked.",
                },
            ),
        ]
    )

    result = push_channel(store, settings, athlete_id, channel_id, http=http)

    assert result.state is ChannelState.PAUSED
    assert "syncsvc push add google --client-secrets FILE" in result.error
    [listed] = admin.list_channels(store, athlete_id)
    assert listed.state == "paused"
    assert GRANT["refresh_token"] not in repr(listed)


def test_the_headless_consent_takes_the_pasted_loopback_url(tmp_path: Path) -> None:
    secrets = tmp_path / "client_secret.json"
    secrets.write_text(
        json.dumps(
            {
                "installed": {
                    "client_id": GRANT["client_id"],
                    "client_secret": GRANT["client_secret"],
                    "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                    "token_uri": "https://oauth2.googleapis.com/token",
                    "redirect_uris": ["http://localhost"],
                }
            }
        )
    )
    shown: list[str] = []

    def paste_back(url: str) -> str:
        shown.append(url)
        state = parse_qs(urlsplit(url).query)["state"][0]
        return f"http://127.0.0.1:8080/?state={state}&code=4/0Ab-code&scope={SCOPE}"

    with responses.RequestsMock() as mock:
        mock.post(
            "https://oauth2.googleapis.com/token",
            json={
                "access_token": "ya29.new",
                "expires_in": 3599,
                "refresh_token": "1//0g-new",
                "scope": SCOPE,
                "token_type": "Bearer",
            },
        )
        grant = authorise(secrets, headless=True, ask=paste_back)

    query = parse_qs(urlsplit(shown[0]).query)
    assert query["scope"] == [SCOPE]
    assert query["redirect_uri"] == ["http://127.0.0.1:8080/"]
    assert query["access_type"] == ["offline"]
    assert grant["refresh_token"] == "1//0g-new"
