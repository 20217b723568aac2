"""A 429, a 500, a timeout or malformed JSON at each request of a small backfill, in turn.

Every run either completes or stops with a clear one-line message (no
traceback), and a later run without faults converges to the store a clean run
leaves. The run is the real `syncsvc sync` command (in process); only Strava
and Garmin are faked, at the HTTP layer. The Strava token is expired, so the
first request is the OAuth refresh.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import pytest
import responses

from syncsvc import clock
from syncsvc.testing.cli import invoke
from syncsvc.testing.history import HistorySpec, generate_history
from syncsvc.testing.shapes import garmin_activities, strava_activities
from tests.faults.faulty_apis import FAULTS, FaultyApis
from tests.faults.store_state import SyncState
from tests.faults.sync_home import NOW, SyncHome, make_sync_home

pytestmark = pytest.mark.slow

SETTINGS = """
log_level = "info"
[strava]
client_id = "12345"
client_secret = "client-secret-for-fault-tests"
page_size = 50
retries = 1
retry_wait_s = 0.0
retry_wait_max_s = 0.0
[garmin]
page_size = 60
retries = 1
retry_wait_s = 0.0
retry_wait_max_s = 0.0
"""
RUNS = generate_history(HistorySpec(weeks=36, end=date(2026, 11, 22), seed=5))
STRAVA = strava_activities(RUNS)
GARMIN = garmin_activities(RUNS)


@dataclass(frozen=True)
class Baseline:
    pristine: SyncHome
    state: SyncState
    requests: int


def _copy(source: SyncHome, folder: Path) -> SyncHome:
    folder.mkdir(parents=True)
    shutil.copytree(source.home, folder / "home")
    return replace(source, home=folder / "home")


def _sync(
    home: SyncHome, apis: FaultyApis | None = None, *, at: int | None = None, fault: str = ""
) -> tuple[FaultyApis, str, int]:
    """`syncsvc sync` against `apis` (new fakes when None) with the fault at request `at`."""
    import garminconnect.client

    garminconnect.client.HAS_CFFI = False
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        if apis is None:
            apis = FaultyApis(mock, STRAVA, GARMIN)
        else:
            apis.register(mock)
        apis.count, apis.at, apis.fault = 0, at, fault
        result = invoke(["--home", str(home.home), "sync"], env={"SYNCSVC_HOME": str(home.home)})
    return apis, result.output, result.exit_code


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    folder = tmp_path_factory.mktemp("baseline")
    expired = int(clock.parse_instant(NOW).timestamp()) - 60
    pristine = make_sync_home(
        folder / "pristine", RUNS, settings=SETTINGS, strava_expires_at=expired
    )
    clean = _copy(pristine, folder / "clean")
    clock.set_now(clock.parse_instant(NOW))
    try:
        apis, output, code = _sync(clean)
    finally:
        clock.set_now(None)
    assert code == 0, output
    assert apis.strava.counts["token"] == 1
    state = clean.state()
    assert state.duplicates() == []
    assert len(state.groups) == len(RUNS)
    return Baseline(pristine, state, apis.count)


@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_at_any_request_stops_clearly_and_a_later_run_converges(
    baseline: Baseline, fault: str, tmp_path: Path
) -> None:
    assert baseline.requests >= 7  # the token, several Strava pages, several Garmin pages
    for step in range(1, baseline.requests + 1):
        home = _copy(baseline.pristine, tmp_path / f"step{step}")
        clock.set_now(clock.parse_instant(NOW))
        apis, output, code = _sync(home, at=step, fault=fault)
        where = f"{fault} at request {step} ({apis.faulted}):\n{output}"
        assert apis.faulted is not None, where
        assert "Traceback" not in output, where
        assert "unexpected failure" not in output, where
        assert code in (0, 1), where
        if code == 1:
            assert output.strip(), where
        clock.set_now(clock.parse_instant(NOW) + timedelta(days=1))
        _, later_output, later_code = _sync(home, apis)
        assert later_code == 0, f"{where}\nlater run:\n{later_output}"
        state = home.state()
        assert state.duplicates() == [], where
        assert state.records == baseline.state.records, where
        assert state.groups == baseline.state.groups, where
        assert state.cursors == baseline.state.cursors, where
        clock.set_now(None)
