"""Every repository read, with two athletes seeded: neither ever sees the other's rows."""

from __future__ import annotations

import inspect as pyinspect
from datetime import UTC, date, datetime, time, timedelta

import pytest

from syncsvc.domain import (
    CheckIn,
    ClassSource,
    DayClass,
    DayView,
    Override,
    OverrideAction,
    Plan,
    Session,
    SessionKind,
    Source,
    SourceRecord,
    SyncCursor,
)
from syncsvc.store.athlete_set import AthleteSet
from syncsvc.store.database import Store
from syncsvc.store.push import LedgerEntry
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
        scope.days.replace(
            [DayView(date(2026, 11, 24), DayClass.EASY, marker, ClassSource.ACTUAL, False, 12.0)]
        )
        channel = scope.push.add_channel(
            "caldav", f"https://dav.example/{marker}/", secret={"password": f"pw-{marker}"}
        )
        scope.push.save_entry(channel.id, LedgerEntry(f"s-{marker}", remote_id=f"{marker}.ics"))
        scope.web.issue_link(timedelta(minutes=15))
        tx.web.open_session(scope.web.ensure_user(), timedelta(days=1))
    return athlete.id


def everything_readable(scope: AthleteData) -> str:
    """Call every read of every repository; return all of it as one text."""
    seen = [
        scope.activities.records(),
        scope.activities.merged(),
        scope.activities.source_ids(Source.STRAVA),
        scope.activities.source_ids(Source.GARMIN),
        scope.activities.groups(),
        scope.activities.skipped(),
        scope.activities.start_range(),
        scope.activities.merge_candidates(datetime.min.replace(tzinfo=UTC), NOW),
        scope.cursors.all(),
        scope.credentials.load("strava"),
        scope.credentials.info("strava"),
        scope.pending.all(Source.STRAVA),
        scope.pending.announcements(Source.STRAVA, "obj-MARKER-ANA", "create"),
        scope.pending.announcements(Source.STRAVA, "obj-MARKER-BO", "create"),
        f"webhook events: {scope.webhook_events.count_since(datetime(2000, 1, 1, tzinfo=UTC))}",
        scope.sessions.all(),
        scope.sessions.plan(),
        scope.sessions.ids(),
        scope.overrides.all(),
        scope.checkins.all(),
        scope.feed.active_token(),
        scope.plan_sources.all(),
        scope.runs.latest(),
        scope.days.all(),
        scope.push.channels(),
        scope.web.user(),
        scope.web.links_issued_since(NOW - timedelta(days=1)),
        scope.web.sessions(),
    ]
    for channel in scope.push.channels():
        seen.append(scope.push.channel(channel.id))
        seen.append(scope.push.secret(channel.id))
        seen.append(scope.push.ledger(channel.id))
    for record in scope.activities.records():
        seen.append(scope.activities.raw(record.activity.id or 0))
        seen.append(scope.activities.record(record.activity.id or 0))
    for source in (Source.STRAVA, Source.GARMIN):
        seen.append(scope.activities.starts_of(source, sorted(scope.activities.source_ids(source))))
        seen.append((scope.activities.newest_start(source), scope.activities.oldest_start(source)))
    return repr(seen)


READS = "reads"
WRITES = "writes"
REPOSITORY_METHODS: dict[str, dict[str, set[str]]] = {
    "activities": {
        READS: {
            "records",
            "merged",
            "raw",
            "source_ids",
            "newest_start",
            "oldest_start",
            "groups",
            "record",
            "skipped",
            "starts_of",
            "merge_candidates",
            "start_range",
        },
        WRITES: {
            "upsert",
            "upsert_many",
            "set_merge",
            "set_never_merge",
            "delete_records",
            "record_skipped",
            "set_merges",
        },
    },
    "sessions": {
        READS: {"all", "get", "ids", "plan"},
        WRITES: {"save", "save_plan", "forget_cancelled"},
    },
    "days": {READS: {"all"}, WRITES: {"replace"}},
    "overrides": {READS: {"all"}, WRITES: {"append"}},
    "checkins": {READS: {"all"}, WRITES: {"append"}},
    "cursors": {READS: {"get", "all"}, WRITES: {"save"}},
    "credentials": {READS: {"load", "info"}, WRITES: {"save", "mark", "remove"}},
    "pending": {READS: {"all", "announcements"}, WRITES: {"add", "done"}},
    "webhook_events": {READS: {"count_since"}, WRITES: {"record", "forget_before"}},
    "feed": {
        READS: {"active_token", "rendered"},
        WRITES: {"issue_token", "ensure_token", "store_rendered"},
    },
    "plan_sources": {READS: {"all"}, WRITES: {"add", "remove", "record_read"}},
    "runs": {READS: {"latest"}, WRITES: {"record", "forget_before"}},
    "push": {
        READS: {"channels", "channel", "secret", "ledger"},
        WRITES: {
            "add_channel",
            "save_secret",
            "remove_channel",
            "record_outcome",
            "save_remote",
            "note_plan_changed",
            "save_entry",
            "forget_entry",
        },
    },
    "web": {
        READS: {"user", "links_issued_since", "sessions"},
        WRITES: {"ensure_user", "issue_link", "sign_out_everywhere"},
    },
}


