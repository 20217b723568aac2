"""Synthetic runs rendered as the JSON Strava and Garmin really send.

Strava: SummaryActivity as `GET /athlete/activities` returns it (shapes checked
against shared/fixtures/strava/recorded/athlete_activities.json): `start_date` in
UTC, `start_date_local` with a misleading `Z`, `timezone` as "(GMT+01:00)
Europe/Berlin" (the standard offset), heart-rate keys absent without HR, and
`external_id` naming the Garmin activity when Garmin uploaded it.
Garmin: activity-list items as `/activitylist-service/activities/search/activities`
returns them (shared/fixtures/garmin/garth/): zone-less "YYYY-MM-DD HH:MM:SS"
times, a numeric `timeZoneId`, `activityType.typeKey`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from syncsvc.domain import Sport
from syncsvc.testing.history import SyntheticRun

STRAVA_ATHLETE_ID = 26462176
GARMIN_OWNER_ID = 2591602
GARMIN_TYPES = {
    Sport.RUN: ("running", 1, 17),
    Sport.STRENGTH: ("strength_training", 13, 29),
    Sport.RIDE: ("cycling", 2, 17),
    Sport.WALK: ("walking", 9, 17),
}


def _z(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def _strava_timezone(run: SyntheticRun) -> str:
    """Strava shows the zone's standard offset, even in summer."""
    zone = ZoneInfo(run.timezone)
    standard = (run.start_utc.astimezone(zone).utcoffset() or timedelta(0)) - (
        run.start_utc.astimezone(zone).dst() or timedelta(0)
    )
    minutes = int(standard.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"(GMT{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}) {run.timezone}"


def strava_summary(
    run: SyntheticRun,
    *,
    start_shift_s: float = 0.0,
    distance_factor: float = 1.0,
    with_external_id: bool = True,
    athlete_id: int = STRAVA_ATHLETE_ID,
) -> dict[str, Any]:
    """One SummaryActivity; shifts and factors imitate a second device's small differences."""
    if run.strava_id is None:
        raise ValueError(f"run {run.key} was not recorded by Strava")
    start = run.start_utc + timedelta(seconds=start_shift_s)
    local = start + timedelta(seconds=run.utc_offset_s)
    sport_type = run.sport_raw if run.sport is not Sport.RUN else "Run"
    distance = round(run.distance_m * distance_factor, 1)
    body: dict[str, Any] = {
        "resource_state": 2,
        "athlete": {"id": athlete_id, "resource_state": 1},
        "name": f"{run.kind.title()} run" if run.sport is Sport.RUN else "Strength",
        "distance": distance,
        "moving_time": int(run.moving_s),
        "elapsed_time": int(run.elapsed_s),
        "total_elevation_gain": run.elevation_gain_m,
        "type": sport_type,
        "sport_type": sport_type,
        "workout_type": run.workout_type if run.sport is Sport.RUN else None,
        "id": run.strava_id,
        "start_date": _z(start),
        "start_date_local": _z(local),
        "timezone": _strava_timezone(run),
        "utc_offset": float(run.utc_offset_s),
        "location_city": None,
        "location_state": None,
        "location_country": None,
        "achievement_count": 0,
        "kudos_count": 0,
        "comment_count": 0,
        "athlete_count": 1,
        "photo_count": 0,
        "map": {"id": f"a{run.strava_id}", "summary_polyline": "", "resource_state": 2},
        "trainer": False,
        "commute": False,
        "manual": False,
        "private": False,
        "visibility": "everyone",
        "flagged": False,
        "gear_id": None,
        "start_latlng": [],
        "end_latlng": [],
        "average_speed": round(distance / run.moving_s, 3) if run.moving_s else 0.0,
        "max_speed": 0.0,
        "has_heartrate": run.avg_hr is not None,
        "heartrate_opt_out": False,
        "display_hide_heartrate_option": run.avg_hr is not None,
        "upload_id": run.strava_id + 1_000_000_000,
        "upload_id_str": str(run.strava_id + 1_000_000_000),
        "external_id": (
            f"garmin_ping_{run.garmin_id}"
            if with_external_id and run.garmin_id is not None
            else f"{run.key}.fit"
        ),
        "from_accepted_tag": False,
        "pr_count": 0,
        "total_photo_count": 0,
        "has_kudoed": False,
    }
    if run.avg_hr is not None:
        body["average_heartrate"] = run.avg_hr
        body["max_heartrate"] = run.max_hr
        body["suffer_score"] = round(run.moving_s / 60 * 0.8, 1)
    return body


def garmin_list_item(
    run: SyntheticRun, *, start_shift_s: float = 0.0, distance_factor: float = 1.0
) -> dict[str, Any]:
    if run.garmin_id is None:
        raise ValueError(f"run {run.key} was not recorded by Garmin")
    start = run.start_utc + timedelta(seconds=start_shift_s)
    local = start + timedelta(seconds=run.utc_offset_s)
    type_key, type_id, parent_id = GARMIN_TYPES.get(run.sport, ("other", 4, 17))
    layout = "%Y-%m-%d %H:%M:%S"
    return {
        "activityId": run.garmin_id,
        "activityName": f"{run.kind.title()} run" if run.sport is Sport.RUN else "Strength",
        "startTimeLocal": local.strftime(layout),
        "startTimeGMT": start.strftime(layout),
        "activityType": {
            "typeId": type_id,
            "typeKey": type_key,
            "parentTypeId": parent_id,
            "isHidden": False,
            "restricted": False,
            "trimmable": True,
        },
        "eventType": {
            "typeId": 1 if run.kind == "race" else 9,
            "typeKey": "race" if run.kind == "race" else "uncategorized",
            "sortOrder": 10,
        },
        "distance": round(run.distance_m * distance_factor, 1),
        "duration": run.moving_s + 3.3,
        "elapsedDuration": run.elapsed_s,
        "movingDuration": run.moving_s,
        "elevationGain": run.elevation_gain_m,
        "elevationLoss": run.elevation_gain_m,
        "averageSpeed": round(run.distance_m / run.moving_s, 3) if run.moving_s else 0.0,
        "ownerId": GARMIN_OWNER_ID,
        "calories": round(run.moving_s / 6),
        "averageHR": run.avg_hr,
        "maxHR": run.max_hr,
        "privacy": {"typeId": 2, "typeKey": "private"},
        "timeZoneId": 124,
        "beginTimestamp": int(start.timestamp() * 1000),
        "sportTypeId": 1,
        "activityTrainingLoad": round(run.moving_s / 60 * 1.1, 2) if run.avg_hr else None,
        "manufacturer": "GARMIN",
        "lapCount": 1,
        "hasSplits": False,
        "endTimeGMT": (start + timedelta(seconds=run.elapsed_s)).strftime(layout),
        "parent": False,
        "manualActivity": False,
        "pr": False,
    }


def strava_activities(runs: Iterable[SyntheticRun], **options: Any) -> list[dict[str, Any]]:
    """Every run Strava recorded, oldest first (as Strava lists them with `after=`)."""
    recorded = sorted((run for run in runs if run.strava_id is not None), key=lambda r: r.start_utc)
    return [strava_summary(run, **options) for run in recorded]


def garmin_activities(runs: Iterable[SyntheticRun], **options: Any) -> list[dict[str, Any]]:
    """Every run Garmin recorded, newest first (as `get_activities` lists them)."""
    recorded = sorted(
        (run for run in runs if run.garmin_id is not None), key=lambda r: r.start_utc, reverse=True
    )
    return [garmin_list_item(run, **options) for run in recorded]
