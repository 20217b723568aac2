"""CalDAV push against a real Radicale on 127.0.0.1: writes, budgets, deletions, faults."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from syncsvc import clock
from syncsvc.config import Settings
from syncsvc.domain import SessionStatus
from syncsvc.push import admin
from syncsvc.push.dav import object_name
from syncsvc.push.engine import push_channel
from syncsvc.push.model import ChannelState, EntryState
from syncsvc.runtime import Runtime
from syncsvc.server.jobs import JobKind, JobRequest, execute_push
from syncsvc.store.database import Store
from tests.push.push_builders import (
    CANCELLED,
    HOST,
    TODAY,
    make_store,
    replan,
    save_plan,
    stored,
    two_week_plan,
)
from tests.push.radicale_server import PASSWORD, USER, Radicale

SHARED_DIR = Path(
    os.environ.get("SYNCSVC_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared")
)
SHARED_TOOL = SHARED_DIR / "tools" / "icscheck" / "icscheck"


def setup(tmp_path: Path, radicale: Radicale) -> tuple[Store, Settings, int, int]:
    store, settings, athlete_id = make_store(tmp_path)
    save_plan(store, athlete_id, two_week_plan(athlete_id))
    channel = admin.add_caldav(
        store, athlete_id, url=radicale.url, username=USER, password=PASSWORD, calendar="Strength"
    )
    return store, settings, athlete_id, channel.id


def ledger(store: Store, athlete_id: int, channel_id: int) -> dict[str, str]:
    with store.read() as tx:
        return {e.session_id: e.state for e in tx.athlete(athlete_id).push.ledger(channel_id)}


def href_of(store: Store, athlete_id: int, channel_id: int, session_id: str) -> str:
    with store.read() as tx:
        entries = tx.athlete(athlete_id).push.ledger(channel_id)
    return next(e.remote_id for e in entries if e.session_id == session_id)


def test_first_push_writes_one_event_per_session_within_the_discovery_budget(
    tmp_path: Path, radicale: Radicale
) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path, radicale)

    result = push_channel(store, settings, athlete_id, channel_id)

    assert result.state is ChannelState.OK, result.error
    assert result.counts.created == 6
    assert result.writes == 6 + 1  # six PUTs and the MKCALENDAR
    assert result.reads + result.writes <= 6 + 5
    events = radicale.events()
    assert sorted(events) == sorted(object_name(f"2026w49-{i:02d}@{HOST}") for i in range(1, 7))
    assert all(b"METHOD" not in body for body in events.values())
    assert all(b"SEQUENCE:1" in body for body in events.values())


def test_an_unchanged_replan_writes_nothing(tmp_path: Path, radicale: Radicale) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path, radicale)
    push_channel(store, settings, athlete_id, channel_id)

    again = push_channel(store, settings, athlete_id, channel_id)

    assert again.writes == 0
    assert again.counts.unchanged == 6


def test_a_move_is_one_write_with_a_higher_sequence(tmp_path: Path, radicale: Radicale) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path, radicale)
    push_channel(store, settings, athlete_id, channel_id)
    replan(store, athlete_id, "2026w49-02", local_date=TODAY + timedelta(days=3))

    result = push_channel(store, settings, athlete_id, channel_id)

    assert (result.writes, result.reads, result.counts.updated) == (1, 0, 1)
    body = radicale.events()[object_name(f"2026w49-02@{HOST}")]
    assert b"SEQUENCE:2" in body
    assert b"DTSTART;TZID=Europe/Berlin:20261206T180000" in body


def test_a_cancellation_deletes_the_event(tmp_path: Path, radicale: Radicale) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path, radicale)
    push_channel(store, settings, athlete_id, channel_id)
    replan(store, athlete_id, "2026w49-03", status=CANCELLED)

    result = push_channel(store, settings, athlete_id, channel_id)

    assert (result.writes, result.counts.deleted) == (1, 1)
    assert object_name(f"2026w49-03@{HOST}") not in radicale.events()
    assert ledger(store, athlete_id, channel_id)["2026w49-03"] == EntryState.REMOVED


def test_an_event_the_runner_deleted_skips_its_session_and_is_never_recreated(
    tmp_path: Path, radicale: Radicale
) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path, radicale)
    push_channel(store, settings, athlete_id, channel_id)
    href = href_of(store, athlete_id, channel_id, "2026w49-04")
    assert requests.delete(href, auth=(USER, PASSWORD), timeout=5).status_code in (200, 204)

    result = push_channel(store, settings, athlete_id, channel_id, force_read=True)

    assert result.skipped_sessions == ("2026w49-04",)
    session = stored(store, athlete_id, "2026w49-04")
    assert session.status is SessionStatus.SKIPPED
    assert session.reasons[-1] == "deleted in 127.0.0.1 on 3 Dec"
    with store.read() as tx:
        overrides = tx.athlete(athlete_id).overrides.all()
    assert [(o.action.value, o.session_id, o.origin) for o in overrides] == [
        ("skip", "2026w49-04", "push:caldav")
    ]
    later = push_channel(store, settings, athlete_id, channel_id, force_read=True)
    assert later.writes == 0
    assert object_name(f"2026w49-04@{HOST}") not in radicale.events()


def test_an_event_edited_behind_our_back_is_overwritten_with_a_raised_sequence(
    tmp_path: Path, radicale: Radicale
) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path, radicale)
    push_channel(store, settings, athlete_id, channel_id)
    href = href_of(store, athlete_id, channel_id, "2026w49-05")
    original = requests.get(href, auth=(USER, PASSWORD), timeout=5).content
    edited = original.replace(b"SUMMARY:", b"SUMMARY:Moved by me ").replace(
        b"SEQUENCE:1", b"SEQUENCE:5"
    )
    put = requests.put(
        href,
        data=edited,
        auth=(USER, PASSWORD),
        headers={"Content-Type": "text/calendar"},
        timeout=5,
    )
    assert put.status_code in (201, 204)
    replan(store, athlete_id, "2026w49-05", start_time=clock.now().time().replace(hour=7))

    result = push_channel(store, settings, athlete_id, channel_id)

    assert (result.writes, result.reads) == (2, 1)  # the 412, one GET, the write that wins
    body = radicale.events()[object_name(f"2026w49-05@{HOST}")]
    assert b"Moved by me" not in body
    assert b"SEQUENCE:6" in body  # above the runner's edit
    assert b"T070000" in body


def test_a_wrong_password_pauses_the_channel_with_the_command_to_fix_it(
    tmp_path: Path, radicale: Radicale
) -> None:
    store, settings, athlete_id, _ = setup(tmp_path, radicale)
    channel = admin.add_caldav(store, athlete_id, url=radicale.url, username=USER, password="wrong")

    result = push_channel(store, settings, athlete_id, channel.id)

    assert result.state is ChannelState.PAUSED
    assert "refused the username or password" in result.error
    assert "syncsvc push add caldav" in result.error
    assert push_channel(store, settings, athlete_id, channel.id).ran is False
    fixed = admin.add_caldav(store, athlete_id, url=radicale.url, username=USER, password=PASSWORD)
    assert fixed.id == channel.id
    assert push_channel(store, settings, athlete_id, channel.id).state is ChannelState.OK


def test_the_server_going_down_fails_the_channel_and_it_recovers_when_back(
    tmp_path: Path, radicale: Radicale
) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path, radicale)
    push_channel(store, settings, athlete_id, channel_id)
    replan(store, athlete_id, "2026w49-01", start_time=clock.now().time().replace(hour=19))
    radicale.stop()

    down = push_channel(store, settings, athlete_id, channel_id)

    assert down.state is ChannelState.FAILING
    assert "cannot be reached" in down.error
    [listed] = admin.list_channels(store, athlete_id)
    assert listed.state == "failing"
    assert listed.retry_after is not None
    radicale.start()
    back = push_channel(store, settings, athlete_id, channel_id)
    assert back.state is ChannelState.OK
    assert back.counts.updated == 1
    assert b"T190000" in radicale.events()[object_name(f"2026w49-01@{HOST}")]


def test_a_push_that_crashed_before_its_ledger_write_converges_without_duplicates(
    tmp_path: Path, radicale: Radicale
) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path, radicale)
    push_channel(store, settings, athlete_id, channel_id)
    # The crash: every event was written, but the ledger lost them.
    with store.write() as tx:
        for session_id in ledger(store, athlete_id, channel_id):
            tx.athlete(athlete_id).push.forget_entry(channel_id, session_id)
    replan(store, athlete_id, "2026w49-06", start_time=clock.now().time().replace(hour=6))

    result = push_channel(store, settings, athlete_id, channel_id)

    assert result.state is ChannelState.OK
    assert len(radicale.events()) == 6
    assert set(ledger(store, athlete_id, channel_id).values()) == {EntryState.PUSHED}
    assert b"T060000" in radicale.events()[object_name(f"2026w49-06@{HOST}")]


def test_remove_takes_the_events_down_unless_told_to_keep_them(
    tmp_path: Path, radicale: Radicale
) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path, radicale)
    push_channel(store, settings, athlete_id, channel_id)

    removal = admin.remove_channel(store, settings, athlete_id, channel_id)

    assert removal.removed_remote == 6
    assert radicale.events() == {}
    assert admin.list_channels(store, athlete_id) == []


def test_the_list_never_shows_the_password(tmp_path: Path, radicale: Radicale) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path, radicale)
    push_channel(store, settings, athlete_id, channel_id)

    listed = admin.list_channels(store, athlete_id)

    assert PASSWORD not in repr(listed)
    assert listed[0].sessions == 6
    assert listed[0].target == radicale.url


FEED_ONLY = {"NO_CALNAME", "NO_REFRESH_HINT"}
"""Warnings about a subscribed feed's calendar name and refresh hint: a calendar object
resource stored by CalDAV carries neither (the collection has the name), so these two
are expected; anything else fails."""


@pytest.mark.shared
def test_pushed_events_pass_icscheck(tmp_path: Path, radicale: Radicale) -> None:
    if not SHARED_TOOL.is_file():
        message = f"{SHARED_TOOL} is absent (the shared tools live beside the clone)"
        if os.environ.get("SYNCSVC_REQUIRE_SHARED") == "1":
            pytest.fail(message + " and SYNCSVC_REQUIRE_SHARED=1")
        pytest.skip(message)
    store, settings, athlete_id, channel_id = setup(tmp_path, radicale)
    replan(store, athlete_id, "2026w49-02", local_date=TODAY + timedelta(days=3))
    push_channel(store, settings, athlete_id, channel_id)
    for name, body in radicale.events().items():
        path = tmp_path / name
        path.write_bytes(body)
        result = subprocess.run(
            [str(SHARED_TOOL), str(path), "--json"],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        report = json.loads(result.stdout)
        assert result.returncode == 0, result.stdout + result.stderr
        assert report["errors"] == 0
        assert {p["code"] for p in report["problems"]} <= FEED_ONLY
        assert all(parser["ok"] for parser in report["parsers"].values())


def test_the_lag_runs_from_the_plan_change_to_the_next_push(
    tmp_path: Path, radicale: Radicale
) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path, radicale)
    push_channel(store, settings, athlete_id, channel_id)
    replan(store, athlete_id, "2026w49-01", start_time=clock.now().time().replace(hour=20))
    changed_at = clock.now() + timedelta(seconds=10)
    with clock.frozen_at(changed_at):
        assert admin.note_plan_changed(store, athlete_id) == [channel_id]

    with clock.frozen_at(changed_at + timedelta(seconds=90)):
        [behind] = admin.list_channels(store, athlete_id)
        push_channel(store, settings, athlete_id, channel_id)
        [caught_up] = admin.list_channels(store, athlete_id)

    assert behind.lag_s == 90
    assert caught_up.lag_s == 0


def test_a_bare_server_address_is_discovered_through_the_principal(
    tmp_path: Path, radicale: Radicale
) -> None:
    store, settings, athlete_id = make_store(tmp_path)
    save_plan(store, athlete_id, two_week_plan(athlete_id)[:1])
    server = radicale.url.removesuffix(f"{USER}/")
    channel = admin.add_caldav(store, athlete_id, url=server, username=USER, password=PASSWORD)

    result = push_channel(store, settings, athlete_id, channel.id)

    assert result.state is ChannelState.OK, result.error
    assert result.reads + result.writes <= 1 + 5
    assert list(radicale.events()) == [object_name(f"2026w49-01@{HOST}")]


def test_a_deleted_calendar_is_made_again_with_every_session(
    tmp_path: Path, radicale: Radicale
) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path, radicale)
    push_channel(store, settings, athlete_id, channel_id)
    with store.read() as tx:
        channel = tx.athlete(athlete_id).push.channel(channel_id)
    assert channel is not None
    calendar = channel.remote["calendar"]
    assert requests.delete(calendar, auth=(USER, PASSWORD), timeout=5).status_code in (200, 204)

    lost = push_channel(store, settings, athlete_id, channel_id, force_read=True)
    back = push_channel(store, settings, athlete_id, channel_id)

    assert lost.state is ChannelState.FAILING
    assert "the calendar on the server is gone" in lost.error
    assert back.state is ChannelState.OK
    assert back.counts.created == 6
    assert len(radicale.events()) == 6
    assert stored(store, athlete_id, "2026w49-01").status is SessionStatus.PLANNED


def test_a_session_deleted_in_the_calendar_asks_the_job_layer_for_a_replan(
    tmp_path: Path, radicale: Radicale
) -> None:
    """The feed and the plan's reasons must say so at once, not at the next midnight."""
    store, settings, athlete_id, channel_id = setup(tmp_path, radicale)
    runtime = Runtime(settings, _store=store)
    asked: list[JobRequest] = []

    def follow_up(request: JobRequest) -> bool:
        asked.append(request)
        return True

    first = execute_push(runtime, athlete_id, channel_id, reason="test", follow_up=follow_up)
    assert first is not None
    assert first.skipped_sessions == ()
    assert asked == []  # nothing deleted: nothing to replan
    href = href_of(store, athlete_id, channel_id, "2026w49-04")
    assert requests.delete(href, auth=(USER, PASSWORD), timeout=5).status_code in (200, 204)

    with clock.frozen_at(clock.now() + timedelta(hours=2)):  # past the hourly listing
        result = execute_push(runtime, athlete_id, channel_id, reason="test", follow_up=follow_up)

    assert result is not None
    assert result.skipped_sessions == ("2026w49-04",)
    assert [(r.kind, r.athlete_id) for r in asked] == [(JobKind.REPLAN, athlete_id)]
