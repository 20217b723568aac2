"""Each session in each channel's shape: pure functions, session in, bytes or JSON out.

- CalDAV: the feed's own VEVENT in a calendar object (`feed.ics.render_session_object`).
- Garmin Connect: a strength workout, in the JSON shape Garmin's workout editor
  saves (warm-up, one step or repeat group per exercise, cool-down), with the
  exercise mapping read from `programme/data/garmin_exercises.toml`.
- Google Calendar: an events resource with an id derived from the UID.

The content hash of a projection is taken with the session's own SEQUENCE, so
that raising SEQUENCE to overwrite a remote edit does not count as a change.
"""

from __future__ import annotations

import base64
import json
import tomllib
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from syncsvc.domain import Athlete, PrescribedExercise, Session, SessionStatus
from syncsvc.feed import describe
from syncsvc.feed.ics import render_session_object, session_uid
from syncsvc.feed.settings import FeedSettings
from syncsvc.push.model import Projection, content_hash

REMOVED = (SessionStatus.SKIPPED, SessionStatus.CANCELLED)
"""Sessions in these states are taken off every channel."""


# ---------------------------------------------------------------- CalDAV


def caldav_projection(
    athlete: Athlete, session: Session, host: str, settings: FeedSettings
) -> Projection:
    body = render_session_object(athlete=athlete, session=session, host=host, settings=settings)
    return Projection(
        session.id, session.local_date, content_hash(body), body, describe.session_summary(session)
    )


def caldav_body(
    athlete: Athlete, session: Session, host: str, settings: FeedSettings, sequence: int
) -> bytes:
    """The bytes to PUT, with SEQUENCE raised to `sequence` when that is higher."""
    return render_session_object(
        athlete=athlete, session=session, host=host, settings=settings, sequence=sequence
    )


# ---------------------------------------------------------------- Google


def google_event_id(uid: str) -> str:
    """An event id from a UID: base32hex (RFC 4648 §7), lower case, no padding.

    Google allows the characters a-v and 0-9 and 5 to 1024 of them, which is
    exactly base32hex's alphabet; the same UID always gives the same id, so an
    insert repeated after a crash meets a 409 instead of making a duplicate.
    """
    return base64.b32hexencode(uid.encode()).decode().rstrip("=").lower()


def google_event(
    athlete: Athlete, session: Session, host: str, settings: FeedSettings
) -> dict[str, Any]:
    """The events resource (Calendar API v3) of one session, same words as the feed."""
    uid = session_uid(session, host)
    zone = athlete.profile.timezone
    url = f"{settings.session_url_base}/{session.id}" if settings.session_url_base else None
    event: dict[str, Any] = {
        "id": google_event_id(uid),
        "iCalUID": uid,
        "summary": describe.session_summary(session),
        "description": describe.session_description(session, url),
        "status": "cancelled" if session.status in REMOVED else "confirmed",
        "transparency": "opaque",
        "sequence": max(session.version, 0),
        "extendedProperties": {"private": {"syncsvcSession": session.id}},
    }
    if settings.all_day:
        event["start"] = {"date": session.local_date.isoformat()}
        event["end"] = {"date": (session.local_date + timedelta(days=1)).isoformat()}
    else:
        start = datetime.combine(session.local_date, session.start_time, ZoneInfo(zone))
        end = start.astimezone(UTC) + timedelta(minutes=session.minutes)
        event["start"] = {"dateTime": start.isoformat(), "timeZone": zone}
        event["end"] = {"dateTime": end.astimezone(ZoneInfo(zone)).isoformat(), "timeZone": zone}
    if settings.alarm and session.status is SessionStatus.PLANNED and not settings.all_day:
        event["reminders"] = {
            "useDefault": False,
            "overrides": [{"method": "popup", "minutes": settings.alarm_minutes_before}],
        }
    else:
        event["reminders"] = {"useDefault": False}
    if url:
        event["source"] = {"title": "syncsvc", "url": url}
    return event


def google_projection(
    athlete: Athlete, session: Session, host: str, settings: FeedSettings
) -> Projection:
    event = google_event(athlete, session, host, settings)
    body = json.dumps(event, sort_keys=True, ensure_ascii=False).encode()
    return Projection(session.id, session.local_date, content_hash(body), event, event["summary"])


# ---------------------------------------------------------------- Garmin

STRENGTH = {"sportTypeId": 5, "sportTypeKey": "strength_training"}
STEP_TYPES = {
    "warmup": 1,
    "cooldown": 2,
    "interval": 3,
    "recovery": 4,
    "rest": 5,
    "repeat": 6,
}
CONDITIONS = {"lap.button": 1, "time": 2, "iterations": 7, "reps": 10}
NOTE_LIMIT = 512
"""Garmin cuts step notes somewhere near here; longer text is shortened, never refused."""
MARKER = "syncsvc:"
"""Starts every workout's description: how a workout left by a crash is recognised."""


