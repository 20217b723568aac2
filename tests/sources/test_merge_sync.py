"""Both services, one store: the same run arriving twice is counted once."""

from __future__ import annotations

import json
from datetime import date

from syncsvc.config import Settings
from syncsvc.domain import Athlete, Source
from syncsvc.sources.strava_activity import delete_strava_activity
from syncsvc.sources.sync import sync_athlete, sync_garmin, sync_strava
from syncsvc.store.database import Store
from syncsvc.testing.history import HistorySpec, generate_history
from syncsvc.testing.shapes import garmin_activities, strava_activities
from tests.sources.conftest import FIXTURES
from tests.sources.fakes import FakeGarmin, FakeStrava


def test_fixture_duplicates_merge_by_external_id_and_by_time(
    store: Store, settings: Settings, athlete: Athlete, strava: FakeStrava, garmin: FakeGarmin
) -> None:
    strava.activities = json.loads((FIXTURES / "strava_summary_page.json").read_text())
    garmin.activities = json.loads((FIXTURES / "garmin_activity_list.json").read_text())

    outcomes = sync_athlete(store, settings, athlete)

    assert [o.summary.source for o in outcomes] == [Source.STRAVA, Source.GARMIN]
    assert outcomes[1].summary.merged == 3
    with store.read() as tx:
        merged = tx.athlete(athlete.id).activities.merged()
    assert len(merged) == 3
    assert all(a.sources == (Source.GARMIN, Source.STRAVA) for a in merged)
    assert all(a.source is Source.GARMIN for a in merged)  # all have HR; Garmin wins


def test_synthetic_history_from_both_services_counts_each_run_once(
    store: Store, settings: Settings, athlete: Athlete, strava: FakeStrava, garmin: FakeGarmin
) -> None:
    runs = generate_history(HistorySpec(weeks=12, end=date(2026, 11, 22), strength_every_days=5))
    strava.activities = strava_activities(runs, with_external_id=False)
    garmin.activities = garmin_activities(runs, start_shift_s=40, distance_factor=1.02)

    sync_garmin(store, settings, athlete)
    sync_strava(store, settings, athlete)

    with store.read() as tx:
        merged = tx.athlete(athlete.id).activities.merged()
    assert len(merged) == len(runs)
    both = [run for run in runs if run.garmin_id is not None and run.strava_id is not None]
    assert sum(len(a.sources) == 2 for a in merged) == len(both)
    for activity in merged:
        if len(activity.sources) == 2 and activity.avg_hr is not None:
            assert activity.source is Source.GARMIN


def test_deleting_a_merged_strava_activity_keeps_the_garmin_record(
    store: Store, settings: Settings, athlete: Athlete, strava: FakeStrava, garmin: FakeGarmin
) -> None:
    strava.activities = json.loads((FIXTURES / "strava_summary_page.json").read_text())
    garmin.activities = json.loads((FIXTURES / "garmin_activity_list.json").read_text())
    sync_athlete(store, settings, athlete)

    assert delete_strava_activity(store, settings, athlete.id, 12000000001)
    assert not delete_strava_activity(store, settings, athlete.id, 12000000001)

    with store.read() as tx:
        merged = tx.athlete(athlete.id).activities.merged()
    run = next(a for a in merged if a.source_id == "21000000001")
    assert run.sources == (Source.GARMIN,)
    assert len(merged) == 3


def test_sync_full_after_a_strava_deletion_leaves_the_garmin_side_standing(
    store: Store, settings: Settings, athlete: Athlete, strava: FakeStrava, garmin: FakeGarmin
) -> None:
    strava.activities = json.loads((FIXTURES / "strava_summary_page.json").read_text())
    garmin.activities = json.loads((FIXTURES / "garmin_activity_list.json").read_text())
    sync_athlete(store, settings, athlete)
    strava.activities = [a for a in strava.activities if a["id"] != 12000000003]

    [outcome] = sync_athlete(store, settings, athlete, sources=[Source.STRAVA], full=True)

    assert outcome.summary.deleted == 1
    with store.read() as tx:
        merged = {a.source_id: a.sources for a in tx.athlete(athlete.id).activities.merged()}
    assert merged["21000000003"] == (Source.GARMIN,)
