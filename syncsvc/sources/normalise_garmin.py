"""Garmin Connect activity-list JSON to an `Activity`.

The list item (activitylist-service) gives `startTimeGMT` and `startTimeLocal` as
"2026-01-08 14:10:21" with no zone, so the local offset is their difference;
`timeZoneId` is only a number, so the IANA name is kept only when a detail record
(`timeZoneUnitDTO.timeZone`) carries it. `elapsedDuration` is in seconds in 2026
data but in milliseconds in the 2018/2021 samples (shared/fixtures/README.md):
a value a hundred times the timer duration is read as milliseconds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from syncsvc.domain import Activity, Source, SourceRecord
from syncsvc.sources.records import MalformedRecord, number, text, unidentified_id
from syncsvc.sources.sports import UnknownSport, garmin_sport

GARMIN_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S")


def parse_garmin_time(value: Any, field: str) -> datetime:
    """A zone-less Garmin time as a naive datetime."""
    if not isinstance(value, str) or not value:
        raise MalformedRecord(f"missing {field}")
    for layout in GARMIN_TIME_FORMATS:
        try:
            return datetime.strptime(value, layout)
        except ValueError:
            continue
    raise MalformedRecord(f"bad {field} {value!r}")


def _start(raw: dict[str, Any]) -> tuple[datetime, int]:
    """Start instant (aware UTC) and the local offset in seconds."""
    if raw.get("startTimeGMT"):
        start_naive = parse_garmin_time(raw["startTimeGMT"], "startTimeGMT")
    elif isinstance(raw.get("beginTimestamp"), int):
        start_naive = datetime.fromtimestamp(raw["beginTimestamp"] / 1000, tz=UTC).replace(
            tzinfo=None
        )
    else:
        raise MalformedRecord("missing startTimeGMT")
    offset_s = 0
    if raw.get("startTimeLocal"):
        local = parse_garmin_time(raw["startTimeLocal"], "startTimeLocal")
        offset_s = round((local - start_naive).total_seconds())
    return start_naive.replace(tzinfo=UTC), offset_s


def _type_key(raw: dict[str, Any]) -> str:
    activity_type = raw.get("activityType") or raw.get("activityTypeDTO")
    if not isinstance(activity_type, dict):
        raise MalformedRecord("missing activityType")
    key = activity_type.get("typeKey")
    if not isinstance(key, str) or not key:
        raise MalformedRecord("missing activityType.typeKey")
    return key


def _elapsed_s(raw: dict[str, Any], duration_s: float | None) -> float | None:
    elapsed = number(raw, "elapsedDuration")
    if elapsed is not None and duration_s and elapsed > duration_s * 100:
        return elapsed / 1000
    return elapsed


def _object(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    return value if isinstance(value, dict) else {}


def garmin_activity(raw: Any) -> Activity:
    """Normalise one Garmin list item; MalformedRecord says what is wrong with it."""
    if not isinstance(raw, dict):
        raise MalformedRecord("not a JSON object")
    activity_id = raw.get("activityId")
    if not isinstance(activity_id, int) or isinstance(activity_id, bool):
        raise MalformedRecord("missing activityId")
    start_utc, offset_s = _start(raw)
    type_key = _type_key(raw)
    try:
        sport = garmin_sport(type_key)
    except UnknownSport as error:
        raise MalformedRecord(str(error)) from None
    duration_s = number(raw, "duration")
    moving_s = number(raw, "movingDuration") or duration_s
    elapsed_s = _elapsed_s(raw, duration_s)
    if moving_s is None and elapsed_s is None:
        raise MalformedRecord("missing duration")
    event = _object(raw, "eventType")
    privacy = _object(raw, "privacy")
    zone_unit = _object(raw, "timeZoneUnitDTO")
    return Activity(
        source=Source.GARMIN,
        source_id=str(activity_id),
        start_utc=start_utc,
        utc_offset_s=offset_s,
        timezone=zone_unit.get("timeZone") if isinstance(zone_unit.get("timeZone"), str) else None,
        sport=sport,
        sport_raw=type_key,
        name=text(raw, "activityName"),
        distance_m=number(raw, "distance"),
        moving_s=moving_s,
        elapsed_s=elapsed_s or duration_s,
        avg_hr=number(raw, "averageHR"),
        max_hr=number(raw, "maxHR"),
        elevation_gain_m=number(raw, "elevationGain"),
        is_race=event.get("typeKey") == "race",
        device_load=number(raw, "activityTrainingLoad"),
        manual=raw.get("manualActivity") is True,
        private=privacy.get("typeKey") == "private",
    )


def garmin_record(raw: Any) -> SourceRecord:
    return SourceRecord(garmin_activity(raw), raw)


def garmin_id_of(raw: Any) -> str:
    if isinstance(raw, dict) and raw.get("activityId") is not None:
        return str(raw["activityId"])
    return unidentified_id(raw)
