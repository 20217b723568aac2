"""The periodic ticks against a real store: who they enqueue, and what a start catches up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syncsvc import clock
from syncsvc.domain import Profile, Source, SyncCursor
from syncsvc.runtime import Runtime
from syncsvc.server.fanout import poll_slot
from syncsvc.server.jobs import InProcessJobs, Job, JobKind, Priority, StoreStravaBudget
from syncsvc.server.metrics import ServiceMetrics
from syncsvc.server.periodic import GARMIN_SALT, Periodic
from syncsvc.testing.stores import open_store
from tests.server.harness import FakeMonotonic
from tests.server.service_builders import Seeded

NOW = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)


@pytest.fixture
def periodic(served: tuple[Path, Seeded]) -> tuple[Periodic, InProcessJobs, Runtime]:
    home, _ = served
    clock.set_now(NOW)
    runtime = Runtime.create(home=home)
    jobs = InProcessJobs(lambda job: None, workers=1, monotonic=FakeMonotonic())
    budget = StoreStravaBudget(runtime.store, runtime.settings.strava)
    return Periodic(runtime, jobs, budget, ServiceMetrics()), jobs, runtime


def add_garmin_athlete(runtime: Runtime, name: str, timezone: str) -> int:
    with runtime.store.write() as tx:
        athlete = tx.athletes.add(name, Profile(timezone=timezone))
        tx.athlete(athlete.id).credentials.save("garmin", {"tokens": "x"})
    return athlete.id


def test_the_poll_tick_enqueues_a_garmin_refresh_in_the_athletes_slot_only(
    periodic: tuple[Periodic, InProcessJobs, Runtime],
) -> None:
    ticks, _, runtime = periodic
    athlete_id = add_garmin_athlete(runtime, "gus", "Asia/Kathmandu")
    period = runtime.settings.garmin.poll_minutes
    slot = poll_slot(athlete_id, period, salt=GARMIN_SALT)
    base = NOW.replace(minute=0)
    in_slot = base + timedelta(minutes=slot)
    off_slot = base + timedelta(minutes=(slot + 1) % period)

    ticks._last["polls"] = off_slot - timedelta(minutes=1)
    missed = ticks.poll_tick(off_slot)
    ticks._last["polls"] = in_slot - timedelta(minutes=1)
    due = ticks.poll_tick(in_slot)

    assert athlete_id not in [r.athlete_id for r in missed]
    garmin = [r for r in due if r.athlete_id == athlete_id]
    assert [(r.kind, r.sources, r.priority) for r in garmin] == [
        (JobKind.REFRESH, (Source.GARMIN,), Priority.BACKFILL)  # never synced: a backfill
    ]

    with runtime.store.write() as tx:
        tx.athlete(athlete_id).cursors.save(
            SyncCursor(athlete_id, Source.GARMIN, last_success_at=NOW)
        )
    ticks._last["polls"] = in_slot - timedelta(minutes=1)
    later = [r for r in ticks.poll_tick(in_slot) if r.athlete_id == athlete_id]
    assert [(r.reason, r.priority) for r in later] == [("poll", Priority.POLL)]


def test_a_late_poll_tick_covers_the_minutes_it_missed(
    periodic: tuple[Periodic, InProcessJobs, Runtime],
) -> None:
    ticks, _, runtime = periodic
    athlete_id = add_garmin_athlete(runtime, "gus", "UTC")
    slot = poll_slot(athlete_id, runtime.settings.garmin.poll_minutes, salt=GARMIN_SALT)
    slot_minute = NOW.replace(minute=0) + timedelta(minutes=slot)

    ticks._last["polls"] = slot_minute - timedelta(minutes=1)
    late = ticks.poll_tick(slot_minute + timedelta(minutes=4))

    assert athlete_id in [r.athlete_id for r in late]


def test_the_midnight_tick_replans_athletes_whose_day_just_began(
    periodic: tuple[Periodic, InProcessJobs, Runtime],
) -> None:
    ticks, _, runtime = periodic
    kathmandu = add_garmin_athlete(runtime, "kat", "Asia/Kathmandu")

    quarter_past = datetime(2026, 11, 30, 18, 15, tzinfo=UTC)  # 00:00 in Kathmandu
    due = ticks.midnight_tick(quarter_past)

    assert [(r.kind, r.athlete_id) for r in due] == [(JobKind.REPLAN, kathmandu)]


def test_a_start_catches_up_pending_work_and_one_replan_for_a_missed_midnight(
    periodic: tuple[Periodic, InProcessJobs, Runtime], served: tuple[Path, Seeded]
) -> None:
    ticks, jobs, runtime = periodic
    _, seeded = served
    with runtime.store.write() as tx:
        tx.athlete(seeded.athlete_id).pending.add(Source.STRAVA, "42", "activity", 0)

    two_days_later = NOW + timedelta(days=2)
    caught = ticks.catch_up(two_days_later)
    again = ticks.catch_up(two_days_later)
    ran: list[Job] = []
    jobs.runner = ran.append
    jobs.run_ready()

    assert sorted((r.kind, r.reason) for r in caught) == [
        (JobKind.REFRESH, "start"),
        (JobKind.REPLAN, "start"),
    ]
    assert len(again) == 2
    assert len(ran) == 2  # coalesced: one refresh and one replan, however many starts


def test_the_strava_fallback_poll_waits_while_the_budget_is_down_to_the_reserve(
    periodic: tuple[Periodic, InProcessJobs, Runtime], served: tuple[Path, Seeded]
) -> None:
    ticks, _, runtime = periodic
    _, seeded = served
    strava = runtime.settings.strava
    period = round(strava.poll_hours * 60)
    slot = poll_slot(seeded.athlete_id, period, salt="strava")
    tick = datetime(2026, 11, 30, tzinfo=UTC) + timedelta(minutes=slot)
    clock.set_now(tick)
    with runtime.store.write() as tx:
        tx.shared.correct_strava(
            tick,
            used_15min=strava.read_limit_15min - strava.budget_reserve,
            used_day=0,
            limit_15min=strava.read_limit_15min,
            limit_day=strava.read_limit_daily,
        )

    ticks._last["polls"] = tick - timedelta(minutes=1)
    starved = ticks.poll_tick(tick)
    with runtime.store.write() as tx:
        tx.shared.correct_strava(
            tick,
            used_15min=0,
            used_day=0,
            limit_15min=strava.read_limit_15min,
            limit_day=strava.read_limit_daily,
        )
    ticks._last["polls"] = tick - timedelta(minutes=1)
    fed = ticks.poll_tick(tick)

    assert [r for r in starved if Source.STRAVA in r.sources] == []
    assert [(r.athlete_id, r.sources) for r in fed] == [(seeded.athlete_id, (Source.STRAVA,))]


def test_a_changed_plan_source_is_reread_and_replans_once(
    periodic: tuple[Periodic, InProcessJobs, Runtime], served: tuple[Path, Seeded], tmp_path: Path
) -> None:
    ticks, _, runtime = periodic
    _, seeded = served
    plan = tmp_path / "plan.ics"
    plan.write_bytes((Path(__file__).parents[1] / "load" / "plan.ics").read_bytes())
    with runtime.store.write() as tx:
        tx.athlete(seeded.athlete_id).plan_sources.add(str(plan), "club plan")

    first = ticks.plan_source_tick()
    again = ticks.plan_source_tick()  # read a moment ago: not read again

    assert [(r.kind, r.athlete_id, r.reason) for r in first] == [
        (JobKind.REPLAN, seeded.athlete_id, "plan source")
    ]
    assert again == []


def test_the_cleanup_forgets_old_deliveries_runs_and_cancelled_sessions_only(
    periodic: tuple[Periodic, InProcessJobs, Runtime],
) -> None:
    from datetime import date, time

    from syncsvc.domain import Session, SessionKind, SessionStatus

    ticks, _, runtime = periodic
    old, recent = NOW - timedelta(days=40), NOW - timedelta(days=2)
    athlete_id = add_garmin_athlete(runtime, "cleo", "Europe/Berlin")

    def session(sid: str, day: date, status: SessionStatus, changed: datetime) -> Session:
        return Session(
            sid, athlete_id, SessionKind.CORE, day, time(18), 25, status=status, changed_at=changed
        )

    with runtime.store.write() as tx:
        scope = tx.athlete(athlete_id)
        for sid, at in (("old", old), ("new", recent)):
            clock.set_now(at)
            scope.webhook_events.record("activity", sid, "create", int(at.timestamp()), {})
            scope.runs.record("test", at, at, "ok", {})
        scope.sessions.save(
            [
                session("gone", date(2026, 10, 1), SessionStatus.CANCELLED, old),
                session("fresh", date(2026, 11, 25), SessionStatus.CANCELLED, recent),
                session("ahead", date(2026, 12, 20), SessionStatus.CANCELLED, old),
                session("done", date(2026, 10, 1), SessionStatus.DONE, old),
            ]
        )
    clock.set_now(NOW)

    counts = ticks.cleanup_tick(NOW)

    assert counts["webhook_events"] == 1
    assert counts["pipeline_runs"] == 1
    assert counts["cancelled_sessions"] == 1
    with runtime.store.read() as tx:
        scope = tx.athlete(athlete_id)
        assert [s.id for s in scope.sessions.all()] == ["done", "fresh", "ahead"]
        assert [r.started_at for r in scope.runs.latest()] == [recent]
    again = ticks.cleanup_tick(NOW)
    assert again == {"webhook_events": 0, "pipeline_runs": 0, "cancelled_sessions": 0}


def test_an_unreadable_budget_reads_as_none_left_and_holds_the_pending_work(
    periodic: tuple[Periodic, InProcessJobs, Runtime],
    served: tuple[Path, Seeded],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ticks, jobs, runtime = periodic
    _, seeded = served
    with runtime.store.write() as tx:
        tx.athlete(seeded.athlete_id).pending.add(Source.STRAVA, "42", "activity", 0)
    database = tmp_path / "gone.db"
    broken = open_store(f"sqlite:///{database}")
    broken.engine.dispose()
    database.unlink()
    ticks.budget = StoreStravaBudget(broken, runtime.settings.strava)

    assert ticks.budget_left() == 0
    assert ticks.pending_tick(NOW) == []
    assert jobs.depth() == 0
    assert "strava budget unreadable" in caplog.text
