"""Doses and how they grow: one small step in one dimension per cycle (P1).

A cycle is one programme week. Each cycle moves one exercise of a session one
step along one dimension (+2 reps, +5 s hold, the next band, or +1 set), and
only when the session's volume grows by no more than `max_volume_step` (25 %).
The step schedule is a pure function of the block's exercise list and the step
count, so week N of a block always holds the same doses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from syncsvc.programme.catalogue import Exercise
from syncsvc.programme.settings import ProgrammeSettings

SECONDS_PER_REP = 3.0
"""Volume of a one-second hold relative to one rep, so holds and reps add up."""


@dataclass(frozen=True, slots=True)
class Dose:
    sets: int
    reps: int | None = None
    hold_s: int | None = None
    band: str | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """One progression step: which slot moved, in which dimension, from and to."""

    slot: int
    dimension: str
    before: Dose
    after: Dose


def base_dose(exercise: Exercise) -> Dose:
    return Dose(sets=exercise.sets, reps=exercise.reps, hold_s=exercise.hold_s, band=exercise.band)


def volume(exercise: Exercise, dose: Dose, settings: ProgrammeSettings) -> float:
    """Sets × reps (a hold counts one rep per 3 s), ×2 each side, heavier bands count more."""
    per_set = float(dose.reps) if dose.reps is not None else (dose.hold_s or 0) / SECONDS_PER_REP
    sides = 2.0 if exercise.each_side else 1.0
    band_factor = 1.0
    if dose.band is not None and dose.band in settings.bands:
        band_factor += 0.2 * settings.bands.index(dose.band)
    return dose.sets * per_set * sides * band_factor


def next_doses(
    exercise: Exercise, dose: Dose, settings: ProgrammeSettings
) -> list[tuple[str, Dose]]:
    """The one-step neighbours of a dose, in the order they are tried (P1)."""
    options: list[tuple[str, Dose]] = []
    if dose.hold_s is not None and dose.hold_s + settings.hold_step_s <= exercise.hold_ceiling:
        options.append(("hold", replace(dose, hold_s=dose.hold_s + settings.hold_step_s)))
    if dose.reps is not None and dose.reps + settings.reps_step <= exercise.rep_ceiling:
        options.append(("reps", replace(dose, reps=dose.reps + settings.reps_step)))
    if dose.band is not None and dose.band in settings.bands:
        index = settings.bands.index(dose.band)
        if index + 1 < len(settings.bands):
            options.append(("band", replace(dose, band=settings.bands[index + 1])))
    if dose.sets + settings.set_step <= exercise.sets_max:
        options.append(("sets", replace(dose, sets=dose.sets + settings.set_step)))
    return options


def schedule(
    exercises: Sequence[Exercise], steps: int, settings: ProgrammeSettings
) -> tuple[list[Dose], list[Step | None]]:
    """Doses after `steps` cycles of the block, and each cycle's step (None: held) (P1).

    Cached: every session of a week, and every replan, asks for the same few schedules.
    """
    doses, taken = _schedule(tuple(exercises), steps, settings)
    return list(doses), list(taken)


@lru_cache(maxsize=512)
def _schedule(
    exercises: tuple[Exercise, ...], steps: int, settings: ProgrammeSettings
) -> tuple[tuple[Dose, ...], tuple[Step | None, ...]]:
    """Doses after `steps` cycles of the block, and each cycle's step (None: held) (P1).

    Cycle k tries slot k mod n first, then the following slots, and applies the
    first one-dimension step that keeps the session's volume within
    `max_volume_step` of the previous cycle. When nothing fits, the cycle holds.
    """
    doses = [base_dose(exercise) for exercise in exercises]
    taken: list[Step | None] = []
    count = len(exercises)
    for cycle in range(max(steps, 0)):
        before_total = sum(volume(e, d, settings) for e, d in zip(exercises, doses, strict=True))
        for offset in range(count):
            slot = (cycle + offset) % count
            exercise, dose = exercises[slot], doses[slot]
            applied = False
            for dimension, candidate in next_doses(exercise, dose, settings):
                growth = volume(exercise, candidate, settings) - volume(exercise, dose, settings)
                if before_total > 0 and growth / before_total > settings.max_volume_step:
                    continue
                doses[slot] = candidate
                taken.append(Step(slot, dimension, dose, candidate))
                applied = True
                break
            if applied:
                break
        if len(taken) == cycle:
            # Nothing fits: every later cycle holds too (doses only grow).
            taken.extend([None] * (steps - cycle))
            break
    return tuple(doses), tuple(taken)


def advance(exercise: Exercise, count: int, settings: ProgrammeSettings) -> Dose:
    """A dose `count` single steps up an exercise's own ladder (for a rotated substitute, P7)."""
    dose = base_dose(exercise)
    for _ in range(count):
        options = next_doses(exercise, dose, settings)
        if not options:
            break
        dose = options[0][1]
    return dose


def describe_dose(exercise: Exercise, dose: Dose) -> str:
    """The dose as a runner reads it: "3 × 10 each side", "2 × 25 s hold, medium band"."""
    if dose.hold_s is not None:
        amount = f"{dose.hold_s} s"
        if "hold" in exercise.tempo:
            amount += " hold"
    else:
        unit = "" if exercise.unit == "reps" else f" {exercise.unit}"
        amount = f"{dose.reps}{unit}"
    text = f"{dose.sets} × {amount}"
    if exercise.each_side:
        text += " each way" if exercise.unit == "steps" else " each side"
    if dose.band:
        text += f", {dose.band} band"
    return text


def describe_step(exercise: Exercise, step: Step) -> str:
    """The change a cycle made, in plain words: "side plank hold up from 20 s to 25 s"."""
    name = exercise.name.lower() if not exercise.name.isupper() else exercise.name
    before, after = step.before, step.after
    if step.dimension == "hold":
        return f"{name} hold up from {before.hold_s} s to {after.hold_s} s"
    if step.dimension == "reps":
        return f"{name} up from {before.reps} to {after.reps} {exercise.unit}"
    if step.dimension == "band":
        return f"{name} moves from the {before.band} to the {after.band} band"
    return f"{name} up from {before.sets} to {after.sets} sets"
