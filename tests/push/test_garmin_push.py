"""Garmin Connect workout calendar at the HTTP layer: calls per change, the window, faults."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import responses

from syncsvc import clock
from syncsvc.config import Settings
from syncsvc.domain import SessionStatus
from syncsvc.push import admin
from syncsvc.push.engine import push_channel
from syncsvc.push.model import ChannelState, EntryState
from syncsvc.push.project import garmin_workout
from syncsvc.sources.garmin import save_tokens
from syncsvc.store.database import Store
from tests.push.fake_garmin import FakeGarminCalendar
from tests.push.push_builders import (
    CANCELLED,
    TODAY,
    make_store,
    replan,
    save_plan,
    stored,
    two_week_plan,
)
from tests.sources.fakes import garmin_tokens


@pytest.fixture
def garmin(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGarminCalendar]:
    import garminconnect.client

    # garminconnect refreshes through curl_cffi when installed, which `responses`
    # cannot see; off, it refreshes through `requests` (as in tests/sources).
    monkeypatch.setattr(garminconnect.client, "HAS_CFFI", False)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeGarminCalendar(mock)


def setup(tmp_path: Path, *, plan_days: int = 6) -> tuple[Store, Settings, int, int]:
    store, settings, athlete_id = make_store(tmp_path)
    save_plan(store, athlete_id, two_week_plan(athlete_id)[:plan_days])
    save_tokens(store, athlete_id, garmin_tokens())
    channel = admin.add_garmin(store, athlete_id)
    return store, settings, athlete_id, channel.id


def ledger(store: Store, athlete_id: int, channel_id: int) -> dict[str, str]:
    with store.read() as tx:
        return {e.session_id: e.state for e in tx.athlete(athlete_id).push.ledger(channel_id)}


def test_a_new_session_is_an_upload_and_a_schedule(
    tmp_path: Path, garmin: FakeGarminCalendar
) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path, plan_days=1)

    result = push_channel(store, settings, athlete_id, channel_id)

    assert result.state is ChannelState.OK, result.error
    assert [m for m, _ in garmin.writes()] == ["POST", "POST"]
    assert result.writes == 2
    assert garmin.scheduled_days() == {"syncsvc:2026w49-01": TODAY.isoformat()}
    [workout] = garmin.workouts.values()
    assert workout["sportType"]["sportTypeKey"] == "strength_training"


def test_a_move_is_an_unschedule_and_a_schedule(tmp_path: Path, garmin: FakeGarminCalendar) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path)
    push_channel(store, settings, athlete_id, channel_id)
    garmin.calls.clear()
    moved_to = TODAY + timedelta(days=3)
    replan(store, athlete_id, "2026w49-02", local_date=moved_to)

    result = push_channel(store, settings, athlete_id, channel_id)

    assert result.counts.moved == 1
    assert [m for m, _ in garmin.writes()] == ["DELETE", "POST"]
    assert garmin.writes()[0][1].startswith("/workout-service/schedule/")
    assert garmin.scheduled_days()["syncsvc:2026w49-02"] == moved_to.isoformat()
    assert len(garmin.workouts) == 6


def test_changed_content_replaces_the_workout_in_three_calls(
    tmp_path: Path, garmin: FakeGarminCalendar
) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path)
    push_channel(store, settings, athlete_id, channel_id)
    garmin.calls.clear()
    replan(store, athlete_id, "2026w49-03", minutes=35)

    result = push_channel(store, settings, athlete_id, channel_id)

    assert result.counts.updated == 1
    paths = [p.split("/")[2] for _, p in garmin.writes()]
    assert [m for m, _ in garmin.writes()] == ["DELETE", "POST", "POST"]
    assert paths == ["workout", "workout", "schedule"]
    assert len(garmin.workouts) == 6
    assert len(garmin.schedules) == 6


def test_a_cancellation_unschedules_and_deletes(tmp_path: Path, garmin: FakeGarminCalendar) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path)
    push_channel(store, settings, athlete_id, channel_id)
    garmin.calls.clear()
    replan(store, athlete_id, "2026w49-04", status=CANCELLED)

    result = push_channel(store, settings, athlete_id, channel_id)

    assert result.counts.deleted == 1
    assert [p.split("/")[2] for _, p in garmin.writes()] == ["schedule", "workout"]
    assert "syncsvc:2026w49-04" not in garmin.scheduled_days()
    assert len(garmin.workouts) == 5


def test_an_unchanged_replan_makes_no_call(tmp_path: Path, garmin: FakeGarminCalendar) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path)
    push_channel(store, settings, athlete_id, channel_id)
    garmin.calls.clear()

    result = push_channel(store, settings, athlete_id, channel_id)

    assert garmin.calls == []
    assert result.counts.unchanged == 6
    assert garmin.logins == []


def test_only_the_next_fourteen_days_are_scheduled(
    tmp_path: Path, garmin: FakeGarminCalendar
) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path)
    replan(store, athlete_id, "2026w49-06", local_date=TODAY + timedelta(days=20))

    push_channel(store, settings, athlete_id, channel_id)

    assert "syncsvc:2026w49-06" not in garmin.scheduled_days()
    assert len(garmin.schedules) == 5


def test_a_workout_the_runner_unscheduled_skips_the_session(
    tmp_path: Path, garmin: FakeGarminCalendar
) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path)
    push_channel(store, settings, athlete_id, channel_id)
    schedule_id = next(s for s, (_, day) in garmin.schedules.items() if day == TODAY.isoformat())
    del garmin.schedules[schedule_id]

    result = push_channel(store, settings, athlete_id, channel_id, force_read=True)

    assert result.skipped_sessions == ("2026w49-01",)
    session = stored(store, athlete_id, "2026w49-01")
    assert session.status is SessionStatus.SKIPPED
    assert session.outcome_note == "deleted in Garmin Connect on 3 Dec"
    assert ledger(store, athlete_id, channel_id)["2026w49-01"] == EntryState.DELETED_REMOTE


@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttling_and_server_errors_fail_the_channel_until_the_next_push(
    tmp_path: Path, garmin: FakeGarminCalendar, status: int
) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path, plan_days=2)
    garmin.fail_next(status)

    failed = push_channel(store, settings, athlete_id, channel_id)

    assert failed.state is ChannelState.FAILING
    assert str(status) in failed.error
    again = push_channel(store, settings, athlete_id, channel_id)
    assert again.state is ChannelState.OK
    assert len(garmin.schedules) == 2
    assert len(garmin.workouts) == 2


def test_a_move_cut_off_half_way_converges_on_the_next_push(
    tmp_path: Path, garmin: FakeGarminCalendar
) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path)
    push_channel(store, settings, athlete_id, channel_id)
    moved_to = TODAY + timedelta(days=3)
    replan(store, athlete_id, "2026w49-02", local_date=moved_to)
    garmin.fail_next(503, after=1)  # the unschedule goes through, the schedule fails

    failed = push_channel(store, settings, athlete_id, channel_id)
    again = push_channel(store, settings, athlete_id, channel_id)

    assert failed.state is ChannelState.FAILING
    assert again.state is ChannelState.OK
    assert garmin.scheduled_days()["syncsvc:2026w49-02"] == moved_to.isoformat()
    assert len(garmin.workouts) == 6
    assert len(garmin.schedules) == 6
    assert set(ledger(store, athlete_id, channel_id).values()) == {EntryState.PUSHED}


def test_a_revoked_token_pauses_the_channel_and_never_logs_in(
    tmp_path: Path, garmin: FakeGarminCalendar
) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path, plan_days=1)
    garmin.token_valid = False

    result = push_channel(store, settings, athlete_id, channel_id)

    assert result.state is ChannelState.PAUSED
    assert "run syncsvc auth garmin" in result.error
    assert garmin.refresh_calls == 1  # the library's one refresh; never a login
    assert garmin.logins == []
    assert push_channel(store, settings, athlete_id, channel_id).ran is False


def test_a_crash_after_an_upload_leaves_no_orphan(
    tmp_path: Path, garmin: FakeGarminCalendar
) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path, plan_days=1)
    push_channel(store, settings, athlete_id, channel_id)
    # The crash: the workout is on Garmin, the ledger still says pending.
    with store.write() as tx:
        [entry] = tx.athlete(athlete_id).push.ledger(channel_id)
        tx.athlete(athlete_id).push.save_entry(
            channel_id, type(entry)(entry.session_id, state=EntryState.PENDING)
        )

    push_channel(store, settings, athlete_id, channel_id)

    assert len(garmin.workouts) == 1
    assert len(garmin.schedules) == 1


def test_the_workout_holds_warm_up_each_exercise_and_cool_down() -> None:
    from tests.push.push_builders import session

    workout = garmin_workout(session(1, TODAY, 1))

    steps = workout["workoutSegments"][0]["workoutSteps"]
    assert [s["stepType"]["stepTypeKey"] for s in steps] == [
        "warmup",
        "repeat",
        "repeat",
        "repeat",
        "cooldown",
    ]
    dead_bug, side_plank, pallof = (s["workoutSteps"][0] for s in steps[1:4])
    assert (dead_bug["category"], dead_bug["exerciseName"]) == ("HIP_STABILITY", "DEAD_BUG")
    assert dead_bug["endCondition"]["conditionTypeKey"] == "reps"
    assert dead_bug["endConditionValue"] == 8
    assert steps[1]["numberOfIterations"] == 3
    assert side_plank["endCondition"]["conditionTypeKey"] == "time"
    assert side_plank["endConditionValue"] == 20
    # No Garmin exercise matches: the name and cue travel in the note.
    assert pallof["category"] is None
    assert pallof["description"].startswith("Half-kneeling Pallof press · 3 × 10 each side")
    assert "Ribs over pelvis" in pallof["description"]
    orders = [s["stepOrder"] for s in steps] + [
        inner["stepOrder"] for s in steps for inner in s.get("workoutSteps", [])
    ]
    assert sorted(orders) == list(range(1, len(orders) + 1))
    json.dumps(workout)  # plain JSON, nothing else


def test_the_daily_push_rolls_the_fourteen_day_window_forward(
    tmp_path: Path, garmin: FakeGarminCalendar
) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path)
    replan(store, athlete_id, "2026w49-06", local_date=TODAY + timedelta(days=20))
    push_channel(store, settings, athlete_id, channel_id)
    assert "syncsvc:2026w49-06" not in garmin.scheduled_days()

    with clock.frozen_at(clock.now() + timedelta(days=7)):
        [result] = admin.daily_push(store, settings)

    assert result.state is ChannelState.OK
    assert garmin.scheduled_days()["syncsvc:2026w49-06"] == (TODAY + timedelta(days=20)).isoformat()


def test_a_push_job_waits_while_a_failing_channel_backs_off(
    tmp_path: Path, garmin: FakeGarminCalendar
) -> None:
    store, settings, athlete_id, channel_id = setup(tmp_path, plan_days=1)
    garmin.fail_next(503)
    assert push_channel(store, settings, athlete_id, channel_id).state is ChannelState.FAILING

    waiting = admin.run_push_job(store, settings, athlete_id, channel_id)
    with clock.frozen_at(clock.now() + timedelta(minutes=1)):
        retried = admin.run_push_job(store, settings, athlete_id, channel_id)

    assert waiting.ran is False
    assert retried.ran is True
    assert retried.state is ChannelState.OK
    assert [(a, s.kind) for a, s in admin.all_channel_statuses(store)] == [(athlete_id, "garmin")]
