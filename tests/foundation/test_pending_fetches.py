"""Pending Strava work: announced again while it is being fetched, it stays pending."""

from __future__ import annotations

from pathlib import Path

from syncsvc.domain import Source
from syncsvc.testing.stores import add_athlete, open_store


def test_work_announced_again_during_a_fetch_stays_pending(tmp_path: Path) -> None:
    store = open_store(f"sqlite+pysqlite:///{tmp_path / 's.db'}")
    athlete = add_athlete(store, "ana").id
    with store.write() as tx:
        tx.athlete(athlete).pending.add(Source.STRAVA, "42", "activity", 3)
    with store.read() as tx:  # a fetch begins: it notes how often the work was announced
        seen = tx.athlete(athlete).pending.announcements(Source.STRAVA, "42", "activity")
    with store.write() as tx:  # a title update is announced meanwhile
        tx.athlete(athlete).pending.add(Source.STRAVA, "42", "activity", 0)
    with store.write() as tx:  # the fetch ends
        tx.athlete(athlete).pending.done(Source.STRAVA, "42", "activity", announced=seen)
    with store.read() as tx:
        assert tx.athlete(athlete).pending.all(Source.STRAVA) == [("42", "activity", 0)]
        seen = tx.athlete(athlete).pending.announcements(Source.STRAVA, "42", "activity")
    assert seen == 2
    with store.write() as tx:  # the next fetch, with nothing announced during it
        tx.athlete(athlete).pending.done(Source.STRAVA, "42", "activity", announced=seen)
    with store.read() as tx:
        assert tx.athlete(athlete).pending.all(Source.STRAVA) == []
        assert tx.athlete(athlete).pending.announcements(Source.STRAVA, "42", "activity") == 0


def test_a_fetch_of_work_that_was_not_pending_keeps_work_announced_during_it(
    tmp_path: Path,
) -> None:
    store = open_store(f"sqlite+pysqlite:///{tmp_path / 's.db'}")
    athlete = add_athlete(store, "ana").id
    with store.write() as tx:
        tx.athlete(athlete).pending.add(Source.STRAVA, "7", "activity", 0)
        tx.athlete(athlete).pending.done(Source.STRAVA, "7", "activity", announced=0)
    with store.read() as tx:
        assert tx.athlete(athlete).pending.all(Source.STRAVA) == [("7", "activity", 0)]
