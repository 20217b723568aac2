"""SIGTERM in the middle of a refresh, a second scheduler refused, and the next start."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from syncsvc import routes
from syncsvc.testing.cli import run_subprocess
from tests.server.conftest import NOW
from tests.server.server_process import free_port, running_server, wait_until
from tests.server.service_builders import Seeded, activity_reply, event
from tests.server.test_service_end_to_end import HARD_RUN_ID, hard_run, strava_replies

SLOW_STRAVA = {
    # Strava answers 503 first: the refresh sits in its retry backoff when SIGTERM comes.
    "SYNCSVC_STRAVA__RETRIES": "3",
    "SYNCSVC_STRAVA__RETRY_WAIT_S": "5",
    "SYNCSVC_SERVICE__SHUTDOWN_GRACE_S": "0.5",
}


def pending_rows(home: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(home / "syncsvc.db") as db:
        return db.execute("SELECT object_id, kind FROM pending_fetches").fetchall()


def stored_strava_ids(home: Path) -> set[str]:
    with sqlite3.connect(home / "syncsvc.db") as db:
        rows = db.execute("SELECT source_id FROM activities WHERE source = 'strava'").fetchall()
    return {row[0] for row in rows}


def integrity(home: Path) -> str:
    with sqlite3.connect(home / "syncsvc.db") as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


def test_sigterm_mid_refresh_exits_cleanly_and_the_next_start_finishes_the_work(
    served: tuple[Path, Seeded],
) -> None:
    home, seeded = served
    unavailable = {**activity_reply(hard_run()), "status": 503, "json": {"message": "busy"}}
    with running_server(home, [unavailable], now=NOW, env=SLOW_STRAVA) as server:
        second = run_subprocess(
            ["serve", "--port", str(free_port())], env={"SYNCSVC_HOME": str(home)}
        )
        assert second.exit_code == 1
        assert "already running" in second.stderr

        with server.client() as client:
            assert client.post("/webhooks/strava", json=event(HARD_RUN_ID)).status_code == 200

        def fetching() -> bool:
            return any(str(HARD_RUN_ID) in r["url"] for r in server.remote_requests())

        assert wait_until(fetching, timeout=15), server.logs()
        assert server.terminate() == 0, server.logs()
        assert "abandoning" in server.logs()

    assert integrity(home) == "ok"
    assert pending_rows(home) == [(str(HARD_RUN_ID), "activity")]
    assert str(HARD_RUN_ID) not in stored_strava_ids(home)

    with running_server(home, strava_replies(), now=NOW) as server:

        def finished() -> bool:
            return not pending_rows(home) and str(HARD_RUN_ID) in stored_strava_ids(home)

        assert wait_until(finished, timeout=15), server.logs()
        with server.client() as client:
            assert client.get(routes.feed_path(seeded.feed_token)).status_code == 200
        assert server.terminate() == 0
    assert integrity(home) == "ok"
