"""The periodic ticks read (and clean up) every athlete in a set number of queries, however
many there are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from syncsvc import clock
from syncsvc.domain import Profile, Source, SyncCursor
from syncsvc.push.admin import all_channel_statuses, list_channels
from syncsvc.push.model import EntryState
from syncsvc.runtime import Runtime
from syncsvc.server.jobs import InProcessJobs, StoreStravaBudget
from syncsvc.server.metrics import ServiceMetrics
from syncsvc.server.periodic import Periodic, read_athletes
from syncsvc.store.push import LedgerEntry
from syncsvc.testing.queries import counted_queries
from tests.server.harness import FakeMonotonic

NOW = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)
ZONES = ("Europe/Berlin", "Asia/Kolkata", "America/St_Johns", "UTC")


def open_runtime(home: Path, store_url: str) -> Runtime:
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.toml").write_text(f'[store]\nurl = "{store_url}"\n')
    runtime = Runtime.create(home=home)
    runtime.open_store(create=True).initialise_meta("tick.test")
    return runtime


def add_connected_athletes(runtime: Runtime, numbers: range) -> None:
    """Athletes with everything a tick reads: accounts, a cursor, pending work, a run, a channel."""
    with runtime.store.write() as tx:
        for number in numbers:
            athlete = tx.athletes.add(f"t{number}", Profile(timezone=ZONES[number % len(ZONES)]))
            scope = tx.athlete(athlete.id)
            scope.credentials.save("garmin", {"tokens": "x"})
            scope.credentials.save("strava", {"access_token": "x"}, expires_at=NOW)
            if number % 2:
                scope.cursors.save(SyncCursor(athlete.id, Source.GARMIN, last_success_at=NOW))
                scope.runs.record("test", NOW - timedelta(days=1), NOW, "ok", {})
            scope.pending.add(Source.STRAVA, f"{number}", "create", number % 3)
            scope.push.add_channel("caldav", f"https://dav.example/{number}/")
            scope.push.note_plan_changed(NOW)


def tick_queries(runtime: Runtime) -> tuple[int, int]:
    """(statements, athletes enqueued) of one round of every per-athlete tick."""
    jobs = InProcessJobs(lambda job: None, workers=1, monotonic=FakeMonotonic())
    ticks = Periodic(
        runtime, jobs, StoreStravaBudget(runtime.store, runtime.settings.strava), ServiceMetrics()
    )
    enqueued = 0
    with counted_queries(runtime.store.engine) as statements:
        enqueued += len(ticks.poll_tick(NOW))
        enqueued += len(ticks.midnight_tick(NOW))
        enqueued += len(ticks.pending_tick(NOW))
        enqueued += len(ticks.lagging_push_tick(NOW))
        enqueued += len(ticks.catch_up(NOW))
        enqueued += len(ticks.plan_source_tick(NOW))
        ticks.cleanup_tick(NOW)
    return len(statements), enqueued


def test_the_ticks_read_5_or_50_athletes_in_the_same_number_of_queries(
    tmp_path: Path, store_url: str
) -> None:
    clock.set_now(NOW)
    runtime = open_runtime(tmp_path / "home", store_url)
    add_connected_athletes(runtime, range(5))
    few, few_jobs = tick_queries(runtime)
    add_connected_athletes(runtime, range(5, 50))
    many, many_jobs = tick_queries(runtime)
    runtime.close()

    assert many_jobs > few_jobs  # the 45 more athletes were seen and enqueued
    assert many == few


def test_metrics_read_every_channel_in_the_same_number_of_queries_for_5_or_50_athletes(
    tmp_path: Path, store_url: str
) -> None:
    """`/metrics` reads every channel's status at each scrape."""
    clock.set_now(NOW)
    runtime = open_runtime(tmp_path / "home", store_url)
    add_connected_athletes(runtime, range(5))
    with runtime.store.write() as tx:  # one session pushed to the first athlete's channel
        first = tx.athletes.all()[0].id
        channel = tx.athlete(first).push.channels()[0]
        tx.athlete(first).push.save_entry(
            channel.id, LedgerEntry("s1", remote_id="r1", state=EntryState.PUSHED.value)
        )
    with counted_queries(runtime.store.engine) as few_statements:
        few = all_channel_statuses(runtime.store)
    add_connected_athletes(runtime, range(5, 50))
    with counted_queries(runtime.store.engine) as many_statements:
        many = all_channel_statuses(runtime.store)
    one = list_channels(runtime.store, first)
    runtime.close()

    assert (len(few), len(many)) == (5, 50)
    assert len(many_statements) == len(few_statements)
    assert [status.sessions for _, status in few] == [1, 0, 0, 0, 0]
    assert one == [status for athlete_id, status in many if athlete_id == first]


def test_the_set_read_of_the_athletes_matches_each_athletes_own_reads(
    tmp_path: Path, store_url: str
) -> None:
    clock.set_now(NOW)
    runtime = open_runtime(tmp_path / "home", store_url)
    add_connected_athletes(runtime, range(6))
    views = {view.id: view for view in read_athletes(runtime)}
    with runtime.store.read() as tx:
        for athlete in tx.athletes.all():
            scope = tx.athlete(athlete.id)
            runs = scope.runs.latest(1)
            view = views[athlete.id]
            assert view.last_run_at == (runs[0].started_at if runs else None)
            assert view.pending_priority == min(p for _, _, p in scope.pending.all(Source.STRAVA))
            garmin_synced = scope.cursors.get(Source.GARMIN).last_success_at is not None
            expected = {Source.STRAVA} | (set() if garmin_synced else {Source.GARMIN})
            assert view.never_synced == expected
            assert (view.garmin, view.strava, view.strava_expires_at) == (True, True, NOW)
    runtime.close()