def test_the_isolation_test_covers_every_public_read() -> None:
    """Every repository and method is listed; a new read must join `everything_readable`."""
    repositories = {name for name, member in vars(AthleteData).items() if hasattr(member, "func")}
    assert repositories == set(REPOSITORY_METHODS)
    module = pyinspect.getmodule(AthleteData)
    for name, methods in REPOSITORY_METHODS.items():
        annotation = getattr(AthleteData, name).func.__annotations__["return"]
        cls = module.__dict__[annotation] if isinstance(annotation, str) else annotation
        public = {
            m for m, _ in pyinspect.getmembers(cls, pyinspect.isfunction) if not m.startswith("_")
        }
        assert public == methods[READS] | methods[WRITES], name


def test_neither_athlete_sees_the_others_rows(store_url: str) -> None:
    store = open_store(store_url)
    first = seed(store, "ana", "MARKER-ANA")
    second = seed(store, "bo", "MARKER-BO")
    with store.read() as tx:
        ana_view = everything_readable(tx.athlete(first))
        bo_view = everything_readable(tx.athlete(second))
        assert tx.athlete(first).sessions.get("s-MARKER-BO") is None
        bo_record = tx.athlete(second).activities.records()[0].activity.id or 0
        assert tx.athlete(first).activities.record(bo_record) is None
        assert tx.athlete(first).activities.raw(bo_record) is None
        assert tx.athlete(first).activities.newest_start(Source.GARMIN) is not None
        bo_channel = tx.athlete(second).push.channels()[0].id
        assert tx.athlete(first).push.channel(bo_channel) is None
        assert tx.athlete(first).push.secret(bo_channel) is None
        assert tx.athlete(first).push.ledger(bo_channel) == []
        ana_token = tx.athlete(first).feed.active_token()
        bo_token = tx.athlete(second).feed.active_token()
    ana_user, bo_user = (everything_web(store, athlete) for athlete in (first, second))
    assert ana_user != bo_user
    assert "MARKER-ANA" in ana_view
    assert "webhook events: 1" in ana_view  # its own event, not the other's
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


def everything_in_set(group: AthleteSet) -> str:
    """Call every read of a set of athletes; return all of it as one text."""
    seen = [
        group.merged_activities(),
        group.plan_sources(),
        group.sessions(),
        group.overrides(),
        group.checkins(),
        group.cursors(),
        group.credential_infos(),
        group.pending(Source.STRAVA),
        group.last_run_started(),
        group.push_channels(),
        group.push_channels_behind(),
        group.push_ledger_counts("pushed"),
    ]
    return repr(seen)


def test_a_set_of_athletes_reads_only_its_own_and_the_same_as_each_scope(store_url: str) -> None:
    store = open_store(store_url)
    first = seed(store, "ana", "MARKER-ANA")
    second = seed(store, "bo", "MARKER-BO")
    with store.read() as tx:
        ana_only = everything_in_set(tx.athlete_set([first]))
        assert set(tx.athlete_set([first]).merged_activities()) == {first}
        both = tx.athlete_set(None)
        scopes = {athlete_id: tx.athlete(athlete_id) for athlete_id in (first, second)}
        for athlete_id, scope in scopes.items():
            assert both.merged_activities()[athlete_id] == scope.activities.merged()
            assert both.sessions()[athlete_id] == scope.sessions.all()
            assert both.overrides()[athlete_id] == scope.overrides.all()
            assert both.checkins()[athlete_id] == scope.checkins.all()
            assert both.plan_sources()[athlete_id] == scope.plan_sources.all()
            assert both.push_channels()[athlete_id] == scope.push.channels()
            assert both.cursors()[athlete_id] == scope.cursors.all()
            assert both.last_run_started()[athlete_id] == scope.runs.latest(1)[0].started_at
    assert "MARKER-ANA" in ana_only
    assert "MARKER-BO" not in ana_only


def everything_web(store: Store, athlete_id: int) -> int:
    """The athlete's web user; every session and link seen through the scope is theirs."""
    with store.read() as tx:
        web = tx.athlete(athlete_id).web
        user = web.user()
        assert user is not None
        assert user.athlete_id == athlete_id
        assert [s.user for s in web.sessions()] == [user]
        assert web.links_issued_since(NOW - timedelta(days=1)) == 1
        return user.id


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
        bo_channel = tx.athlete(second).push.channels()[0].id
        assert not ana.push.remove_channel(bo_channel)
        ana.push.forget_entry(bo_channel, "s-MARKER-BO")
        with pytest.raises(ValueError, match="another athlete"):
            ana.push.save_entry(bo_channel, LedgerEntry("s-MARKER-BO"))
        assert ana.web.sign_out_everywhere() == 1
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
        assert [e.session_id for e in bo.push.ledger(bo.push.channels()[0].id)] == ["s-MARKER-BO"]
        assert len(bo.web.sessions()) == 1
        assert tx.athlete(first).web.sessions() == []
