"""Roles and the squad through the API, on SQLite and PostgreSQL: who sees whom, the
squad's figures from the set-based reads, the ratio's flags and the one access check."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from syncsvc import clock
from syncsvc.api import coaching
from syncsvc.api.squad import SquadFilter, SquadSort, read_squad
from syncsvc.config import Settings
from syncsvc.domain import (
    CheckIn,
    ClassSource,
    DayClass,
    DayView,
    Plan,
    Session,
    SessionKind,
    SourceRecord,
)
from syncsvc.domain import SessionStatus as Status
from syncsvc.errors import NotFoundError, UsageError
from syncsvc.load.ratio import RatioFlag, ratio_flag
from syncsvc.runtime import Runtime
from syncsvc.store.database import Store
from syncsvc.store.web_access import WebUser
from syncsvc.testing.history import HistorySpec, as_activities, generate_history
from syncsvc.testing.stores import add_athlete, open_store

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
TODAY = date(2026, 12, 3)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    clock.set_now(NOW)
    opened = open_store(store_url)
    yield opened
    opened.close()
    clock.set_now(None)


def _runtime(store: Store, tmp_path: Path) -> Runtime:
    return Runtime(Settings(home=tmp_path), _store=store)


def _days(athlete_id: int, store: Store, distances: list[float], ratio: float | None) -> None:
    """Stored past days ending today, oldest first, today's ratio `ratio`."""
    first = TODAY - timedelta(days=len(distances) - 1)
    views = [
        DayView(
            day=first + timedelta(days=n),
            day_class=DayClass.EASY,
            reason="",
            class_source=ClassSource.ACTUAL,
            forecast=False,
            load=distance / 100,
            distance_m=distance,
            acwr=ratio if n == len(distances) - 1 else 1.0,
        )
        for n, distance in enumerate(distances)
    ]
    forecast = DayView(
        day=TODAY + timedelta(days=1),
        day_class=DayClass.EASY,
        reason="",
        class_source=ClassSource.ACTUAL,
        forecast=True,
        load=50,
        distance_m=99_000,
        acwr=3.0,
    )
    with store.write() as tx:
        tx.athlete(athlete_id).days.replace([*views, forecast])


def _session(athlete_id: int, sid: str, day: date, status: Status) -> Session:
    return Session(
        sid, athlete_id, SessionKind.CORE, day, time(7), 20, status=status, changed_at=NOW
    )


def _squad_store(store: Store) -> tuple[int, int, int]:
    ana = add_athlete(store, "ana")
    ben = add_athlete(store, "ben")
    cy = add_athlete(store, "cy")
    _days(ana.id, store, [5000.0] * 7 + [10_000.0] * 7, 1.42)  # 70 km, was 35: +100 %
    _days(ben.id, store, [8000.0] * 14, 1.55)
    with store.write() as tx:
        tx.athlete(ana.id).sessions.save_plan(
            Plan(
                ana.id,
                (
                    _session(ana.id, "a-past-done", TODAY - timedelta(days=3), Status.DONE),
                    _session(ana.id, "a-past-missed", TODAY - timedelta(days=10), Status.MISSED),
                    _session(ana.id, "a-old", TODAY - timedelta(days=40), Status.DONE),
                    _session(ana.id, "a-next", TODAY + timedelta(days=2), Status.PLANNED),
                    _session(ana.id, "a-later", TODAY + timedelta(days=5), Status.PLANNED),
                ),
            )
        )
        tx.athlete(ben.id).checkins.append(CheckIn(ben.id, NOW - timedelta(days=2), 2))
        tx.athlete(ben.id).checkins.append(CheckIn(ben.id, NOW - timedelta(days=1), 7))
    return ana.id, ben.id, cy.id


def _admin(store: Store) -> WebUser:
    with store.write() as tx:
        return tx.coaching.add_user("admin", "Root")


