"""What one session holds: warm-up, 4-6 exercises with doses, cool-down (S1-S7, P1-P7).

A pure function of the week's programme state and the runner's check-ins, so
the same week always gives the same session.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from syncsvc.domain import PrescribedExercise, SessionContent, SessionKind, StrengthLevel
from syncsvc.programme.catalogue import Catalogue, Exercise
from syncsvc.programme.cycle import Decision, WeekState
from syncsvc.programme.progression import (
    Dose,
    Step,
    advance,
    base_dose,
    describe_dose,
    describe_step,
    schedule,
)
from syncsvc.programme.settings import ProgrammeSettings

BREATH_NOTE = "Breathe out on the effort and never hold your breath under load (S6)."
SIDES_NOTE = "One-sided exercises: both sides, same count, neutral spine, no over-rotation (S6)."
FORM_CHECK_NOTE = (
    "Form check (W7): use a mirror or ask a friend to watch one set of each exercise: "
    "neutral spine, level pelvis, steady breathing."
)


@dataclass(frozen=True, slots=True)
class ContentRequest:
    """Everything that decides one session's content."""

    kind: SessionKind
    level: StrengthLevel
    state: WeekState
    minutes: int
    exercise_count: int
    sore: frozenset[str] = frozenset()
    """Exercise ids reported sore in the latest check-in (P5)."""
    basics_reason: str = ""
    """Non-empty during a basics week after a low-back check-in (P4)."""
    form_check: bool = False


def build_content(
    request: ContentRequest, catalogue: Catalogue, settings: ProgrammeSettings
) -> tuple[SessionContent, tuple[str, ...]]:
    """The session's content and the reasons for it, in plain words."""
    state = request.state
    basics = bool(request.basics_reason)
    block_index = 0 if basics else state.block_index
    block = catalogue.blocks[block_index]
    level_block = block.for_level(request.level)
    ids = level_block.main(request.kind)
    if basics:
        # P4: "revisit the basics, emphasize breath and bracing": breathing leads every session.
        ids = tuple(dict.fromkeys((level_block.core[0], *ids)))
    ids = ids[: request.exercise_count]
    exercises = [catalogue.exercise(exercise_id) for exercise_id in ids]
    reasons: list[str] = []
    if basics:
        doses = [_basics_dose(exercise, settings) for exercise in exercises]
        reasons.append(request.basics_reason)
        steps_per_slot = [0] * len(exercises)
    else:
        doses, taken = schedule(exercises, state.step, settings)
        steps_per_slot = [
            sum(1 for step in taken if step is not None and step.slot == slot)
            for slot in range(len(exercises))
        ]
        reasons.append(_week_reason(state, block.name, exercises, taken))
        if state.decision not in (Decision.PROGRESS, Decision.START, Decision.NEXT_BLOCK):
            reasons.append(state.reason)
    chosen: list[tuple[Exercise, Dose, str]] = []
    in_session = set(ids)
    for slot, exercise in enumerate(exercises):
        dose, note = doses[slot], ""
        if not basics and settings.rotation:
            rotated = _rotation(exercise, state.block_week - slot, catalogue, settings, in_session)
            if rotated is not None:
                in_session.add(rotated.id)
                note = (
                    f"rotated in for {exercise.name.lower()} after "
                    f"{settings.rotate_after_weeks} weeks, same muscle group (P7)"
                )
                reasons.append(f"{rotated.name} {note}")
                exercise, dose = rotated, advance(rotated, steps_per_slot[slot], settings)
        if exercise.id in request.sore:
            swap = _lighter(exercise, catalogue, request.sore, in_session)
            if swap is not None:
                in_session.add(swap.id)
                note = f"in place of {exercise.name.lower()}, reported sore (P5)"
                reasons.append(
                    f"{exercise.name} swapped for {swap.name.lower()} until a check-in "
                    "says it is no longer sore (P5)"
                )
                exercise, dose = swap, base_dose(swap)
        chosen.append((exercise, dose, note))
    notes = [BREATH_NOTE]
    if any(exercise.each_side for exercise, _, _ in chosen):
        notes.append(SIDES_NOTE)
    if request.form_check:
        notes.append(FORM_CHECK_NOTE)
        reasons.append(
            f"form check this week: every {settings.form_check_every_weeks} weeks, "
            "one session checks form (W7)"
        )
    content = SessionContent(
        block=block.name,
        block_week=1 if basics else state.block_week,
        level=request.level,
        minutes=request.minutes,
        warmup=tuple(_prescribe(catalogue.exercise(i), None) for i in level_block.warmup),
        exercises=tuple(_prescribe(exercise, dose, note) for exercise, dose, note in chosen),
        cooldown=tuple(_prescribe(catalogue.exercise(i), None) for i in level_block.cooldown),
        notes=tuple(notes),
        form_check=request.form_check,
    )
    return content, tuple(reasons)


