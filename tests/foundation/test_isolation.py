"""Every repository read, with two athletes seeded: neither ever sees the other's rows."""

from __future__ import annotations

import inspect as pyinspect
from datetime import UTC, date, datetime, time

import pytest

from syncsvc.domain import (
    CheckIn,
    Override,
    OverrideAction,
    Plan,
    Session,
    SessionKind,
    Source,
    SourceRecord,
    SyncCursor,
)
from syncsvc.store.database import Store
from syncsvc.store.scope import AthleteData
from syncsvc.testing.history import HistorySpec, as_activities, generate_history
from syncsvc.testing.stores import add_athlete, open_store

NOW = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


def seed(store: Store, name: str, marker: str) -> int:
    athlete = add_athlete(store, name)
    runs = generate_history(HistorySpec(weeks=2, athlete_key=marker, seed=len(marker)))
    with store.write() as tx:
        scope = tx.athlete(athlete.id)
        for activity in as_activities(runs):
            scope.activities.upsert(SourceRecord(activity, {"marker": marker}))
        scope.activities.record_skipped(Source.STRAVA, f"bad-{marker}", "no start", {"m": marker})
        scope.cursors.save(SyncCursor(athlete.id, Source.STRAVA, last_error=marker))
        scope.credentials.save("strava", {"token": marker}, provider_user_id=f"u-{marker}")
        scope.pending.add(Source.STRAVA, f"obj-{marker}", "create", 0)
        scope.webhook_events.record("activity", f"obj-{marker}", "create", 1, {})
        scope.sessions.save_plan(
            Plan(
                athlete.id,
                (
                    Session(
                        f"s-{marker}",
                        athlete.id,
                        SessionKind.CORE,
                        date(2026, 11, 25),
                        time(18),
                        25,
                        changed_at=NOW,
                        reasons=(marker,),
                    ),
                ),
            )
        )
        scope.overrides.append(
            Override(athlete.id, OverrideAction.PIN, NOW, session_id=f"s-{marker}", note=marker)
        )
        scope.checkins.append(CheckIn(athlete.id, NOW, 3, note=marker))
        scope.feed.issue_token()
        scope.plan_sources.add(f"https://plans.example/{marker}.ics", marker)
        scope.runs.record("test", NOW, NOW, "ok", {"marker": marker})
    return athlete.id


def everything_readable(scope: AthleteData) -> str:
    """Call every read of every repository; return all of it as one text."""
    seen = [
        scope.activities.records(),
        scope.activities.merged(),
        scope.activities.source_ids(Source.STRAVA),
        scope.activities.source_ids(Source.GARMIN),
        scope.cursors.all(),
        scope.credentials.load("strava"),
        scope.credentials.info("strava"),
        scope.pending.all(Source.STRAVA),
        scope.sessions.all(),
        scope.sessions.plan(),
        scope.sessions.ids(),
        scope.overrides.all(),
        scope.checkins.all(),
        scope.feed.active_token(),
        scope.plan_sources.all(),
        scope.runs.latest(),
    ]
    for record in scope.activities.records():
        seen.append(scope.activities.raw(record.activity.id or 0))
    return repr(seen)


READ_METHODS = {
    "activities": {"records", "merged", "raw", "source_ids", "newest_start"},
    "sessions": {"all", "get", "ids", "plan"},
    "overrides": {"all"},
    "checkins": {"all"},
    "cursors": {"get", "all"},
    "credentials": {"load", "info"},
    "pending": {"all"},
    "feed": {"active_token", "rendered"},
    "plan_sources": {"all"},
    "runs": {"latest"},
}


def test_the_isolation_test_covers_every_public_read() -> None:
    """A new read method must be added here (and so to the isolation test)."""
    writes = {
        "upsert",
        "set_merge",
        "set_never_merge",
        "delete_records",
        "record_skipped",
        "save",
        "save_plan",
        "append",
        "mark",
        "remove",
        "add",
        "done",
        "record",
        "issue_token",
        "ensure_token",
        "store_rendered",
        "record_read",
    }
    for name, methods in READ_METHODS.items():
        repository = getattr(AthleteData, name).func.__annotations__["return"]
        cls = (
            pyinspect.getmodule(AthleteData).__dict__[repository]
            if isinstance(repository, str)
            else repository
        )
        public = {
            m for m, _ in pyinspect.getmembers(cls, pyinspect.isfunction) if not m.startswith("_")
        }
        assert public - writes == methods, name


def test_neither_athlete_sees_the_others_rows(store_url: str) -> None:
    store = open_store(store_url)
    first = seed(store, "ana", "MARKER-ANA")
    second = seed(store, "bo", "MARKER-BO")
    with store.read() as tx:
        ana_view = everything_readable(tx.athlete(first))
        bo_view = everything_readable(tx.athlete(second))
        assert tx.athlete(first).sessions.get("s-MARKER-BO") is None
        assert tx.athlete(first).activities.newest_start(Source.GARMIN) is not None
        ana_token = tx.athlete(first).feed.active_token()
        bo_token = tx.athlete(second).feed.active_token()
    assert "MARKER-ANA" in ana_view
    assert "MARKER-BO" not in ana_view
    assert "MARKER-BO" in bo_view
    assert "MARKER-ANA" not in bo_view
    assert ana_token
    assert bo_token
    assert ana_token not in bo_view
    assert bo_token not in ana_view
    with store.read() as tx:
        assert tx.shared.find_token(ana_token).athlete_id == first
        assert tx.shared.athlete_for_provider_user("strava", "u-MARKER-BO") == second


def test_writes_through_one_scope_never_touch_the_other(store_url: str) -> None:
    store = open_store(store_url)
    first = seed(store, "ana", "MARKER-ANA")
    second = seed(store, "bo", "MARKER-BO")
    with store.write() as tx:
        bo_records = tx.athlete(second).activities.records()
        ana = tx.athlete(first)
        ana.activities.set_merge(bo_records[0].activity.id or 0, None)
        ana.activities.set_never_merge(bo_records[0].activity.id or 0, True)
        assert (
            ana.activities.delete_records(Source.GARMIN, [r.activity.source_id for r in bo_records])
            == 0
        )
        ana.credentials.remove("strava")
        with pytest.raises(ValueError, match="another athlete"):
            ana.sessions.save(
                [
                    Session(
                        "x",
                        second,
                        SessionKind.HIP,
                        date(2026, 11, 26),
                        time(18),
                        25,
                        changed_at=NOW,
                    )
                ]
            )
    with store.read() as tx:
        bo = tx.athlete(second)
        assert len(bo.activities.records()) == len(bo_records)
        assert not any(r.never_merge for r in bo.activities.records())
        assert bo.credentials.load("strava") == {"token": "MARKER-BO"}
