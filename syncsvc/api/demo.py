"""`syncsvc demo`: the main job without any account, on its own clock.

1. Fix the clock at the bundled history's "now" (the demo behaves the same at
   any hour) and open the demo home (a folder of its own, or SYNCSVC_HOME).
2. Create the demo athlete, resetting the one a previous run left.
3. Store the bundled 12-week history as Garmin and Strava source records (runs
   recorded by both are merged into one), run the pipeline, write the feed.
4. A hard run arrives on the morning of the next day that holds a session: the
   pipeline runs again and the session moves, with the reason (W4).

Offline: nothing here touches the network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import platformdirs

from syncsvc import clock, routes
from syncsvc.api.athletes import add_athlete, initialise
from syncsvc.api.day_views import day_views
from syncsvc.api.pipeline import local_today, refresh_athlete
from syncsvc.domain import (
    Activity,
    Athlete,
    Profile,
    Session,
    SessionStatus,
    Sex,
    Source,
    SourceRecord,
    Sport,
)
from syncsvc.private_files import write_private
from syncsvc.runtime import Runtime
from syncsvc.sources.ingest import store_records

DEMO_ATHLETE = "demo"
HISTORY_FILE = "demo_history.json"
FEED_FILE = "demo-feed.ics"
FEED_BEFORE_FILE = "demo-feed-before.ics"
HARD_RUN_START = time(7, 0)
ARRIVES_AT = time(10, 30)


@dataclass(frozen=True, slots=True)
class DemoHistory:
    now: datetime
    profile: Profile
    name: str
    runs: tuple[dict[str, Any], ...]
    first_day: date
    last_day: date


@dataclass(frozen=True, slots=True)
class MovedSession:
    session_id: str
    kind: str
    before: str
    after: str
    reason: str
    """The planner's first reason for the session's new day."""


def default_demo_home() -> Path:
    """A folder apart from the runner's own home, so the demo never touches their data."""
    return Path(platformdirs.user_data_dir("syncsvc")) / "demo"


def load_history() -> DemoHistory:
    raw = json.loads(resources.files("syncsvc.data").joinpath(HISTORY_FILE).read_text("utf-8"))
    athlete = raw["athlete"]
    hours, minutes = (int(part) for part in athlete["session_time"].split(":"))
    profile = Profile(
        timezone=athlete["timezone"],
        hr_rest=athlete["hr_rest"],
        sex=None if athlete.get("sex") is None else _sex(athlete["sex"]),
        session_time=time(hours, minutes),
        session_minutes=athlete["session_minutes"],
    )
    return DemoHistory(
        now=clock.parse_instant(raw["now"]),
        profile=profile,
        name=athlete["name"],
        runs=tuple(raw["runs"]),
        first_day=date.fromisoformat(raw["first_day"]),
        last_day=date.fromisoformat(raw["last_day"]),
    )


def _sex(value: str) -> Sex:
    return Sex(value)


def source_records(runs: tuple[dict[str, Any], ...]) -> dict[Source, list[SourceRecord]]:
    """Each run as the record(s) of the service(s) that recorded it."""
    records: dict[Source, list[SourceRecord]] = {Source.GARMIN: [], Source.STRAVA: []}
    for run in runs:
        for source, key in ((Source.GARMIN, "garmin_id"), (Source.STRAVA, "strava_id")):
            if run.get(key) is None:
                continue
            records[source].append(SourceRecord(_activity(run, source, str(run[key])), run))
    return records


def _activity(run: dict[str, Any], source: Source, source_id: str) -> Activity:
    sport = Sport(run["sport"])
    return Activity(
        source=source,
        source_id=source_id,
        start_utc=datetime.fromisoformat(run["start_utc"]).astimezone(UTC),
        utc_offset_s=int(run["utc_offset_s"]),
        timezone=run["timezone"],
        sport=sport,
        sport_raw=run["sport_raw"],
        name=f"{run['kind'].title()} run" if sport is Sport.RUN else "Strength",
        distance_m=run["distance_m"],
        moving_s=run["moving_s"],
        elapsed_s=run["elapsed_s"],
        avg_hr=run["avg_hr"],
        max_hr=run["max_hr"],
        elevation_gain_m=run["elevation_gain_m"],
        is_race=run["kind"] == "race",
        workout_type=run["workout_type"],
    )


def hard_run(day: date, zone: ZoneInfo, profile: Profile) -> dict[str, Any]:
    """An interval session recorded by Strava on `day`, early morning."""
    start = datetime.combine(day, HARD_RUN_START, tzinfo=zone)
    offset = start.utcoffset() or timedelta(0)
    hr_rest = profile.hr_rest or 50
    return {
        "key": "demo-new",
        "kind": "intervals",
        "sport": Sport.RUN.value,
        "sport_raw": "Run",
        "start_utc": start.astimezone(UTC).isoformat(),
        "timezone": str(zone),
        "utc_offset_s": int(offset.total_seconds()),
        "moving_s": 3600.0,
        "elapsed_s": 3900.0,
        "distance_m": 12600.0,
        "avg_hr": float(hr_rest + round((188 - hr_rest) * 0.86)),
        "max_hr": 184.0,
        "elevation_gain_m": 40.0,
        "workout_type": 3,
        "garmin_id": None,
        "strava_id": 19_000_000_001,
    }


def _reset_previous(runtime: Runtime) -> str:
    with runtime.store.write() as tx:
        previous = tx.athletes.by_name(DEMO_ATHLETE)
        if previous is None:
            return ""
        tx.athletes.remove(previous.id)
    return f"reset the demo athlete a previous run left in {runtime.home}"


