"""Strava and Garmin faked at the HTTP layer inside a child process (the kill tests).

The child is the real `python -m syncsvc sync`; `child_hook/sitecustomize.py`
calls `install_from_environment`, which starts `responses` with the stateful
fakes of the sync tests (`tests/sources/fakes.py`: real paging, real shapes),
serving the activities a JSON file names. Each request is appended to a log
file, so a test can kill the child after its k-th request.
"""

from __future__ import annotations

import atexit
import json
import os
from pathlib import Path
from typing import Any

ACTIVITIES_VARIABLE = "SYNCSVC_TEST_FAKE_APIS"
LOG_VARIABLE = "SYNCSVC_TEST_HTTP_LOG"


def write_activities(
    path: Path, strava: list[dict[str, Any]], garmin: list[dict[str, Any]]
) -> Path:
    path.write_text(json.dumps({"strava": strava, "garmin": garmin}))
    return path


def install_from_environment() -> Any:
    spec = os.environ.get(ACTIVITIES_VARIABLE)
    if not spec:
        return None
    import garminconnect.client
    import responses

    from syncsvc.testing.http_replay import _log_requests
    from tests.sources.fakes import FakeGarmin, FakeStrava

    garminconnect.client.HAS_CFFI = False  # refresh through `requests`, which responses sees
    data = json.loads(Path(spec).read_text())
    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    FakeStrava(mock, data["strava"])
    FakeGarmin(mock, data["garmin"])
    log_path = os.environ.get(LOG_VARIABLE)
    if log_path:
        _log_requests(mock, Path(log_path))
    mock.start()
    atexit.register(mock.stop)
    return mock
