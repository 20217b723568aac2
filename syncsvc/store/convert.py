"""Rows to domain values and back; the only place that knows both shapes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, time
from typing import TYPE_CHECKING, Any

from syncsvc.domain import (
    Activity,
    CheckIn,
    Override,
    OverrideAction,
    PrescribedExercise,
    Profile,
    Session,
    SessionContent,
    SessionKind,
    SessionOrigin,
    SessionStatus,
    Sex,
    Source,
    Sport,
    StrengthLevel,
)

if TYPE_CHECKING:  # the ORM's row types, for annotations only: plain rows convert too
    from sqlalchemy import Row

    from syncsvc.store.schema import ActivityRow, CheckInRow, OverrideRow, SessionRow

# ---------------------------------------------------------------- profile


def profile_to_json(profile: Profile) -> str:
    return json.dumps(
        {
            "timezone": profile.timezone,
            "hr_rest": profile.hr_rest,
            "hr_max": profile.hr_max,
            "hr_threshold": profile.hr_threshold,
            "threshold_pace_s_per_km": profile.threshold_pace_s_per_km,
            "sex": profile.sex.value if profile.sex else None,
            "level": profile.level.value,
            "session_time": profile.session_time.strftime("%H:%M"),
            "session_minutes": profile.session_minutes,
            "preferred_weekdays": list(profile.preferred_weekdays),
            "unavailable_weekdays": list(profile.unavailable_weekdays),
            "unavailable_dates": [day.isoformat() for day in profile.unavailable_dates],
            "long_run_days": list(profile.long_run_days),
            "hard_days": list(profile.hard_days),
            "rest_days": list(profile.rest_days),
        },
        sort_keys=True,
    )


def profile_from_json(raw: str) -> Profile:
    data: dict[str, Any] = json.loads(raw)
    return Profile(
        timezone=_timezone(data),
        hr_rest=data.get("hr_rest"),
        hr_max=data.get("hr_max"),
        hr_threshold=data.get("hr_threshold"),
        threshold_pace_s_per_km=data.get("threshold_pace_s_per_km"),
        sex=Sex(data["sex"]) if data.get("sex") else None,
        level=StrengthLevel(data.get("level", "beginner")),
        session_time=time.fromisoformat(data.get("session_time", "18:00")),
        session_minutes=int(data.get("session_minutes", 25)),
        preferred_weekdays=tuple(data.get("preferred_weekdays", ())),
        unavailable_weekdays=tuple(data.get("unavailable_weekdays", ())),
        unavailable_dates=tuple(date.fromisoformat(d) for d in data.get("unavailable_dates", ())),
        long_run_days=tuple(data.get("long_run_days", ())),
        hard_days=tuple(data.get("hard_days", ())),
        rest_days=tuple(data.get("rest_days", ())),
    )


def timezone_from_json(raw: str) -> str:
    """The profile's time zone alone (a fan-out reads thousands; the whole profile costs 10x)."""
    return _timezone(json.loads(raw))


def _timezone(data: dict[str, Any]) -> str:
    return str(data.get("timezone", "UTC"))


# ---------------------------------------------------------------- activities


SOURCE_OF = {source.value: source for source in Source}
SPORT_OF = {sport.value: sport for sport in Sport}
"""Stored values to their enum members by a dict look-up: the pipeline turns every
activity of a history into an `Activity` on each run, and `Source(value)` costs
several times more (enum's own look-up path)."""


ACTIVITY_VALUE_FIELDS = (
    "start_utc",
    "utc_offset_s",
    "timezone",
    "sport",
    "sport_raw",
    "name",
    "distance_m",
    "moving_s",
    "elapsed_s",
    "avg_hr",
    "max_hr",
    "elevation_gain_m",
    "is_race",
    "workout_type",
    "external_id",
    "device_load",
    "suffer_score",
    "manual",
    "private",
)
"""The columns an activity's own values are stored in (`activity_values`)."""

ACTIVITY_COLUMNS = ("id", "athlete_id", "source", "source_id", *ACTIVITY_VALUE_FIELDS)
"""The stored columns an Activity is made of, in the order `activity_from_values` takes them."""


def activity_from_row(row: ActivityRow | Row[Any], sources: tuple[Source, ...] = ()) -> Activity:
    """An Activity from an ORM row or a plain row with the `ACTIVITY_COLUMNS` by name."""
    return activity_from_values([getattr(row, name) for name in ACTIVITY_COLUMNS], sources)


def activity_from_values(values: Sequence[Any], sources: tuple[Source, ...] = ()) -> Activity:
    """An Activity from the values of the `ACTIVITY_COLUMNS`, in that order.

    A set read turns every activity of a whole club's history into an
    Activity: unpacking a plain row by position costs a fraction of reading
    its 23 columns by name (SQLAlchemy's `Row.__getattr__`), most of what the
    conversion cost.
    """
    (
        id_,
        athlete_id,
        source,
        source_id,
        start_utc,
        utc_offset_s,
        timezone,
        sport,
        sport_raw,
        name,
        distance_m,
        moving_s,
        elapsed_s,
        avg_hr,
        max_hr,
        elevation_gain_m,
        is_race,
        workout_type,
        external_id,
        device_load,
        suffer_score,
        manual,
        private,
    ) = values
    recorded_by = SOURCE_OF[source]
    return Activity(
        id=id_,
        athlete_id=athlete_id,
        source=recorded_by,
        source_id=source_id,
        start_utc=start_utc,
        utc_offset_s=utc_offset_s,
        timezone=timezone,
        sport=SPORT_OF[sport],
        sport_raw=sport_raw,
        name=name,
        distance_m=distance_m,
        moving_s=moving_s,
        elapsed_s=elapsed_s,
        avg_hr=avg_hr,
        max_hr=max_hr,
        elevation_gain_m=elevation_gain_m,
        is_race=is_race,
        workout_type=workout_type,
        external_id=external_id,
        device_load=device_load,
        suffer_score=suffer_score,
        manual=manual,
        private=private,
        sources=sources or (recorded_by,),
    )