def _create_athlete(runtime: Runtime, history: DemoHistory) -> tuple[Athlete, str]:
    store_exists = runtime.settings.sqlite_path is None or runtime.settings.sqlite_path.exists()
    reused = ""
    if store_exists:
        runtime.open_store()
        with runtime.store.read() as tx:
            has_meta = tx.store_info_or_none() is not None
            others = [a for a in tx.athletes.all() if a.name != DEMO_ATHLETE]
        if has_meta:
            reused = _reset_previous(runtime)
            if others:
                return add_athlete(runtime, DEMO_ATHLETE, history.profile), reused
    result = initialise(runtime, DEMO_ATHLETE, history.profile)
    return result.athlete, reused


def _store_history(
    runtime: Runtime, athlete: Athlete, runs: tuple[dict[str, Any], ...]
) -> tuple[int, int]:
    stored = merged = 0
    for source, records in source_records(runs).items():
        if not records:
            continue
        page = store_records(runtime.store, athlete.id, source, records, [], runtime.settings.merge)
        stored += page.new + page.updated
        merged += page.merged
    return stored, merged


def _write_feed(runtime: Runtime, athlete: Athlete, path: Path) -> int:
    with runtime.store.read() as tx:
        rendered = tx.athlete(athlete.id).feed.rendered()
    if rendered is None:
        return 0
    write_private(path, rendered.body)
    return rendered.body.count(b"BEGIN:VEVENT")


def _first_session_ahead(runtime: Runtime, athlete: Athlete, today: date) -> Session | None:
    with runtime.store.read() as tx:
        sessions = tx.athlete(athlete.id).sessions.all(since=today)
    planned = [s for s in sessions if s.status is SessionStatus.PLANNED]
    return planned[0] if planned else None


@dataclass(frozen=True, slots=True)
class DemoSetup:
    home: Path
    athlete: Athlete
    reused: str
    """What a previous run left and this one reset ("" on a clean home)."""
    runs_loaded: int
    records_stored: int
    feed_file: Path
    feed_events: int


@dataclass(frozen=True, slots=True)
class HardRunOutcome:
    day: date | None
    """The day the hard run landed on (None when no session lay ahead)."""
    arrived_at: datetime | None
    title: str
    day_now: str
    """What that day is now, in the load model's words ("hard: ...")."""
    moved: tuple[MovedSession, ...]
    cancelled: tuple[MovedSession, ...]
    feed_file: Path
    feed_events: int


def prepare_demo(runtime: Runtime, *, feed_dir: Path | None = None) -> DemoSetup:
    """Demo clock, demo athlete, bundled history stored, pipeline run, feed written."""
    history = load_history()
    clock.set_now(history.now)
    athlete, reused = _create_athlete(runtime, history)
    stored, _ = _store_history(runtime, athlete, history.runs)
    refresh_athlete(runtime, athlete.id, trigger="demo: history loaded", sync=False)
    feed_file = (feed_dir or runtime.home) / FEED_BEFORE_FILE
    events = _write_feed(runtime, athlete, feed_file)
    return DemoSetup(runtime.home, athlete, reused, len(history.runs), stored, feed_file, events)


def simulate_hard_run(
    runtime: Runtime, athlete: Athlete, *, feed_dir: Path | None = None
) -> HardRunOutcome:
    """A hard interval run arrives on the morning of the next day holding a session."""
    zone = ZoneInfo(athlete.profile.timezone)
    feed_file = (feed_dir or runtime.home) / FEED_FILE
    target = _first_session_ahead(runtime, athlete, local_today(athlete))
    if target is None:
        events = _write_feed(runtime, athlete, feed_file)
        return HardRunOutcome(None, None, "", "", (), (), feed_file, events)
    day = target.local_date
    arrived = datetime.combine(day, ARRIVES_AT, tzinfo=zone).astimezone(UTC)
    clock.set_now(arrived)
    run = hard_run(day, zone, athlete.profile)
    _store_history(runtime, athlete, (run,))
    result = refresh_athlete(runtime, athlete.id, trigger="demo: new activity", sync=False)
    moved = [
        _described(runtime, athlete, change.session_id, change.before, change.after, change.reason)
        for change in result.changes
        if change.what == "moved"
    ]
    cancelled = [
        _described(runtime, athlete, change.session_id, change.before, change.after, change.reason)
        for change in result.changes
        if change.what == "status" and change.after == SessionStatus.CANCELLED.value
    ]
    minutes = round(run["moving_s"] / 60)
    title = f"intervals, {minutes} min, average heart rate {run['avg_hr']:.0f}"
    view = day_views(runtime, athlete).get(day)
    day_now = f"{view.day_class} ({view.reason})" if view is not None else ""
    events = _write_feed(runtime, athlete, feed_file)
    return HardRunOutcome(
        day, arrived, title, day_now, tuple(moved), tuple(cancelled), feed_file, events
    )


def _described(
    runtime: Runtime, athlete: Athlete, session_id: str, before: str, after: str, reason: str
) -> MovedSession:
    with runtime.store.read() as tx:
        session = tx.athlete(athlete.id).sessions.get(session_id)
    if session is None:
        return MovedSession(session_id, "", before, after, reason)
    return MovedSession(
        session_id,
        session.kind.value,
        before,
        after,
        session.reasons[0] if session.reasons else reason,
    )


def demo_feed_url(runtime: Runtime, host: str, port: int) -> str:
    """The local URL of the demo athlete's feed (a token is issued when none is active)."""
    athlete = runtime.athlete()
    with runtime.store.write() as tx:
        token = tx.athlete(athlete.id).feed.ensure_token()
    return f"http://{host}:{port}{routes.feed_path(token)}"