def rest_day_items(
    catalogue: Catalogue, level: StrengthLevel, count: int, seed: int
) -> tuple[PrescribedExercise, ...]:
    """A short mobility and breathing block for a rest day (W6), rotated by `seed`."""
    ids = catalogue.rest_day.for_level(level)
    start = seed % len(ids)
    picked = [ids[(start + offset) % len(ids)] for offset in range(min(count, len(ids)))]
    return tuple(_prescribe(catalogue.exercise(exercise_id), None) for exercise_id in picked)


def _week_reason(
    state: WeekState, block_name: str, exercises: list[Exercise], taken: list[Step | None]
) -> str:
    head = f"week {state.block_week} of {block_name.lower()}"
    if state.decision is Decision.NEXT_BLOCK:
        return f"{head}: {state.reason}"
    if state.decision in (Decision.PROGRESS, Decision.STAY) and taken:
        last = taken[-1]
        if last is not None:
            return f"{head}; {describe_step(exercises[last.slot], last)} (P1)"
        return f"{head}; every dose is at its ceiling for this block, so doses hold (P1)"
    return head


def _basics_dose(exercise: Exercise, settings: ProgrammeSettings) -> Dose:
    dose = base_dose(exercise)
    return Dose(
        sets=max(dose.sets - settings.basics_set_cut, 1),
        reps=dose.reps,
        hold_s=dose.hold_s,
        band=settings.bands[0] if dose.band is not None and settings.bands else dose.band,
    )


def _rotation(
    exercise: Exercise,
    block_week: int,
    catalogue: Catalogue,
    settings: ProgrammeSettings,
    in_session: Collection[str],
) -> Exercise | None:
    """After `rotate_after_weeks` on one exercise, a same-group same-level substitute (P7).

    Slot i rotates i weeks after slot 0 (the caller passes `block_week - i`), so a
    session changes one exercise at a time.
    """
    turn = max(block_week - 1, 0) // settings.rotate_after_weeks
    if turn == 0:
        return None
    options = [exercise] + [
        catalogue.exercise(other)
        for other in exercise.substitutes
        if other not in in_session
        and catalogue.exercise(other).muscle_group == exercise.muscle_group
        and catalogue.exercise(other).level is exercise.level
    ]
    pick = options[turn % len(options)]
    return None if pick.id == exercise.id else pick


def _lighter(
    exercise: Exercise, catalogue: Catalogue, sore: Collection[str], in_session: Collection[str]
) -> Exercise | None:
    """The gentler variant, else a substitute, that is not sore itself (P5)."""
    for candidate in (exercise.gentler, *exercise.substitutes):
        if candidate not in sore and candidate not in in_session:
            return catalogue.exercise(candidate)
    for candidate in (exercise.gentler, *exercise.substitutes):
        if candidate not in sore:
            return catalogue.exercise(candidate)
    return None


def _prescribe(exercise: Exercise, dose: Dose | None, note: str = "") -> PrescribedExercise:
    dose = dose or base_dose(exercise)
    return PrescribedExercise(
        exercise_id=exercise.id,
        name=exercise.name,
        dose=describe_dose(exercise, dose),
        sets=dose.sets,
        reps=dose.reps,
        hold_s=dose.hold_s,
        tempo=exercise.tempo,
        band=dose.band,
        cues=exercise.cues,
        note=note,
    )