def activity_values(activity: Activity) -> dict[str, Any]:
    """The normalised columns of an activity, as stored."""
    values = {name: getattr(activity, name) for name in ACTIVITY_VALUE_FIELDS}
    values["sport"] = activity.sport.value
    values["local_date"] = activity.local_date
    return values


# ---------------------------------------------------------------- sessions


def exercise_to_dict(exercise: PrescribedExercise) -> dict[str, Any]:
    return {
        "exercise_id": exercise.exercise_id,
        "name": exercise.name,
        "dose": exercise.dose,
        "sets": exercise.sets,
        "reps": exercise.reps,
        "hold_s": exercise.hold_s,
        "tempo": exercise.tempo,
        "band": exercise.band,
        "cues": list(exercise.cues),
        "note": exercise.note,
    }


def exercise_from_dict(data: dict[str, Any]) -> PrescribedExercise:
    return PrescribedExercise(
        exercise_id=data["exercise_id"],
        name=data["name"],
        dose=data["dose"],
        sets=data.get("sets", 1),
        reps=data.get("reps"),
        hold_s=data.get("hold_s"),
        tempo=data.get("tempo"),
        band=data.get("band"),
        cues=tuple(data.get("cues", ())),
        note=data.get("note", ""),
    )


def content_to_json(content: SessionContent | None) -> str:
    if content is None:
        return "null"
    return json.dumps(
        {
            "block": content.block,
            "block_week": content.block_week,
            "level": content.level.value,
            "minutes": content.minutes,
            "warmup": [exercise_to_dict(e) for e in content.warmup],
            "exercises": [exercise_to_dict(e) for e in content.exercises],
            "cooldown": [exercise_to_dict(e) for e in content.cooldown],
            "notes": list(content.notes),
            "form_check": content.form_check,
        },
        sort_keys=True,
        ensure_ascii=False,
    )


def content_from_json(raw: str) -> SessionContent | None:
    data = json.loads(raw)
    if data is None:
        return None
    return SessionContent(
        block=data["block"],
        block_week=data["block_week"],
        level=StrengthLevel(data["level"]),
        minutes=data["minutes"],
        warmup=tuple(exercise_from_dict(e) for e in data.get("warmup", ())),
        exercises=tuple(exercise_from_dict(e) for e in data.get("exercises", ())),
        cooldown=tuple(exercise_from_dict(e) for e in data.get("cooldown", ())),
        notes=tuple(data.get("notes", ())),
        form_check=data.get("form_check", False),
    )


def session_from_row(row: SessionRow) -> Session:
    return Session(
        id=row.id,
        athlete_id=row.athlete_id,
        kind=SessionKind(row.kind),
        local_date=row.local_date,
        start_time=time.fromisoformat(row.start_time),
        minutes=row.minutes,
        status=SessionStatus(row.status),
        pinned=row.pinned,
        origin=SessionOrigin(row.origin),
        version=row.version,
        content=content_from_json(row.content_json),
        reasons=tuple(json.loads(row.reasons_json)),
        warnings=tuple(json.loads(row.warnings_json)),
        changed_at=row.changed_at,
        created_at=row.created_at,
        rpe=row.rpe,
        outcome_note=row.outcome_note,
    )


def session_values(session: Session) -> dict[str, Any]:
    return {
        "kind": session.kind.value,
        "local_date": session.local_date,
        "start_time": session.start_time.strftime("%H:%M"),
        "minutes": session.minutes,
        "status": session.status.value,
        "pinned": session.pinned,
        "origin": session.origin.value,
        "version": session.version,
        "content_json": content_to_json(session.content),
        "reasons_json": json.dumps(list(session.reasons), ensure_ascii=False),
        "warnings_json": json.dumps(list(session.warnings), ensure_ascii=False),
        "changed_at": session.changed_at,
        "created_at": session.created_at or session.changed_at,
        "rpe": session.rpe,
        "outcome_note": session.outcome_note,
    }


# ---------------------------------------------------------------- logs


def override_from_row(row: OverrideRow) -> Override:
    return Override(
        id=row.id,
        athlete_id=row.athlete_id,
        action=OverrideAction(row.action),
        at=row.at,
        session_id=row.session_id,
        local_date=row.local_date,
        start_time=time.fromisoformat(row.start_time) if row.start_time else None,
        kind=SessionKind(row.kind) if row.kind else None,
        forced=row.forced,
        broken_rules=tuple(json.loads(row.broken_rules_json)),
        rpe=row.rpe,
        note=row.note,
        origin=row.origin,
        actor_user_id=row.actor_user_id,
        actor_name=row.actor_name,
    )


def checkin_from_row(row: CheckInRow) -> CheckIn:
    return CheckIn(
        id=row.id,
        athlete_id=row.athlete_id,
        at=row.at,
        back_score=row.back_score,
        sore_exercises=tuple(json.loads(row.sore_json)),
        note=row.note,
    )
