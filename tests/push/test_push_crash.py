"""SIGKILL in the middle of a CalDAV push, then the next run: the calendar equals the plan."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from syncsvc.config import Settings
from syncsvc.push import admin
from syncsvc.push.dav import object_name
from syncsvc.push.engine import push_channel
from syncsvc.push.model import EntryState
from syncsvc.secrets import SecretBox
from syncsvc.store.database import Store
from syncsvc.testing.stores import add_athlete
from tests.push.push_builders import HOST, NOW, TODAY, save_plan, session
from tests.push.radicale_server import PASSWORD, USER, Radicale

pytestmark = pytest.mark.slow

SESSIONS = 40
CHILD = """
import sys
from datetime import datetime
from pathlib import Path
from syncsvc import clock
from syncsvc.config import Settings
from syncsvc.push.engine import push_channel
from syncsvc.secrets import SecretBox
from syncsvc.store.database import Store

url, key, home, now, athlete_id, channel_id = sys.argv[1:]
clock.set_now(datetime.fromisoformat(now))
store = Store.open(url, SecretBox(key.encode()), sqlite_path=Path(url.split(":///", 1)[1]))
push_channel(store, Settings(home=Path(home)), int(athlete_id), int(channel_id))
"""


def test_a_push_killed_midway_converges_with_nothing_doubled_or_orphaned(
    tmp_path: Path, radicale: Radicale
) -> None:
    key = Fernet.generate_key()
    url = f"sqlite+pysqlite:///{tmp_path / 'store.db'}"
    store = Store.open(url, SecretBox(key), sqlite_path=tmp_path / "store.db")
    store.initialise_meta(HOST)
    athlete = add_athlete(store, "ana")
    plan = [session(athlete.id, TODAY + timedelta(days=i), i + 1) for i in range(SESSIONS)]
    save_plan(store, athlete.id, plan)
    channel = admin.add_caldav(
        store, athlete.id, url=radicale.url, username=USER, password=PASSWORD
    )
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            url,
            key.decode(),
            str(tmp_path / "home"),
            NOW.isoformat(),
            str(athlete.id),
            str(channel.id),
        ]
    )
    deadline = time.monotonic() + 60
    while len(radicale.events()) < 5 and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    written_before = len(radicale.events())
    assert 5 <= written_before < SESSIONS, "the push finished before it could be killed"

    result = push_channel(store, Settings(home=tmp_path / "home"), athlete.id, channel.id)

    assert result.error == ""
    expected = {object_name(f"{s.id}@{HOST}") for s in plan}
    assert set(radicale.events()) == expected
    with store.read() as tx:
        entries = tx.athlete(athlete.id).push.ledger(channel.id)
    assert len(entries) == SESSIONS
    assert {e.state for e in entries} == {EntryState.PUSHED}
    # Only what the killed run had not recorded is written again: at most one event
    # was written without its ledger entry, and it costs a 412 and one more PUT.
    assert result.writes <= SESSIONS - written_before + 2
