"""The words of the feed: event summaries and descriptions.

A session's event says what to do (exercises, dose, tempo, one cue each) and
why it sits on that day (program-rules.md, "What the runner sees").
"""

from __future__ import annotations

from collections.abc import Iterable

from syncsvc.domain import (
    DayLoad,
    MobilityBlock,
    PrescribedExercise,
    Session,
    SessionKind,
    SessionStatus,
)
from syncsvc.reasons import plain

KIND_TITLES = {SessionKind.CORE: "Core", SessionKind.HIP: "Hip"}

OUTCOME_PREFIXES = {
    SessionStatus.PLANNED: "",
    SessionStatus.DONE: "✓ Done · ",
    SessionStatus.MISSED: "Missed · ",
    SessionStatus.SKIPPED: "Skipped · ",
    SessionStatus.CANCELLED: "Cancelled · ",
}

BULLET = "• "


def _block_title(block: str) -> str:
    words = block.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def session_summary(session: Session) -> str:
    """One line that reads well in a month view: "Core · Foundation wk 2 · 25 min"."""
    parts = [KIND_TITLES.get(session.kind, str(session.kind).title())]
    if session.content is not None and session.content.block:
        parts.append(f"{_block_title(session.content.block)} wk {session.content.block_week}")
    parts.append(f"{session.minutes} min")
    summary = OUTCOME_PREFIXES[session.status] + " · ".join(parts)
    if session.warnings and session.status is SessionStatus.PLANNED:
        summary += " ⚠"
    return summary


def exercise_line(exercise: PrescribedExercise) -> str:
    """ "• Dead bug: 3 × 8 each side, tempo 3-1-3 — Keep the low back on the floor"."""
    line = f"{BULLET}{exercise.name}"
    details = [exercise.dose] if exercise.dose else []
    if exercise.tempo:
        details.append(f"tempo {exercise.tempo}")
    if exercise.band:
        details.append(f"{exercise.band} band")
    if details:
        line += ": " + ", ".join(details)
    if exercise.cues:
        line += f" — {exercise.cues[0]}"
    if exercise.note:
        line += f" ({exercise.note})"
    return line


def _section(title: str, lines: Iterable[str]) -> list[str]:
    body = list(lines)
    return [title, *body] if body else []


def _outcome(session: Session) -> list[str]:
    if session.status is SessionStatus.DONE:
        line = "Done"
        if session.rpe is not None:
            line += f", effort {session.rpe}/10"
        return [line + (f": {session.outcome_note}" if session.outcome_note else ".")]
    if session.status is SessionStatus.MISSED:
        return ["Missed. Not made up by doubling (P6); the plan carries on."]
    if session.status is SessionStatus.SKIPPED:
        return ["Skipped: this session is off the plan."]
    if session.status is SessionStatus.CANCELLED:
        return ["Removed from the plan (the week changed)."]
    return []


def session_description(session: Session, url: str | None = None) -> str:
    """Warm-up, exercises, cool-down, notes, why this day, heads-up, outcome."""
    paragraphs: list[list[str]] = []
    outcome = _outcome(session)
    if outcome:
        paragraphs.append(outcome)
    content = session.content
    if content is not None:
        head = (
            f"{KIND_TITLES.get(session.kind, str(session.kind))} · "
            f"{_block_title(content.block)}, week {content.block_week} · "
            f"{content.level} · {session.minutes} min"
        )
        paragraphs.append([head])
        for title, exercises in (
            ("Warm-up", content.warmup),
            ("Main", content.exercises),
            ("Cool-down", content.cooldown),
        ):
            section = _section(title, map(exercise_line, exercises))
            if section:
                paragraphs.append(section)
        extra = [BULLET + note for note in content.notes]
        if content.form_check:
            extra.append(
                BULLET + "Form check (W7): use a mirror or ask a friend to watch one set of each."
            )
        if extra:
            paragraphs.append(["Notes", *extra])
    if session.reasons:
        paragraphs.append(["Why this day", *(BULLET + plain(reason) for reason in session.reasons)])
    if session.warnings:
        paragraphs.append(["Heads-up", *(BULLET + plain(warning) for warning in session.warnings)])
    if url:
        paragraphs.append([url])
    return "\n\n".join("\n".join(lines) for lines in paragraphs)


def mobility_summary(block: MobilityBlock) -> str:
    return f"Mobility & breathing · {block.minutes} min (optional)"


def mobility_description(block: MobilityBlock) -> str:
    lines = ["Rest day: light mobility work and gentle breathing (W6), optional."]
    lines += map(exercise_line, block.items)
    return "\n".join(lines)


def load_summary(day: DayLoad) -> str:
    label = "Running load (forecast)" if day.forecast else "Running load"
    return f"{label}: {day.load:.0f} · {day.day_class}"


def load_description(day: DayLoad) -> str:
    lines = [day.reason] if day.reason else []
    if day.distance_m > 0:
        lines.append(f"Distance: {day.distance_m / 1000:.1f} km")
    if day.acwr is not None:
        lines.append(f"Acute:chronic load ratio: {day.acwr:.2f}")
    if day.forecast:
        lines.append(f"Forecast ({day.class_source}), confidence {day.confidence:.0%}.")
    return "\n".join(lines)
