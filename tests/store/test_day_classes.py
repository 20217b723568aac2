"""The kept day classes: replace keeps exactly the days given, and all reads them back."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from syncsvc.domain import ClassSource, DayClass, DayView
from syncsvc.store.database import Store
from syncsvc.testing.stores import add_athlete, open_store

MONDAY = date(2026, 11, 30)


def week(first: date, day_class: DayClass, *, forecast: bool = False) -> list[DayView]:
    return [
        DayView(
            day=first + timedelta(days=offset),
            day_class=day_class,
            reason=f"{day_class.value} {offset} — ünïcode",
            class_source=ClassSource.LEARNED if forecast else ClassSource.ACTUAL,
            forecast=forecast,
            load=10.5 * offset,
            distance_m=1000.0 * offset,
            atl=1.25,
            ctl=2.5,
            acwr=None if offset == 0 else 0.5 * offset,
        )
        for offset in range(7)
    ]


def kept(store: Store, athlete_id: int) -> list[DayView]:
    with store.read() as tx:
        return tx.athlete(athlete_id).days.all()


def replace(store: Store, athlete_id: int, views: list[DayView]) -> None:
    with store.write() as tx:
        tx.athlete(athlete_id).days.replace(views)


def test_replace_keeps_exactly_the_days_given(tmp_path: Path) -> None:
    store = open_store(f"sqlite+pysqlite:///{tmp_path / 'store.db'}")
    athlete, other = add_athlete(store, "a"), add_athlete(store, "b")
    first = week(MONDAY, DayClass.EASY)
    later = week(MONDAY + timedelta(days=3), DayClass.HARD, forecast=True)
    replace(store, other.id, first)

    replace(store, athlete.id, first)
    assert kept(store, athlete.id) == first
    replace(store, athlete.id, later)  # overlapping days, every field changed
    assert kept(store, athlete.id) == later
    replace(store, athlete.id, [])
    assert kept(store, athlete.id) == []

    assert kept(store, other.id) == first  # another athlete's days untouched


def test_all_reads_a_window_oldest_first(tmp_path: Path) -> None:
    store = open_store(f"sqlite+pysqlite:///{tmp_path / 'store.db'}")
    athlete = add_athlete(store, "a")
    days = week(MONDAY, DayClass.MODERATE)
    replace(store, athlete.id, list(reversed(days)))

    with store.read() as tx:
        window = tx.athlete(athlete.id).days.all(since=days[2].day, until=days[4].day)

    assert window == days[2:5]
