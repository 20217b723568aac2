"""`syncsvc --debug sync` in a real process: every logger at DEBUG, tokens refreshed, no secret.

Both services' tokens have expired, so the sync refreshes them (Strava's OAuth
refresh, garminconnect's DI token refresh) and then pages through a backfill,
with every library's debug output on stderr (urllib3, stravalib,
garminconnect). Neither the old nor the new tokens, the client secret, the
feed token nor the key that encrypts the store may appear in it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from syncsvc import clock
from syncsvc.testing.history import HistorySpec, generate_history
from tests.faults.sync_home import NOW, make_sync_home
from tests.sources.fakes import fake_jwt

pytestmark = pytest.mark.slow


def test_a_debug_sync_that_refreshes_both_services_tokens_logs_no_secret(tmp_path: Path) -> None:
    runs = generate_history(HistorySpec(weeks=8, end=date(2026, 11, 22)))
    expired = int(clock.parse_instant(NOW).timestamp()) - 60
    garmin = json.dumps(
        {
            "di_token": fake_jwt("one", exp=expired),
            "di_refresh_token": "garmin-refresh-one",
            "di_client_id": "GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2",
        }
    )
    home = make_sync_home(tmp_path, runs, strava_expires_at=expired, garmin=garmin)
    result = subprocess.run(
        [sys.executable, "-m", "syncsvc", "--debug", "sync", "--json"],
        env=home.env(tmp_path / "http.log"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    logs = result.stderr + result.stdout
    assert "DEBUG" in logs
    assert "garminconnect" in logs or "connectapi.garmin.com" in logs
    requests = (tmp_path / "http.log").read_text()
    assert "oauth/token" in requests
    assert "di-oauth2-service" in requests
    runtime = home.runtime()
    try:
        athlete = runtime.athlete()
        with runtime.store.read() as tx:
            feed_token = tx.athlete(athlete.id).feed.active_token()
    finally:
        runtime.close()
    key = (home.home / "secret.key").read_text().strip()
    secrets = {
        "strava access token": "access-1",
        "new strava access token": "access-2",
        "strava refresh token": "refresh-1",
        "new strava refresh token": "refresh-2",
        "strava client secret": "client-secret-for-fault-tests",
        "garmin token": fake_jwt("one", exp=expired),
        "new garmin token": fake_jwt("two"),
        "garmin refresh token": "garmin-refresh-one",
        "new garmin refresh token": "garmin-refresh-two",
        "feed token": str(feed_token),
        "store key": key,
    }
    for name, secret in secrets.items():
        assert secret not in logs, f"the {name} is in the debug log"
