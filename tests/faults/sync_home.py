"""A home with one athlete connected to Strava and Garmin, and `syncsvc sync` run in a child.

Only the remote APIs are faked (`fake_apis.py`, in the child); the child is the
real console entry point (`python -m syncsvc sync`) on the real store.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from syncsvc import clock
from syncsvc.api.athletes import initialise
from syncsvc.domain import Profile
from syncsvc.runtime import Runtime
from syncsvc.sources.garmin import save_tokens
from syncsvc.testing.history import SyntheticRun
from syncsvc.testing.shapes import garmin_activities, strava_activities
from tests.faults.fake_apis import ACTIVITIES_VARIABLE, LOG_VARIABLE, write_activities
from tests.faults.store_state import SyncState, sync_state
from tests.sources.fakes import garmin_tokens

REPO = Path(__file__).resolve().parents[2]
CHILD_HOOK = Path(__file__).with_name("child_hook")
NOW = "2026-11-23T10:07:00Z"
SETTINGS = """
log_level = "info"
[strava]
client_id = "12345"
client_secret = "client-secret-for-fault-tests"
read_limit_15min = 100000
read_limit_daily = 1000000
retry_wait_s = 0.0
[garmin]
retry_wait_s = 0.0
"""


@dataclass(frozen=True)
class SyncHome:
    home: Path
    activities: Path
    store_url: str | None = None

    def env(self, http_log: Path) -> dict[str, str]:
        environment = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join((str(CHILD_HOOK), str(REPO))),
            "SYNCSVC_HOME": str(self.home),
            "SYNCSVC_NOW": NOW,
            ACTIVITIES_VARIABLE: str(self.activities),
            LOG_VARIABLE: str(http_log),
            "SILENCE_TOKEN_WARNINGS": "true",
        }
        if self.store_url:
            environment["SYNCSVC_STORE__URL"] = self.store_url
        return environment

    def start_sync(self, http_log: Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "syncsvc", "sync"],
            env=self.env(http_log),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def sync(self, http_log: Path, timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "syncsvc", "sync"],
            env=self.env(http_log),
            capture_output=True,
            timeout=timeout,
            check=False,
        )

    def state(self) -> SyncState:
        runtime = self.runtime()
        try:
            athlete = runtime.athlete()
            return sync_state(runtime.store, athlete.id)
        finally:
            runtime.close()

    def runtime(self) -> Runtime:
        flags: dict[str, Any] = {}
        if self.store_url:
            flags = {"store": {"url": self.store_url}}
        return Runtime.create(home=self.home, flags=flags)


def make_sync_home(
    folder: Path,
    runs: list[SyntheticRun],
    store_url: str | None = None,
    *,
    settings: str = SETTINGS,
    strava_expires_at: int = 4102444800,
    garmin: str | None = None,
) -> SyncHome:
    """Settings, a store, an athlete with Strava and Garmin connected; nothing synced yet."""
    home = folder / "home"
    home.mkdir(parents=True)
    (home / "settings.toml").write_text(settings)
    activities = write_activities(
        folder / "activities.json", strava_activities(runs), garmin_activities(runs)
    )
    sync_home = SyncHome(home, activities, store_url)
    runtime = sync_home.runtime()
    with clock.frozen_at(clock.parse_instant(NOW)):
        athlete = initialise(
            runtime, "runner", Profile(timezone="Europe/Berlin", hr_rest=50, hr_max=190)
        ).athlete
        with runtime.store.write() as tx:
            tx.athlete(athlete.id).credentials.save(
                "strava",
                {
                    "access_token": "access-1",
                    "refresh_token": "refresh-1",
                    "expires_at": strava_expires_at,
                },
                provider_user_id="26462176",
                scope="read,activity:read_all",
            )
        save_tokens(
            runtime.store, athlete.id, garmin or garmin_tokens("one"), provider_user_id="2591602"
        )
    runtime.close()
    return sync_home
