"""The commands as a runner types them: auth, sync, import, activities (HTTP faked)."""

from __future__ import annotations

import json
import threading
import urllib.request
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from syncsvc.config import StravaSettings
from syncsvc.errors import AuthError
from syncsvc.sources.strava_auth import browser_flow, parse_redirect, scope_warning
from syncsvc.testing.cli import invoke
from syncsvc.testing.history import HistorySpec, generate_history
from syncsvc.testing.shapes import garmin_activities, strava_activities
from tests.sources.conftest import FIXTURES
from tests.sources.fakes import STRAVA_401_BODY, FakeGarmin, FakeStrava, garmin_tokens

ENV = {"STRAVA_CLIENT_ID": "12345", "STRAVA_CLIENT_SECRET": "s3cret"}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "h"
    result = invoke(
        ["--home", str(home), "init", "--athlete", "ana", "--timezone", "Europe/Berlin"]
    )
    assert result.exit_code == 0, result.output
    return home


@pytest.fixture
def fakes(
    http: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> tuple[FakeStrava, FakeGarmin]:
    import garminconnect.client

    monkeypatch.setattr(garminconnect.client, "HAS_CFFI", False)
    http.add(
        responses.GET,
        "https://connectapi.garmin.com/userprofile-service/socialProfile",
        json={"profileId": 2591602, "displayName": "ana-runs", "fullName": "Ana"},
    )
    runs = generate_history(HistorySpec(weeks=6, end=date(2026, 11, 22)))
    strava = FakeStrava(http, strava_activities(runs))
    strava.refresh_tokens = {"given-refresh-token"}
    return strava, FakeGarmin(http, garmin_activities(runs))


def run(home: Path, *args: str) -> tuple[int, str, str]:
    result = invoke(["--home", str(home), *args], env=ENV)
    return result.exit_code, result.stdout, result.stderr


def test_connect_both_sync_and_list_merged_activities(
    home: Path, fakes: tuple[FakeStrava, FakeGarmin]
) -> None:
    strava, _ = fakes

    code, out, err = run(home, "auth", "strava", "--refresh-token", "given-refresh-token")
    assert code == 0, err
    assert "Strava connected (Strava athlete 26462176)" in out
    code, out, err = run(home, "auth", "garmin", "--tokens", garmin_tokens("one"))
    assert code == 0, err
    assert "profile 2591602" in out

    code, out, err = run(home, "sync", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert set(summary) == {"strava", "garmin"}
    assert summary["strava"]["new"] == len(strava.activities)
    assert summary["strava"]["requests"] == 1
    assert summary["garmin"]["requests"] == 1
    assert summary["garmin"]["merged"] > 0

    code, out, err = run(home, "activities", "--json")
    assert code == 0, err
    listed = json.loads(out)
    for field in (
        "id",
        "sources",
        "start",
        "local_date",
        "sport",
        "distance_km",
        "moving_s",
        "avg_hr",
        "load",
        "load_method",
    ):
        assert field in listed[0]
    assert listed[0]["start"].endswith(("+01:00", "+02:00"))
    both = [item for item in listed if len(item["sources"]) == 2]
    assert both
    assert all(item["sources"] == ["garmin", "strava"] for item in both)

    code, out, err = run(home, "activities", "--days", "7", "--json")
    assert code == 0, err
    assert 0 < len(json.loads(out)) < len(listed)

    strava_record = next(r for r in both[0]["records"] if r["source"] == "strava")
    code, out, err = run(home, "activities", "unlink", str(strava_record["id"]))
    assert code == 0, err
    code, out, err = run(home, "sync", "--json")
    code, out, err = run(home, "activities", "--json")
    assert len(json.loads(out)) == len(listed) + 1


def test_sync_says_how_to_reconnect_when_the_strava_token_is_revoked(
    home: Path, fakes: tuple[FakeStrava, FakeGarmin]
) -> None:
    strava, _ = fakes
    run(home, "auth", "strava", "--refresh-token", "given-refresh-token")
    strava.fail_next("list", 401, STRAVA_401_BODY)
    strava.refresh_tokens = set()

    code, out, err = run(home, "sync", "--source", "strava")

    assert code == 1
    assert "run syncsvc auth strava" in out + err
    assert "Traceback" not in out + err


def test_sync_without_any_connected_source_gives_one_line(home: Path) -> None:
    code, out, err = run(home, "sync")

    assert code == 1
    assert "no source is connected" in err
    assert "Traceback" not in out + err


def test_import_reports_new_and_damaged_files(home: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.fit"
    broken.write_bytes(b"\x0e\x10\x00\x00garbage")

    code, out, err = run(home, "import", str(FIXTURES / "park_loop.gpx"), str(broken), "--json")

    assert code == 0, err
    report = json.loads(out)
    assert report["new"] == 1
    assert [item["file"] for item in report["damaged"]] == [str(broken)]


def test_revoke_forgets_the_strava_tokens(home: Path, fakes: tuple[FakeStrava, FakeGarmin]) -> None:
    run(home, "auth", "strava", "--refresh-token", "given-refresh-token")

    code, out, _ = run(home, "auth", "strava", "--revoke")
    assert code == 0
    assert "disconnected" in out
    code, out, err = run(home, "sync", "--source", "strava")
    assert code == 1
    assert "Strava is not connected" in out + err


def test_logout_forgets_the_garmin_tokens(home: Path, fakes: tuple[FakeStrava, FakeGarmin]) -> None:
    run(home, "auth", "garmin", "--tokens", garmin_tokens("one"))

    code, out, _ = run(home, "auth", "garmin", "--logout")
    assert code == 0
    assert "removed" in out


def test_the_browser_flow_reads_the_granted_scope_from_the_redirect(
    http: responses.RequestsMock,
) -> None:
    http.add_passthru("http://127.0.0.1")
    settings = StravaSettings(client_id="12345", client_secret="s3cret")  # type: ignore[arg-type]

    def browser(url: str) -> None:
        query = parse_qs(urlparse(url).query)
        assert query["scope"] == ["read,activity:read_all"]
        redirect = query["redirect_uri"][0]
        target = f"{redirect}?state={query['state'][0]}&code=abc&scope=read,activity:read"
        threading.Thread(target=lambda: urllib.request.urlopen(target, timeout=10).read()).start()

    code, scope = browser_flow(settings, browser, open_browser=False, timeout_s=10)

    assert (code, scope) == ("abc", "read,activity:read")
    warning = scope_warning(scope)
    assert warning is not None
    assert "private activities will be missing" in warning
    assert scope_warning("read,activity:read_all") is None


def test_a_redirect_with_another_state_is_refused() -> None:
    with pytest.raises(AuthError, match="state"):
        parse_redirect("http://127.0.0.1:1/cb?state=other&code=abc", "mine")
    with pytest.raises(AuthError, match="refused"):
        parse_redirect("http://127.0.0.1:1/cb?state=mine&error=access_denied", "mine")


SSO_LOGIN = "https://sso.garmin.com/mobile/api/login"
SSO_MFA = "https://sso.garmin.com/mobile/api/mfa/verifyCode"


def test_garmin_login_asks_for_the_mfa_code_once_and_stores_tokens_encrypted(
    home: Path, fakes: tuple[FakeStrava, FakeGarmin], http: responses.RequestsMock
) -> None:
    login = http.add(
        responses.POST,
        SSO_LOGIN,
        json={
            "responseStatus": {"type": "MFA_REQUIRED"},
            "customerMfaInfo": {"mfaLastMethodUsed": "email"},
        },
    )
    verify = http.add(
        responses.POST,
        SSO_MFA,
        json={"responseStatus": {"type": "SUCCESSFUL"}, "serviceTicketId": "ST-123"},
        match=[
            responses.matchers.json_params_matcher(
                {"mfaVerificationCode": "654321"}, strict_match=False
            )
        ],
    )

    result = invoke(
        ["--home", str(home), "auth", "garmin", "--email", "ana@example.com"],
        env=ENV,
        input="correct horse\n654321\n",
    )

    assert result.exit_code == 0, result.output
    assert "profile 2591602" in result.stdout
    assert (login.call_count, verify.call_count) == (1, 1)
    assert not list(home.rglob("garmin_tokens*"))
    code, out, err = run(home, "sync", "--source", "garmin", "--json")
    assert code == 0, err
    assert json.loads(out)["garmin"]["new"] > 0


def test_a_refused_garmin_login_is_tried_once(
    home: Path, fakes: tuple[FakeStrava, FakeGarmin], http: responses.RequestsMock
) -> None:
    login = http.add(
        responses.POST, SSO_LOGIN, json={"responseStatus": {"type": "INVALID_USERNAME_PASSWORD"}}
    )

    result = invoke(
        ["--home", str(home), "auth", "garmin", "--email", "ana@example.com"],
        env=ENV,
        input="wrong\n",
    )

    assert result.exit_code == 1
    assert "refused the login" in result.stderr
    assert login.call_count == 1