def test_ratio_flags_above_1_3_and_at_1_5() -> None:
    assert ratio_flag(None) is RatioFlag.NONE
    assert ratio_flag(1.3) is RatioFlag.NONE
    assert ratio_flag(1.31) is RatioFlag.HIGH
    assert ratio_flag(1.49) is RatioFlag.HIGH
    assert ratio_flag(1.5) is RatioFlag.JUMP


def test_the_squad_rows_hold_each_athletes_figures(store: Store, tmp_path: Path) -> None:
    _squad_store(store)
    runtime = _runtime(store, tmp_path)
    rows = {r.name: r for r in read_squad(runtime, _admin(store)).rows}
    ana, ben, cy = rows["ana"], rows["ben"], rows["cy"]
    assert ana.week_distance_m == 70_000
    assert ana.previous_week_distance_m == 35_000
    assert ana.distance_change == pytest.approx(1.0)
    assert (ana.sessions_done, ana.sessions_planned) == (1, 2)
    assert ana.next_session is not None
    assert ana.next_session.id == "a-next"
    assert ben.back_score == 7
    assert ben.next_session is None
    # no activities stored: too little history, so no ratio however the days read
    assert ana.ratio is None
    assert ana.ratio_flag is RatioFlag.NONE
    assert cy.week_distance_m == 0
    assert cy.last_sync_at is None


def test_a_ratio_shows_and_flags_once_three_weeks_of_runs_lie_behind(
    store: Store, tmp_path: Path
) -> None:
    ana_id, ben_id, _ = _squad_store(store)
    runs = generate_history(HistorySpec(weeks=6, end=TODAY - timedelta(days=1), seed=3))
    with store.write() as tx:
        for athlete_id in (ana_id, ben_id):
            for activity in as_activities(runs, athlete_id=athlete_id):
                tx.athlete(athlete_id).activities.upsert(SourceRecord(activity, {}))
    rows = {r.name: r for r in read_squad(_runtime(store, tmp_path), _admin(store)).rows}
    assert rows["ana"].ratio == pytest.approx(1.42)
    assert rows["ana"].ratio_flag is RatioFlag.HIGH
    assert rows["ben"].ratio_flag is RatioFlag.JUMP
    assert rows["ana"].last_sync_source in ("strava", "garmin")
    flagged = read_squad(_runtime(store, tmp_path), _admin(store), only=SquadFilter.RATIO)
    assert [r.name for r in flagged.rows] == ["ana", "ben"]
    by_ratio = read_squad(
        _runtime(store, tmp_path),
        _admin(store),
        sort=SquadSort.RATIO,
        descending=True,
    )
    assert [r.name for r in by_ratio.rows] == ["ben", "ana", "cy"]  # no ratio: last


def test_a_coach_sees_their_athletes_and_a_runner_no_squad(store: Store, tmp_path: Path) -> None:
    ana_id, ben_id, _ = _squad_store(store)
    runtime = _runtime(store, tmp_path)
    with store.write() as tx:
        coach = tx.coaching.add_user("coach", "Maria")
        tx.coaching.assign(coach.id, ana_id)
        runner = tx.athlete(ben_id).web.ensure_user()
    assert [r.name for r in read_squad(runtime, coach).rows] == ["ana"]
    with pytest.raises(NotFoundError):
        read_squad(runtime, runner)
    assert coaching.check_access(runtime, coach, ana_id).name == "ana"
    for user, athlete_id in ((coach, ben_id), (runner, ana_id), (coach, 9999)):
        with pytest.raises(NotFoundError, match="no such athlete"):
            coaching.check_access(runtime, user, athlete_id)
    assert coaching.actor_of(coach, ana_id) is not None
    assert coaching.actor_of(runner, ben_id) is None


def test_a_staff_name_is_refused_when_blank_or_too_long(store: Store, tmp_path: Path) -> None:
    admin = _admin(store)
    runtime = _runtime(store, tmp_path)
    for bad in ("   ", "x" * 201):
        with pytest.raises(UsageError):
            coaching.create_coach(runtime, admin, bad)
    with store.read() as tx:
        assert [u.name for u in tx.coaching.users()] == ["Root"]
