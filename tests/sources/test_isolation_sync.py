"""Two athletes who ran the same runs: the merge and every new read stay within one athlete."""

from __future__ import annotations

from datetime import date

from syncsvc.domain import Profile, Source, SourceRecord
from syncsvc.sources.ingest import remerge_all
from syncsvc.sources.normalise_garmin import garmin_record
from syncsvc.sources.normalise_strava import strava_record
from syncsvc.sources.settings import MergeSettings
from syncsvc.store.database import Store
from syncsvc.testing.history import HistorySpec, generate_history
from syncsvc.testing.shapes import garmin_activities, strava_activities
from syncsvc.testing.stores import add_athlete

MERGE = MergeSettings()


def test_merging_and_reading_never_cross_athletes(store: Store) -> None:
    runs = generate_history(HistorySpec(weeks=2, end=date(2026, 11, 22), both_sources_share=1.0))
    records: list[SourceRecord] = [strava_record(raw) for raw in strava_activities(runs)]
    records += [garmin_record(raw) for raw in garmin_activities(runs)]
    ana = add_athlete(store, "ana-twin", Profile(timezone="Europe/Berlin"))
    bo = add_athlete(store, "bo-twin", Profile(timezone="Europe/Berlin"))
    for athlete_id in (ana.id, bo.id):
        with store.write() as tx:
            repository = tx.athlete(athlete_id).activities
            repository.upsert_many(records)
            assert remerge_all(repository, MERGE) == len(runs)
            repository.record_skipped(Source.STRAVA, f"bad-{athlete_id}", "no start", {})

    with store.read() as tx:
        for me, other in ((ana.id, bo.id), (bo.id, ana.id)):
            mine = tx.athlete(me).activities
            groups = mine.groups()
            assert len(groups) == len(runs)
            for group in groups:
                assert {r.activity.athlete_id for r in group.records} == {me}
            other_ids = {r.activity.id for r in tx.athlete(other).activities.records()}
            assert all(mine.record(record_id) is None for record_id in other_ids)
            assert [s.source_id for s in mine.skipped()] == [f"bad-{me}"]
            starts = mine.starts_of(Source.STRAVA, [str(run.strava_id) for run in runs])
            assert len(starts) == len(runs)
