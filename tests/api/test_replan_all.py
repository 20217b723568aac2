"""Replanning every athlete: read in batches, the same plans as one run each, no lost athlete."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from syncsvc import clock
from syncsvc.api.athletes import initialise
from syncsvc.api.pipeline import refresh_athlete
from syncsvc.api.replan_all import replan_all
from syncsvc.domain import CheckIn, Profile, SourceRecord
from syncsvc.runtime import Runtime
from syncsvc.store.database import ID_NAMESPACE_KEY
from syncsvc.store.locks import athlete_lock
from syncsvc.store.schema import StoreMeta
from syncsvc.testing.history import HistorySpec, as_activities, generate_history
from syncsvc.testing.queries import counted_queries

NOW = datetime(2026, 11, 23, 5, 30, tzinfo=UTC)  # Monday 06:30 in Berlin
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata")


def new_runtime(home: Path, store_url: str | None = None) -> Runtime:
    clock.set_now(NOW)
    flags = {"store": {"url": store_url}} if store_url else {}
    runtime = Runtime.create(home=home, flags=flags)
    initialise(runtime, "a00", Profile(timezone="Europe/Berlin", hr_rest=50))
    with runtime.store.write() as tx:  # two homes with one namespace: comparable session ids
        namespace = tx.orm.get(StoreMeta, ID_NAMESPACE_KEY)
        assert namespace is not None
        namespace.value = "replan-all-test"
    runtime.store._info = None
    return runtime


def add_athletes(runtime: Runtime, count: int, *, history_weeks: int = 0) -> list[int]:
    """`count` athletes; with history, each their own, a check-in for every other one."""
    ids = []
    with runtime.store.write() as tx:
        first = tx.athletes.count()
        for number in range(first, first + count):
            profile = Profile(
                timezone=ZONES[number % len(ZONES)], hr_rest=50, long_run_days=(6,), hard_days=(1,)
            )
            athlete = tx.athletes.add(f"a{number:02d}", profile)
            ids.append(athlete.id)
            scope = tx.athlete(athlete.id)
            if number % 2:
                scope.checkins.append(CheckIn(athlete.id, NOW, 2 + number % 5))
            if history_weeks:
                spec = HistorySpec(
                    weeks=history_weeks,
                    end=date(2026, 11, 22),
                    seed=number,
                    athlete_key=f"k{number}",
                )
                for activity in as_activities(generate_history(spec)):
                    scope.activities.upsert(SourceRecord(activity, {}))
    return ids


def stored(runtime: Runtime, athlete_id: int) -> tuple[Any, ...]:
    with runtime.store.read() as tx:
        scope = tx.athlete(athlete_id)
        feed = scope.feed.rendered()
        return (scope.sessions.plan(), scope.days.all(), feed.body if feed else None)


def outcome(result: Any) -> tuple[Any, ...]:
    return (result.athlete_id, result.changes, result.moved, result.sessions_written)


@pytest.mark.parametrize(
    "processes", [1, 2], ids=["in batches in this process", "in 2 worker processes"]
)
def test_replanning_everyone_stores_what_one_run_each_stores(
    tmp_path: Path, processes: int
) -> None:
    batched = new_runtime(tmp_path / "batched")
    one_by_one = new_runtime(tmp_path / "one-by-one")
    for runtime in (batched, one_by_one):
        add_athletes(runtime, 4, history_weeks=8)

    written = []
    for _ in range(2):  # the first plan, then a replan with nothing new
        results = replan_all(batched, trigger="test", batch_size=2, processes=processes)
        expected = [
            refresh_athlete(one_by_one, athlete_id, trigger="test", sync=False)
            for athlete_id in range(1, 6)
        ]
        assert [outcome(r) for r in results] == [outcome(r) for r in expected]
        for athlete_id in range(1, 6):
            assert stored(batched, athlete_id) == stored(one_by_one, athlete_id)
        written.append([r.sessions_written for r in results])
    assert all(count > 0 for count in written[0])  # plans were made: the comparison compared
    assert written[1] == [0] * 5
    with batched.store.read() as tx:
        assert [run.trigger for run in tx.athlete(3).runs.latest()] == ["test", "test"]
    batched.close()
    one_by_one.close()


def reads_of_replan_all(runtime: Runtime) -> int:
    with counted_queries(runtime.store.engine, outside_writes=True) as statements:
        replan_all(runtime, trigger="test")
    return len([s for s in statements if "pg_advisory_unlock" not in s])


def test_replanning_5_or_50_athletes_reads_in_the_same_number_of_queries(
    tmp_path: Path, store_url: str
) -> None:
    runtime = new_runtime(tmp_path / "home", store_url)
    add_athletes(runtime, 4)
    few = reads_of_replan_all(runtime)
    add_athletes(runtime, 45)
    many = reads_of_replan_all(runtime)
    runtime.close()

    assert few == many


@pytest.mark.parametrize("processes", [1, 2], ids=["in this process", "in 2 worker processes"])
def test_an_athlete_whose_refresh_runs_is_replanned_once_it_ends(
    tmp_path: Path, processes: int
) -> None:
    runtime = new_runtime(tmp_path / "home")
    add_athletes(runtime, 3)
    taken, release = threading.Event(), threading.Event()

    def another_refresh() -> None:
        with athlete_lock(runtime.store, runtime.home, 2):
            taken.set()
            release.wait(timeout=30)

    holder = threading.Thread(target=another_refresh)
    holder.start()
    taken.wait(timeout=30)
    threading.Timer(0.3, release.set).start()
    results = replan_all(runtime, trigger="test", processes=processes)
    holder.join()
    runtime.close()

    assert [r.athlete_id for r in results] == [1, 2, 3, 4]
    assert all(r.sessions_written > 0 for r in results)


def test_workers_replan_every_athlete_on_either_store_and_give_every_lock_back(
    tmp_path: Path, store_url: str
) -> None:
    runtime = new_runtime(tmp_path / "home", store_url)
    ids = [1, *add_athletes(runtime, 4, history_weeks=4)]

    first = replan_all(runtime, trigger="test", processes=2, batch_size=2)
    again = replan_all(runtime, trigger="test", processes=2, batch_size=2)
    taken = []
    for athlete_id in ids:  # each taken at once: no chunk kept a lock (on PostgreSQL, a session)
        with athlete_lock(runtime.store, runtime.home, athlete_id, timeout_s=0):
            taken.append(athlete_id)
    runtime.close()

    assert taken == ids
    assert [r.athlete_id for r in first] == ids
    assert all(r.sessions_written > 0 for r in first)
    assert [r.sessions_written for r in again] == [0] * len(ids)
