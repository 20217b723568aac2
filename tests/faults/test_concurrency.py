"""The real server serves feeds while a sync and replans write, on SQLite and on PostgreSQL.

Three processes share the store: `syncsvc serve` (answering feed requests from
several client threads), `syncsvc sync` (a 1,500-activity backfill: many short
write transactions) and a run of `syncsvc replan`s. Strava and Garmin are faked
at the HTTP layer in every child. No process may report "database is locked"
(or any other store error), every command must succeed, and every feed answer
must be a complete calendar that parses, or a 304.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import httpx
import pytest
from icalendar import Calendar

from syncsvc.testing.history import HistorySpec, generate_history
from tests.faults.sync_home import CHILD_HOOK, NOW, REPO, SyncHome, make_sync_home
from tests.server.server_process import running_server

pytestmark = pytest.mark.slow

CLIENTS = 6
REPLANS = 4


def _replans(home: SyncHome, log: Path) -> list[subprocess.CompletedProcess[bytes]]:
    return [
        subprocess.run(
            [sys.executable, "-m", "syncsvc", "replan"],
            env=home.env(log),
            capture_output=True,
            timeout=120,
            check=False,
        )
        for _ in range(REPLANS)
    ]


def _feed_token(home: SyncHome) -> str:
    runtime = home.runtime()
    try:
        athlete = runtime.athlete()
        with runtime.store.read() as tx:
            token = tx.athlete(athlete.id).feed.active_token()
    finally:
        runtime.close()
    assert token is not None
    return token


def _check_feed(answer: httpx.Response, problems: list[str]) -> None:
    if answer.status_code == 304:
        return
    if answer.status_code != 200:
        problems.append(f"status {answer.status_code}: {answer.text[:200]}")
        return
    body = answer.content
    if not (body.startswith(b"BEGIN:VCALENDAR") and body.endswith(b"END:VCALENDAR\r\n")):
        problems.append(f"an incomplete feed of {len(body)} bytes")
        return
    try:
        calendar = Calendar.from_ical(body)
    except ValueError as error:
        problems.append(f"a feed that does not parse: {error}")
        return
    if not calendar.walk("VEVENT"):
        problems.append("a feed without events")


def test_feeds_stay_whole_while_a_sync_and_replans_write(store_url: str, tmp_path: Path) -> None:
    runs = generate_history(HistorySpec(weeks=360, end=date(2026, 11, 22), seed=3))[-1500:]
    url = None if store_url.startswith("sqlite") else store_url
    home = make_sync_home(tmp_path / "h", runs, url)
    first = subprocess.run(
        [sys.executable, "-m", "syncsvc", "replan"],
        env=home.env(tmp_path / "first.log"),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert first.returncode == 0, first.stderr.decode()
    feed = f"/feeds/{_feed_token(home)}.ics"
    child_env = {
        "PYTHONPATH": os.pathsep.join((str(CHILD_HOOK), str(REPO))),
        **{
            key: value
            for key, value in home.env(tmp_path / "server-http.log").items()
            if key.startswith("SYNCSVC_TEST") or key == "SYNCSVC_STORE__URL"
        },
    }
    problems: list[str] = []
    answers = [0]
    etags: set[str] = set()
    done = threading.Event()
    with running_server(home.home, [], now=NOW, env=child_env) as server:

        def client() -> None:
            etag = ""
            with httpx.Client(base_url=server.base_url, timeout=30) as http:
                while not done.is_set():
                    headers = {"if-none-match": etag} if etag and answers[0] % 3 == 0 else {}
                    answer = http.get(feed, headers=headers)
                    answers[0] += 1
                    _check_feed(answer, problems)
                    etag = answer.headers.get("etag", etag)
                    etags.add(etag)

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        try:
            sync = home.start_sync(tmp_path / "sync-http.log")
            replans = _replans(home, tmp_path / "replan-http.log")
            sync_out, sync_err = sync.communicate(timeout=300)
        finally:
            done.set()
            for thread in threads:
                thread.join(timeout=60)
        server_log = server.logs()
    outputs = [sync_err.decode(), sync_out.decode(), server_log]
    outputs += [r.stderr.decode() + r.stdout.decode() for r in replans]
    assert sync.returncode == 0, sync_err.decode()
    assert [r.returncode for r in replans] == [0] * REPLANS, outputs[3:]
    for text in outputs:
        assert "database is locked" not in text.lower()
        assert "StoreError" not in text
    assert answers[0] > CLIENTS * 5, answers[0]
    assert problems == [], problems[:5]
    assert len(etags) >= 2, "the feed never changed while it was served"
    assert home.state().duplicates() == []
