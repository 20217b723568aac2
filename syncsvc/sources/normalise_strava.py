"""Strava activity JSON (SummaryActivity or DetailedActivity) to an `Activity`.

Careful with time: `start_date` is UTC, while `start_date_local` ends in `Z` but is
the local wall time (stravalib parses it as UTC too), so the offset is the gap
between the two. `timezone` reads "(GMT-05:00) America/New_York" and shows the
standard offset even in summer; the IANA name after the bracket is what we keep.
Heart-rate keys are absent, not null, when the activity has none.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from syncsvc.domain import Activity, Source, SourceRecord
from syncsvc.sources.records import MalformedRecord, number, text, unidentified_id
from syncsvc.sources.sports import UnknownSport, strava_sport

RACE_WORKOUT_TYPES = frozenset({1, 11})
"""Strava's workout_type for a race: 1 for runs, 11 for rides."""


def parse_strava_time(value: Any, field: str) -> datetime:
    """ "2025-10-18T12:49:52Z" as aware UTC (a local `Z` time is read the same way)."""
    if not isinstance(value, str) or not value:
        raise MalformedRecord(f"missing {field}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedRecord(f"bad {field} {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def strava_timezone(value: Any) -> str | None:
    """ "(GMT-05:00) America/New_York" → "America/New_York"."""
    if not isinstance(value, str) or not value:
        return None
    name = value.split(")", 1)[-1].strip()
    return name or None


def strava_activity(raw: Any) -> Activity:
    """Normalise one Strava activity; MalformedRecord says what is wrong with it."""
    if not isinstance(raw, dict):
        raise MalformedRecord("not a JSON object")
    activity_id = raw.get("id")
    if not isinstance(activity_id, int) or isinstance(activity_id, bool):
        raise MalformedRecord("missing id")
    start_utc = parse_strava_time(raw.get("start_date"), "start_date")
    if raw.get("start_date_local"):
        wall = parse_strava_time(raw.get("start_date_local"), "start_date_local")
        offset_s = round((wall - start_utc).total_seconds())
    else:
        offset_s = round(number(raw, "utc_offset") or 0)
    sport_raw = text(raw, "sport_type") or text(raw, "type")
    if not sport_raw:
        raise MalformedRecord("missing sport_type")
    try:
        sport = strava_sport(sport_raw)
    except UnknownSport as error:
        raise MalformedRecord(str(error)) from None
    moving_s = number(raw, "moving_time")
    elapsed_s = number(raw, "elapsed_time")
    if moving_s is None and elapsed_s is None:
        raise MalformedRecord("missing moving_time and elapsed_time")
    workout_type = raw.get("workout_type")
    if workout_type is not None and not isinstance(workout_type, int):
        raise MalformedRecord(f"bad workout_type {workout_type!r}")
    has_hr = raw.get("has_heartrate", True) is not False
    return Activity(
        source=Source.STRAVA,
        source_id=str(activity_id),
        start_utc=start_utc,
        utc_offset_s=offset_s,
        timezone=strava_timezone(raw.get("timezone")),
        sport=sport,
        sport_raw=sport_raw,
        name=text(raw, "name"),
        distance_m=number(raw, "distance"),
        moving_s=moving_s,
        elapsed_s=elapsed_s,
        avg_hr=number(raw, "average_heartrate") if has_hr else None,
        max_hr=number(raw, "max_heartrate") if has_hr else None,
        elevation_gain_m=number(raw, "total_elevation_gain"),
        is_race=workout_type in RACE_WORKOUT_TYPES,
        workout_type=workout_type,
        external_id=text(raw, "external_id") or None,
        suffer_score=number(raw, "suffer_score"),
        manual=raw.get("manual") is True,
        private=raw.get("private") is True or raw.get("visibility") == "only_me",
    )


def strava_record(raw: Any) -> SourceRecord:
    return SourceRecord(strava_activity(raw), raw)


def strava_id_of(raw: Any) -> str:
    """The id to file a skipped record under, even when the record is broken."""
    if isinstance(raw, dict) and raw.get("id") is not None:
        return str(raw["id"])
    return unidentified_id(raw)
