"""Building a served store for the service tests: a home, an athlete with history, Strava JSON.

The history comes from `syncsvc.testing.history`; Strava records are rendered
as DetailedActivity JSON in Strava's real shape (shared/fixtures/README.md:
`start_date_local` ends in `Z` but is local, heart-rate keys are absent when
there is none, `utc_offset` is a float) and go through the real normaliser.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from syncsvc import clock
from syncsvc.domain import Profile, Source, SourceRecord
from syncsvc.runtime import Runtime
from syncsvc.sources.ingest import remerge_all
from syncsvc.sources.normalise_strava import strava_record
from syncsvc.sources.settings import MergeSettings
from syncsvc.testing.history import HistorySpec, SyntheticRun, as_activities, generate_history

STRAVA_OWNER_ID = 134815
SUBSCRIPTION_ID = 120475
VERIFY_TOKEN = "verify-token-for-tests-0123456789"
STRAVA_API = "https://www.strava.com/api/v3"
TIMEZONE = "Europe/Berlin"
RATE_HEADERS = {
    "X-Ratelimit-Limit": "200,2000",
    "X-Ratelimit-Usage": "8,151",
    "X-Readratelimit-Limit": "100,1000",
    "X-Readratelimit-Usage": "8,151",
}


def settings_toml(
    *, coalesce_s: float = 0.5, extra: str = "", webhook_settings: bool = True
) -> str:
    """`webhook_settings` False leaves the verify token and subscription id to the store."""
    webhook = (
        f'webhook_verify_token = "{VERIFY_TOKEN}"\nsubscription_id = {SUBSCRIPTION_ID}'
        if webhook_settings
        else ""
    )
    return f"""
