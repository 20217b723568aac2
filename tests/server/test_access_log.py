"""`service.access_log`: uvicorn's line per request, on by default, off when the proxy logs."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncsvc import routes
from tests.server.conftest import NOW
from tests.server.server_process import running_server
from tests.server.service_builders import Seeded


@pytest.mark.parametrize(
    ("setting", "http_workers", "logged"),
    [(None, "1", True), ("false", "1", False), (None, "2", True), ("false", "2", False)],
)
def test_the_access_log_names_each_feed_poll_redacted_unless_it_is_turned_off(
    served: tuple[Path, Seeded], setting: str | None, http_workers: str, logged: bool
) -> None:
    """In every HTTP process: each worker sets its logging up after uvicorn has (the
    setting was once lost there)."""
    home, seeded = served
    env = {"SYNCSVC_SERVICE__HTTP_WORKERS": http_workers}
    if setting is not None:
        env["SYNCSVC_SERVICE__ACCESS_LOG"] = setting
    with running_server(home, [], now=NOW, extra_args=["--web-only"], env=env) as server:
        with server.client() as client:
            assert client.get(routes.feed_path(seeded.feed_token)).status_code == 200
        assert server.terminate() == 0
    logs = server.logs()

    assert ("GET /feeds/[redacted]" in logs) is logged
    assert seeded.feed_token not in logs
    assert "scheduler stopped" in logs  # the service's own lines stay
