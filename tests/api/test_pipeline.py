"""The one pipeline: idempotent, recorded, and a new hard run moves what it must."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from syncsvc import clock
from syncsvc.api.athletes import initialise
from syncsvc.api.pipeline import refresh_athlete, views_of
from syncsvc.domain import DayClass, DayLoad, Profile, SessionStatus, SourceRecord
from syncsvc.runtime import Runtime
from syncsvc.testing.history import HistorySpec, as_activities, generate_history

NOW = datetime(2026, 11, 23, 5, 30, tzinfo=UTC)  # Monday 06:30 in Berlin


@pytest.fixture
def runtime(tmp_path: Path, store_url: str) -> Any:
    clock.set_now(NOW)
    runtime = Runtime.create(home=tmp_path / "home", flags={"store": {"url": store_url}})
    profile = Profile(timezone="Europe/Berlin", hr_rest=50, long_run_days=(6,), hard_days=(1,))
    athlete = initialise(runtime, "ana", profile).athlete
    runs = generate_history(HistorySpec(weeks=12, end=date(2026, 11, 22)))
    with runtime.store.write() as tx:
        for activity in as_activities(runs):
            tx.athlete(athlete.id).activities.upsert(SourceRecord(activity, {}))
    yield runtime
    runtime.close()


def plan_and_feed(runtime: Runtime) -> tuple[list[Any], bytes]:
    with runtime.store.read() as tx:
        scope = tx.athlete(1)
        feed = scope.feed.rendered()
        assert feed is not None
        return scope.sessions.all(), feed.body


def test_a_second_run_with_nothing_new_changes_nothing(runtime: Runtime) -> None:
    first = refresh_athlete(runtime, 1, trigger="test", sync=False)
    plan, feed = plan_and_feed(runtime)

    second = refresh_athlete(runtime, 1, trigger="test", sync=False)

    assert first.sessions_written > 0
    assert first.feed_changed
    assert (second.sessions_written, second.feed_changed, second.moved) == (0, False, ())
    assert plan_and_feed(runtime) == (plan, feed)


def test_every_run_is_recorded_in_the_store_and_the_log(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="syncsvc.api.pipeline"):
        result = refresh_athlete(runtime, 1, trigger="a test", sync=False)

    with runtime.store.read() as tx:
        (run,) = tx.athlete(1).runs.latest()
    assert (run.trigger, run.status) == ("a test", "ok")
    assert run.summary["sessions_written"] == result.sessions_written
    assert run.summary["duration_s"] > 0
    (line,) = [r for r in caplog.records if r.getMessage() == "refresh done"]
    assert line.__dict__["athlete_id"] == 1
    assert line.__dict__["trigger"] == "a test"


def test_with_no_account_connected_the_sync_step_is_empty_and_the_replan_runs(
    runtime: Runtime,
) -> None:
    result = refresh_athlete(runtime, 1, trigger="poll", sync=True)

    assert result.syncs == ()
    assert result.sessions_written > 0


def test_a_new_hard_run_moves_the_session_on_its_day_keeping_its_id(runtime: Runtime) -> None:
    refresh_athlete(runtime, 1, trigger="test", sync=False)
    plan, feed = plan_and_feed(runtime)
    today = NOW.date()
    target = next(s for s in plan if s.status is SessionStatus.PLANNED and s.local_date >= today)
    with runtime.store.read() as tx:
        template = tx.athlete(1).activities.merged()[-1]
    intervals = replace(
        template,
        id=None,
        source_id="hard-run",
        start_utc=datetime.combine(target.local_date, datetime.min.time(), UTC)
        + timedelta(hours=6),
        moving_s=3600.0,
        elapsed_s=3700.0,
        distance_m=12_500.0,
        avg_hr=172.0,
        max_hr=186.0,
        workout_type=3,
        name="Intervals",
    )
    with runtime.store.write() as tx:
        tx.athlete(1).activities.upsert(SourceRecord(intervals, {}))
    clock.set_now(intervals.start_utc + timedelta(hours=2))  # the run is over; the session is ahead

    result = refresh_athlete(runtime, 1, trigger="new activity", sync=False)

    assert target.id in result.moved
    moved = next(s for s in plan_and_feed(runtime)[0] if s.id == target.id)
    assert moved.local_date != target.local_date
    assert moved.version > target.version
    assert any("W4" in reason for reason in moved.reasons)
    assert result.feed_changed
    assert plan_and_feed(runtime)[1] != feed


def test_local_today_is_the_date_in_the_athletes_zone() -> None:
    from syncsvc.api.pipeline import local_today
    from syncsvc.domain import Athlete

    def athlete(zone: str) -> Athlete:
        return Athlete(1, "ana", Profile(timezone=zone), NOW)

    clock.set_now(datetime(2026, 11, 24, 23, 30, tzinfo=UTC))
    assert local_today(athlete("Europe/Berlin")) == date(2026, 11, 25)
    assert local_today(athlete("America/Denver")) == date(2026, 11, 24)


def test_a_stored_day_keeps_its_ratio_only_with_three_weeks_of_runs_behind_it() -> None:
    """The pages, the chart and the squad table read the stored days: a runner who began
    ten days ago sees no acute:chronic ratio (it would read 2 or more), a later day does."""
    first_run = date(2026, 11, 2)
    days = [
        DayLoad(
            day=first_run + timedelta(days=offset),
            load=60.0 if offset % 2 == 0 else 0.0,
            day_class=DayClass.EASY,
            reason="",
            acwr=2.2,
        )
        for offset in range(28)
    ]
    stored = {view.day: view.acwr for view in views_of(days, first_run + timedelta(days=27))}
    assert stored[first_run + timedelta(days=10)] is None
    assert stored[first_run + timedelta(days=20)] is None
    assert stored[first_run + timedelta(days=21)] == 2.2