log_level = "info"
[strava]
client_id = "24523"
client_secret = "client-secret-for-tests"
{webhook}
retries = 0
[service]
webhook_coalesce_s = {coalesce_s}
{extra}
"""


def strava_json(
    activity_id: int,
    start_local: datetime,
    *,
    timezone: str = TIMEZONE,
    sport_type: str = "Run",
    moving_s: int = 3600,
    distance_m: float = 12600.0,
    avg_hr: float | None = 172.0,
    max_hr: float | None = 186.0,
    workout_type: int | None = 3,
    name: str = "Intervals 6x1k",
    private: bool = False,
) -> dict[str, Any]:
    """A DetailedActivity as GET /activities/{id} returns it (trimmed of maps and laps)."""
    zone = ZoneInfo(timezone)
    aware = start_local.replace(tzinfo=zone)
    start_utc = aware.astimezone(UTC)
    offset = aware.utcoffset() or timedelta(0)
    standard = zone.utcoffset(datetime(start_local.year, 1, 15)) or timedelta(0)
    hours, minutes = divmod(int(standard.total_seconds()) // 60, 60)
    body: dict[str, Any] = {
        "resource_state": 3,
        "athlete": {"id": STRAVA_OWNER_ID, "resource_state": 1},
        "name": name,
        "distance": distance_m,
        "moving_time": moving_s,
        "elapsed_time": moving_s + 120,
        "total_elevation_gain": 42.0,
        "type": sport_type,
        "sport_type": sport_type,
        "workout_type": workout_type,
        "id": activity_id,
        "external_id": f"garmin_push_{activity_id}",
        "upload_id": activity_id + 1,
        "start_date": start_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "start_date_local": start_local.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "timezone": f"(GMT{'+' if hours >= 0 else '-'}{abs(hours):02d}:{minutes:02d}) {timezone}",
        "utc_offset": float(offset.total_seconds()),
        "location_city": None,
        "location_state": None,
        "location_country": "Germany",
        "achievement_count": 0,
        "kudos_count": 0,
        "comment_count": 0,
        "athlete_count": 1,
        "photo_count": 0,
        "map": {"id": f"a{activity_id}", "summary_polyline": "", "resource_state": 3},
        "trainer": False,
        "commute": False,
        "manual": False,
        "private": private,
        "visibility": "only_me" if private else "everyone",
        "flagged": False,
        "gear_id": None,
        "start_latlng": [52.52, 13.40],
        "end_latlng": [52.52, 13.41],
        "average_speed": round(distance_m / moving_s, 3),
        "max_speed": 5.8,
        "has_heartrate": avg_hr is not None,
        "heartrate_opt_out": False,
        "display_hide_heartrate_option": avg_hr is not None,
        "elev_high": 60.0,
        "elev_low": 30.0,
        "pr_count": 0,
        "total_photo_count": 0,
        "has_kudoed": False,
        "suffer_score": 88.0,
        "description": "",
        "calories": 900.0,
        "device_name": "Garmin Forerunner 265",
        "embed_token": "0" * 40,
        "segment_efforts": [],
        "laps": [],
    }
    if avg_hr is not None:
        body["average_heartrate"] = avg_hr
        body["max_heartrate"] = max_hr
    return body


def run_json(run: SyntheticRun) -> dict[str, Any]:
    assert run.strava_id is not None
    return strava_json(
        run.strava_id,
        run.start_local,
        timezone=run.timezone,
        sport_type=run.sport_raw,
        moving_s=int(run.moving_s),
        distance_m=run.distance_m,
        avg_hr=run.avg_hr,
        max_hr=run.max_hr,
        workout_type=run.workout_type,
        name=f"{run.kind.title()} run",
    )


@dataclass(frozen=True, slots=True)
class Seeded:
    athlete_id: int
    feed_token: str
    strava_only: int
    """Records whose only source is Strava (a deauthorisation deletes them)."""
    garmin_records: int


def seed_store(
    runtime: Runtime, *, weeks: int = 12, end: date, name: str = "sam", uid_host: str = "svc.test"
) -> Seeded:
    """An athlete with `weeks` of history (both services), Strava connected, a plan and a feed."""
    from syncsvc.api.pipeline import refresh_athlete

    store = runtime.open_store(create=True)
    store.initialise_meta(uid_host)
    with store.write() as tx:
        athlete = tx.athletes.add(
            name,
            Profile(timezone=TIMEZONE, hr_rest=50, hr_max=190, long_run_days=(6,), hard_days=(1,)),
        )
    runs = generate_history(HistorySpec(weeks=weeks, end=end, timezone=TIMEZONE))
    garmin_view = {a.source_id: a for a in as_activities(runs) if a.source is Source.GARMIN}
    records: list[SourceRecord] = []
    strava_only = 0
    for run in runs:
        if run.garmin_id is not None:
            activity = garmin_view[str(run.garmin_id)]
            records.append(SourceRecord(activity, {"activityId": run.garmin_id}))
        if run.strava_id is not None:
            records.append(strava_record(run_json(run)))
            strava_only += run.garmin_id is None
    with store.write() as tx:
        scope = tx.athlete(athlete.id)
        scope.activities.upsert_many(records)
        remerge_all(scope.activities, MergeSettings())
        scope.credentials.save(
            "strava",
            {
                "access_token": "access-token-for-tests",
                "refresh_token": "refresh-token-for-tests",
                "expires_at": int((clock.now() + timedelta(days=30)).timestamp()),
            },
            provider_user_id=str(STRAVA_OWNER_ID),
            scope="read,activity:read_all",
            expires_at=clock.now() + timedelta(days=30),
        )
        token = scope.feed.ensure_token()
    refresh_athlete(runtime, athlete.id, trigger="seed", sync=False)
    garmin = sum(1 for r in runs if r.garmin_id is not None)
    return Seeded(athlete.id, token, strava_only, garmin)


def write_home(
    home: Path, *, coalesce_s: float = 0.5, extra: str = "", webhook_settings: bool = True
) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.toml").write_text(
        settings_toml(coalesce_s=coalesce_s, extra=extra, webhook_settings=webhook_settings)
    )


def event(
    object_id: int,
    *,
    aspect_type: str = "create",
    object_type: str = "activity",
    owner_id: int = STRAVA_OWNER_ID,
    subscription_id: int | str = SUBSCRIPTION_ID,
    event_time: int = 1_764_000_000,
    updates: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "aspect_type": aspect_type,
        "event_time": event_time,
        "object_id": object_id,
        "object_type": object_type,
        "owner_id": owner_id,
        "subscription_id": subscription_id,
    }
    if updates is not None:
        body["updates"] = updates
    return body


def activity_reply(body: dict[str, Any], *, status: int = 200) -> dict[str, Any]:
    return {
        "method": "GET",
        "url": f"{STRAVA_API}/activities/{body['id']}",
        "status": status,
        "json": body,
        "headers": RATE_HEADERS,
    }


def morning_of(day: date, hour: int = 7) -> datetime:
    return datetime.combine(day, time(hour, 0))


def dumps(data: Any) -> bytes:
    return json.dumps(data).encode()