@cache
def garmin_exercises() -> dict[str, dict[str, str]]:
    """Our exercise id -> Garmin's category and exercise name (data beside the catalogue)."""
    text = (
        resources.files("syncsvc.programme")
        .joinpath("data", "garmin_exercises.toml")
        .read_text(encoding="utf-8")
    )
    table = tomllib.loads(text)
    mapping: dict[str, dict[str, str]] = table.get("exercises", {})
    return mapping


def _step_type(key: str) -> dict[str, Any]:
    return {"stepTypeId": STEP_TYPES[key], "stepTypeKey": key}


def _condition(key: str) -> dict[str, Any]:
    return {"conditionTypeId": CONDITIONS[key], "conditionTypeKey": key}


def _note(exercise: PrescribedExercise, matched: bool) -> str:
    parts = [] if matched else [exercise.name]
    if exercise.dose:
        parts.append(exercise.dose)
    if exercise.tempo:
        parts.append(f"tempo {exercise.tempo}")
    if exercise.band:
        parts.append(f"{exercise.band} band")
    if exercise.cues:
        parts.append(exercise.cues[0])
    text = " · ".join(parts)
    return text if len(text) <= NOTE_LIMIT else text[: NOTE_LIMIT - 1] + "…"


class _Steps:
    """Numbers steps in the order the editor does: depth first, from 1."""

    def __init__(self) -> None:
        self.order = 0

    def next(self) -> int:
        self.order += 1
        return self.order


def _open_step(steps: _Steps, key: str, exercise: PrescribedExercise | None) -> dict[str, Any]:
    step: dict[str, Any] = {
        "type": "ExecutableStepDTO",
        "stepOrder": steps.next(),
        "stepType": _step_type(key),
        "endCondition": _condition("lap.button"),
    }
    if exercise is not None:
        step["description"] = _note(exercise, matched=False)
    return step


def _exercise_steps(steps: _Steps, exercise: PrescribedExercise, rest_s: int) -> dict[str, Any]:
    mapped = garmin_exercises().get(exercise.exercise_id)
    work: dict[str, Any] = {
        "type": "ExecutableStepDTO",
        "stepType": _step_type("interval"),
        "description": _note(exercise, matched=mapped is not None),
    }
    if exercise.hold_s:
        work["endCondition"] = _condition("time")
        work["endConditionValue"] = exercise.hold_s
    elif exercise.reps:
        work["endCondition"] = _condition("reps")
        work["endConditionValue"] = exercise.reps
    else:
        work["endCondition"] = _condition("lap.button")
    if mapped is not None:
        work["category"] = mapped["category"]
        work["exerciseName"] = mapped["name"]
    else:
        work["category"] = None
        work["exerciseName"] = None
    rest = {
        "type": "ExecutableStepDTO",
        "stepType": _step_type("rest"),
        "endCondition": _condition("time"),
        "endConditionValue": rest_s,
    }
    group: dict[str, Any] = {
        "type": "RepeatGroupDTO",
        "stepOrder": steps.next(),
        "stepType": _step_type("repeat"),
        "numberOfIterations": max(exercise.sets, 1),
        "smartRepeat": False,
        "endCondition": _condition("iterations"),
        "endConditionValue": max(exercise.sets, 1),
    }
    work["stepOrder"] = steps.next()
    rest["stepOrder"] = steps.next()
    group["workoutSteps"] = [work, rest]
    return group


def garmin_workout(session: Session, *, rest_s: int = 45) -> dict[str, Any]:
    """The workout JSON to upload: warm-up, one repeat group per exercise, cool-down."""
    content = session.content
    steps = _Steps()
    workout_steps: list[dict[str, Any]] = []
    warmup = content.warmup if content else ()
    if warmup:
        for exercise in warmup:
            workout_steps.append(_open_step(steps, "warmup", exercise))
    else:
        workout_steps.append(_open_step(steps, "warmup", None))
    for exercise in content.exercises if content else ():
        workout_steps.append(_exercise_steps(steps, exercise, rest_s))
    cooldown = content.cooldown if content else ()
    for exercise in cooldown:
        workout_steps.append(_open_step(steps, "cooldown", exercise))
    if not cooldown:
        workout_steps.append(_open_step(steps, "cooldown", None))
    return {
        "workoutName": describe.session_summary(session)[:80],
        "description": f"{MARKER}{session.id} · {session.minutes} min",
        "sportType": dict(STRENGTH),
        "estimatedDurationInSecs": session.minutes * 60,
        "workoutSegments": [
            {"segmentOrder": 1, "sportType": dict(STRENGTH), "workoutSteps": workout_steps}
        ],
    }


def garmin_projection(session: Session) -> Projection:
    workout = garmin_workout(session)
    # The day is not in the workout: a move is a reschedule, not a new workout.
    body = json.dumps(workout, sort_keys=True, ensure_ascii=False).encode()
    return Projection(
        session.id, session.local_date, content_hash(body), workout, workout["workoutName"]
    )
