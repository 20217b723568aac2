"""One run, counted once: the merge rule, its winners, and its order independence."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncsvc.domain import Activity, Source, SourceRecord, Sport
from syncsvc.sources.dedupe import merge_groups, record_key
from syncsvc.sources.ingest import remerge
from syncsvc.sources.settings import MergeSettings
from syncsvc.store.database import Store
from syncsvc.testing.stores import add_athlete

MERGE = MergeSettings()
ATHLETE_NUMBERS = itertools.count()
T0 = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)


def record(
    source: Source,
    source_id: str,
    *,
    start_s: float = 0.0,
    distance_m: float | None = 10_000.0,
    moving_s: float = 3000.0,
    avg_hr: float | None = 150.0,
    sport: Sport = Sport.RUN,
    external_id: str | None = None,
) -> Activity:
    return Activity(
        source=source,
        source_id=source_id,
        start_utc=T0 + timedelta(seconds=start_s),
        sport=sport,
        sport_raw=sport.value,
        distance_m=distance_m,
        moving_s=moving_s,
        elapsed_s=moving_s,
        avg_hr=avg_hr,
        external_id=external_id,
    )


def groups(activities: list[Activity]) -> set[frozenset[tuple[str, str]]]:
    winners = merge_groups(activities, MERGE)
    by_winner: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for key, winner in winners.items():
        by_winner.setdefault(winner, set()).add(key)
    return {frozenset(members) for members in by_winner.values()}


def test_strava_external_id_naming_the_garmin_activity_merges_them() -> None:
    garmin = record(Source.GARMIN, "492266071674", distance_m=10_000)
    strava = record(
        Source.STRAVA, "1", start_s=400, distance_m=12_000, external_id="garmin_ping_492266071674"
    )

    assert merge_groups([garmin, strava], MERGE)[record_key(strava)] == record_key(garmin)


def test_garmin_push_external_ids_match_too() -> None:
    garmin = record(Source.GARMIN, "77")
    strava = record(Source.STRAVA, "1", start_s=900, external_id="garmin_push_77")

    assert len(groups([garmin, strava])) == 1


def test_start_within_two_minutes_and_distance_within_five_percent_merge() -> None:
    garmin = record(Source.GARMIN, "g", distance_m=10_000)
    strava = record(Source.STRAVA, "s", start_s=119, distance_m=10_450, moving_s=4000)

    assert len(groups([garmin, strava])) == 1


def test_duration_within_five_percent_is_enough_without_a_distance() -> None:
    garmin = record(Source.GARMIN, "g", distance_m=None, sport=Sport.STRENGTH, moving_s=1800)
    strava = record(
        Source.STRAVA, "s", start_s=30, distance_m=0.0, sport=Sport.STRENGTH, moving_s=1750
    )

    assert len(groups([garmin, strava])) == 1


def test_records_too_far_apart_or_too_different_stay_apart() -> None:
    base = record(Source.GARMIN, "g")
    late = record(Source.STRAVA, "late", start_s=121)
    longer = record(Source.STRAVA, "longer", start_s=10, distance_m=11_000, moving_s=3400)
    ride = record(Source.STRAVA, "ride", start_s=5, sport=Sport.RIDE)

    for other in (late, longer, ride):
        assert len(groups([base, other])) == 2, other.source_id


def test_two_records_of_one_service_never_merge() -> None:
    first = record(Source.STRAVA, "1")
    second = record(Source.STRAVA, "2", start_s=10)

    assert len(groups([first, second])) == 2


def test_the_record_with_heart_rate_wins_then_garmin() -> None:
    garmin_no_hr = record(Source.GARMIN, "g", avg_hr=None)
    strava_hr = record(Source.STRAVA, "s", start_s=20)
    assert merge_groups([garmin_no_hr, strava_hr], MERGE)[("garmin", "g")] == ("strava", "s")

    garmin_hr = record(Source.GARMIN, "g")
    assert merge_groups([garmin_hr, strava_hr], MERGE)[("strava", "s")] == ("garmin", "g")


def test_a_strava_record_takes_its_named_garmin_activity_over_a_closer_one() -> None:
    named = record(Source.GARMIN, "100", start_s=60)
    closer = record(Source.GARMIN, "200", start_s=1)
    strava = record(Source.STRAVA, "s", external_id="garmin_ping_100")

    assert merge_groups([closer, named, strava], MERGE)[("strava", "s")] == ("garmin", "100")


def test_never_merge_keeps_a_record_apart() -> None:
    garmin = record(Source.GARMIN, "g")
    strava = record(Source.STRAVA, "s", external_id="garmin_ping_g")

    assert len(groups([garmin, strava])) == 1
    assert merge_groups([garmin, strava], MERGE, [("strava", "s")])[("strava", "s")] == (
        "strava",
        "s",
    )


# ---------------------------------------------------------------- order independence


@st.composite
def recorded_runs(draw: st.DrawFn) -> tuple[list[Activity], list[frozenset[tuple[str, str]]]]:
    """Runs 30+ minutes apart, each seen by Garmin, Strava and/or a file, with jitter.

    Jitter: each record's start within ±60 s of the run (so two records are within
    2 minutes) and its distance within ±2.4 % (so two are within 5 %).
    """
    count = draw(st.integers(1, 8))
    activities: list[Activity] = []
    expected: list[frozenset[tuple[str, str]]] = []
    start = 0.0
    for number in range(count):
        start += draw(st.floats(1800, 20_000))
        distance = draw(st.floats(3000, 30_000))
        moving = distance * draw(st.floats(0.25, 0.4))
        sport = draw(st.sampled_from([Sport.RUN, Sport.RIDE, Sport.STRENGTH]))
        sources = draw(
            st.lists(
                st.sampled_from([Source.GARMIN, Source.STRAVA, Source.FILE]),
                min_size=1,
                max_size=3,
                unique=True,
            )
        )
        external = draw(st.booleans())
        members: set[tuple[str, str]] = set()
        for source in sources:
            source_id = f"{source.value}-{number}"
            activities.append(
                record(
                    source,
                    source_id,
                    start_s=start + draw(st.floats(-60, 60)),
                    distance_m=distance * draw(st.floats(0.976, 1.024)),
                    moving_s=moving * draw(st.floats(0.976, 1.024)),
                    avg_hr=draw(st.one_of(st.none(), st.floats(120, 170))),
                    sport=sport,
                    external_id=(
                        f"garmin_ping_garmin-{number}"
                        if source is Source.STRAVA and external and Source.GARMIN in sources
                        else None
                    ),
                )
            )
            members.add((source.value, source_id))
        expected.append(frozenset(members))
    return activities, expected


@settings(max_examples=150, deadline=None)
@given(recorded_runs(), st.randoms(use_true_random=False))
def test_any_arrival_order_gives_the_same_groups_and_winners(
    runs: tuple[list[Activity], list[frozenset[tuple[str, str]]]], shuffler: random.Random
) -> None:
    activities, expected = runs
    reference = merge_groups(activities, MERGE)
    shuffled = list(activities)
    shuffler.shuffle(shuffled)

    assert merge_groups(shuffled, MERGE) == reference
    assert groups(activities) == set(expected)
    by_key = {record_key(a): a for a in activities}
    preference = {"garmin": 0, "strava": 1, "file": 2}
    for members in expected:
        with_hr = [key for key in members if by_key[key].avg_hr is not None]
        candidates = with_hr or list(members)
        expected_winner = min(candidates, key=lambda key: preference[key[0]])
        assert {reference[key] for key in members} == {expected_winner}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(recorded_runs(), st.randoms(use_true_random=False), st.integers(1, 4))
def test_the_store_reaches_the_same_merge_whatever_order_pages_arrive_in(
    store: Store,
    runs: tuple[list[Activity], list[frozenset[tuple[str, str]]]],
    shuffler: random.Random,
    page_size: int,
) -> None:
    activities, _ = runs
    reference = merge_groups(activities, MERGE)
    athlete = add_athlete(store, f"athlete-{next(ATHLETE_NUMBERS)}")
    arrivals = list(activities)
    shuffler.shuffle(arrivals)

    for start in range(0, len(arrivals), page_size):
        page = arrivals[start : start + page_size]
        with store.write() as tx:
            repository = tx.athlete(athlete.id).activities
            repository.upsert_many([SourceRecord(replace(a), {"n": 1}) for a in page])
            starts = [a.start_utc for a in page]
            remerge(repository, min(starts), max(starts), MERGE)

    with store.read() as tx:
        stored = tx.athlete(athlete.id).activities.records()
    key_of = {record.activity.id: record_key(record.activity) for record in stored}
    merged = {
        record_key(record.activity): key_of[record.merged_into_id or record.activity.id]
        for record in stored
    }
    assert merged == reference


def test_a_record_whose_start_moves_away_leaves_its_group(store: Store) -> None:
    athlete = add_athlete(store, f"athlete-{next(ATHLETE_NUMBERS)}")
    garmin = record(Source.GARMIN, "g")
    strava = record(Source.STRAVA, "s", start_s=30, avg_hr=None)
    with store.write() as tx:
        repository = tx.athlete(athlete.id).activities
        repository.upsert_many([SourceRecord(garmin, {}), SourceRecord(strava, {})])
        assert remerge(repository, T0, T0, MERGE) == 1

    moved = replace(strava, start_utc=T0 + timedelta(days=2))
    with store.write() as tx:
        repository = tx.athlete(athlete.id).activities
        repository.upsert_many([SourceRecord(moved, {})])
        remerge(repository, moved.start_utc, moved.start_utc, MERGE)

    with store.read() as tx:
        merged = tx.athlete(athlete.id).activities.merged()
    assert sorted(a.sources for a in merged) == [(Source.GARMIN,), (Source.STRAVA,)]
