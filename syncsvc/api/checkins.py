"""Low-back check-ins (P4) and sore exercises (P5): recorded, then a replan at once.

A back score at or above the programme's flare threshold sends the next
sessions back to the basics for a week (P4); a sore exercise is swapped for a
lighter variant until a later check-in no longer names it (P5). The exercise
names are checked against the programme's catalogue, so a typo is refused
instead of silently doing nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from syncsvc import clock
from syncsvc.api.pipeline import catalogue, replan_after_change, replan_note
from syncsvc.domain import Athlete, CheckIn
from syncsvc.errors import UsageError
from syncsvc.runtime import Runtime

BACK_RANGE = (0, 10)
NOTE_MAX_CHARS = 500


@dataclass(frozen=True, slots=True)
class CheckInOutcome:
    checkin: CheckIn
    message: str
    replanned: str


def resolve_exercises(runtime: Runtime, names: Sequence[str]) -> tuple[str, ...]:
    """Catalogue names for what the runner typed (id or name, case ignored)."""
    exercises = catalogue(runtime.settings)
    found: list[str] = []
    for name in names:
        exercise = exercises.find(name)
        if exercise is None:
            raise UsageError(
                f"unknown exercise {name!r}",
                hint="use a name or id from syncsvc today, e.g. 'dead bug' or dead-bug",
            )
        if exercise.name not in found:
            found.append(exercise.name)
    return tuple(found)


def record_checkin(
    runtime: Runtime, athlete: Athlete, back_score: int, sore: Sequence[str] = (), note: str = ""
) -> CheckInOutcome:
    """Validate, append the check-in, replan (P4, P5)."""
    if not BACK_RANGE[0] <= back_score <= BACK_RANGE[1]:
        raise UsageError(f"--back {back_score} is out of range: 0 (no tightness) to 10 (worst)")
    if len(note) > NOTE_MAX_CHARS:
        raise UsageError(f"the note is too long ({len(note)} characters, at most {NOTE_MAX_CHARS})")
    exercises = resolve_exercises(runtime, sore)
    checkin = CheckIn(
        athlete_id=athlete.id,
        at=clock.now(),
        back_score=back_score,
        sore_exercises=exercises,
        note=note.strip(),
    )
    with runtime.store.write() as tx:
        stored = tx.athlete(athlete.id).checkins.append(checkin)
    replanned = replan_note(replan_after_change(runtime, athlete.id, reason="check-in"))
    flare = runtime.settings.planner.programme.back_flare_score
    parts = [f"Check-in recorded: low back {back_score}/10"]
    if exercises:
        parts.append("sore: " + ", ".join(exercises))
    message = "; ".join(parts) + "."
    if back_score >= flare:
        message += f" At {flare} or more the next sessions go back to the basics for a while (P4)."
    if exercises:
        message += " Sore exercises are swapped for lighter variants (P5)."
    return CheckInOutcome(stored, message, replanned)


def list_checkins(runtime: Runtime, athlete: Athlete, limit: int = 20) -> list[CheckIn]:
    with runtime.store.read() as tx:
        return tx.athlete(athlete.id).checkins.all()[-limit:]
