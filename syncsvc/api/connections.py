"""The functions the CLI (and the service) call: one per command, runtime in, values out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, timedelta, timezone
from pathlib import Path
from typing import Any

from syncsvc import clock
from syncsvc.domain import Activity
from syncsvc.errors import NotFoundError
from syncsvc.runtime import Runtime
from syncsvc.sources.imports import ImportReport
from syncsvc.sources.ingest import remerge
from syncsvc.sources.strava_auth import StravaConnection
from syncsvc.store.activities import ActivityGroup


def run_import(
    runtime: Runtime, paths: list[Path], *, progress: Callable[[int], None] | None = None
) -> ImportReport:
    from syncsvc.sources.imports import import_paths

    return import_paths(
        runtime.store, runtime.settings, runtime.athlete(), paths, progress=progress
    )


# ---------------------------------------------------------------- auth


def connect_strava(
    runtime: Runtime,
    *,
    refresh_token: str | None,
    announce: Callable[[str], None],
    open_browser: bool,
) -> StravaConnection:
    from syncsvc.sources.http import CountingSession
    from syncsvc.sources.strava_auth import (
        browser_flow,
        connect_with_code,
        connect_with_refresh_token,
    )

    athlete = runtime.athlete()
    session = CountingSession()
    if refresh_token:
        return connect_with_refresh_token(
            runtime.store, runtime.settings.strava, athlete.id, refresh_token, session
        )
    code, scope = browser_flow(runtime.settings.strava, announce, open_browser=open_browser)
    return connect_with_code(
        runtime.store, runtime.settings.strava, athlete.id, code, scope, session
    )


def disconnect_strava(runtime: Runtime) -> bool:
    from syncsvc.sources.http import CountingSession
    from syncsvc.sources.strava_auth import revoke

    return revoke(runtime.store, runtime.settings.strava, runtime.athlete().id, CountingSession())


def connect_garmin(
    runtime: Runtime,
    *,
    tokens: str | None,
    email: Callable[[], str],
    password: Callable[[], str],
    mfa_code: Callable[[], str],
) -> str | None:
    """Log in (or import tokens) and store them encrypted; return the Garmin profile id."""
    from syncsvc.sources.garmin import check_tokens, login, read_tokens, save_tokens

    athlete = runtime.athlete()
    source = tokens or runtime.settings.garmin.tokens
    if source:
        checked, profile_id = check_tokens(read_tokens(source), runtime.settings.garmin)
    else:
        checked, profile_id = login(email(), password(), mfa_code)
    save_tokens(runtime.store, athlete.id, checked, provider_user_id=profile_id)
    return profile_id


def disconnect_garmin(runtime: Runtime) -> bool:
    with runtime.store.write() as tx:
        return tx.athlete(runtime.athlete().id).credentials.remove("garmin")


# ---------------------------------------------------------------- activities


@dataclass(frozen=True, slots=True)
class ActivityRow:
    group: ActivityGroup
    load: float | None
    load_method: str | None


def _loads(runtime: Runtime, activities: list[Activity]) -> dict[int | None, tuple[float, str]]:
    """Our load of each activity (issue 4's model), keyed by the activity id."""
    from syncsvc.load.activity import activity_loads, score_activities
    from syncsvc.load.columns import activity_columns
    from syncsvc.load.parameters import resolve_parameters

    profile = runtime.athlete().profile
    settings = runtime.settings.load
    columns = activity_columns(activities)
    parameters = resolve_parameters(columns, profile, settings, clock.today_in(profile.timezone))
    loads = activity_loads(columns, score_activities(columns, parameters, settings))
    return {load.activity_id: (load.load, load.method.value) for load in loads}


def list_activities(runtime: Runtime, *, days: int | None) -> list[ActivityRow]:
    """Merged activities, oldest first; `days`: the last N local days, today included."""
    athlete = runtime.athlete()
    since: date | None = None
    if days is not None:
        today = clock.today_in(athlete.profile.timezone)
        since = today - timedelta(days=days - 1)
    with runtime.store.read() as tx:
        all_groups = tx.athlete(athlete.id).activities.groups()
    loads = _loads(runtime, [group.activity for group in all_groups]) if all_groups else {}
    return [
        ActivityRow(group, *loads.get(group.activity.id, (None, None)))
        for group in all_groups
        if since is None or group.activity.local_date >= since
    ]


def activity_json(row: ActivityRow) -> dict[str, Any]:
    activity = row.group.activity
    offset = timezone(timedelta(seconds=activity.utc_offset_s))
    return {
        "id": activity.id,
        "sources": [source.value for source in activity.sources],
        "start": activity.start_utc.astimezone(offset).isoformat(),
        "start_utc": activity.start_utc.astimezone(UTC).isoformat(),
        "timezone": activity.timezone,
        "local_date": activity.local_date.isoformat(),
        "sport": activity.sport.value,
        "sport_raw": activity.sport_raw,
        "name": activity.name,
        "distance_km": round(activity.distance_m / 1000, 3) if activity.distance_m else None,
        "moving_s": activity.moving_s,
        "avg_hr": activity.avg_hr,
        "load": round(row.load, 1) if row.load is not None else None,
        "load_method": row.load_method,
        "records": [
            {
                "id": record.activity.id,
                "source": record.activity.source.value,
                "source_id": record.activity.source_id,
                "winner": record.merged_into_id is None,
            }
            for record in row.group.records
        ],
    }


def unlink_activity(runtime: Runtime, record_id: int) -> list[int]:
    """Undo a wrong merge: the record leaves its group and never merges again.

    Given the winner's id, the whole group splits (every record is kept apart).
    Returns the ids of the records set apart.
    """
    athlete = runtime.athlete()
    with runtime.store.write() as tx:
        repository = tx.athlete(athlete.id).activities
        record = repository.record(record_id)
        if record is None:
            raise NotFoundError(
                f"no activity record {record_id}", hint="syncsvc activities --json lists them"
            )
        winner_id = record.merged_into_id or record_id
        group = [
            stored
            for stored in repository.records(
                since_utc=record.activity.start_utc - timedelta(hours=6),
                until_utc=record.activity.start_utc + timedelta(hours=6),
            )
            if stored.activity.id == winner_id or stored.merged_into_id == winner_id
        ]
        apart = (
            [record_id]
            if record.merged_into_id is not None
            else [stored.activity.id for stored in group if stored.activity.id is not None]
        )
        for activity_id in apart:
            repository.set_never_merge(activity_id, True)
        start = record.activity.start_utc
        remerge(repository, start, start, runtime.settings.merge)
    return apart
