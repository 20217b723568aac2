"""Reasons in plain words, and a session written out for reading (CLI and feed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from syncsvc.domain import (
    DayClass,
    MobilityBlock,
    PrescribedExercise,
    Session,
    SessionKind,
    SessionStatus,
)
from syncsvc.planner.days import DAY_NAMES, Calendar
from syncsvc.planner.model import RuleBreak
from syncsvc.planner.rules import event_words
from syncsvc.reasons import RULE_ID, first_upper, plain

_LIGHTNESS = {
    DayClass.REST: 0,
    DayClass.EASY: 1,
    DayClass.MODERATE: 2,
    DayClass.HARD: 3,
    DayClass.LONG: 3,
    DayClass.RACE: 3,
}


def _lightest_left(day: date, calendar: Calendar, week: Sequence[date]) -> bool:
    """True when no lighter day than `day` is still open this week."""
    mine = _LIGHTNESS[calendar.info(day).day_class]
    return not any(
        _LIGHTNESS[calendar.info(other).day_class] < mine
        for other in week
        if other != day and calendar.is_open(other, calendar.profile.session_time)
    )


def day_reasons(
    kind: SessionKind, day: date, calendar: Calendar, week: Sequence[date]
) -> list[str]:
    """Why this day: what it holds, and which attractive days a rule ruled out (W4, W5).

    Stored with the rule ids in brackets; `plain()` gives the words a runner reads.
    """
    info = calendar.info(day)
    name = info.name
    lightest = ", the lightest day left this week" if _lightest_left(day, calendar, week) else ""
    if info.day_class is DayClass.REST:
        reasons = [f"{name} is a rest day (W4)"]
    elif info.day_class is DayClass.EASY:
        detail = f" ({info.reason})" if info.reason else ""
        reasons = [f"{name} is an easy day{detail}{lightest} (W4)"]
    elif info.day_class is DayClass.MODERATE:
        detail = f" ({info.reason})" if info.reason else ""
        reasons = [f"{name} is a moderate day{detail}{lightest} (W4)"]
    else:
        reasons = [f"{name} holds {event_words(info, with_day=False)}{lightest} (W4)"]
    if day.weekday() in calendar.profile.preferred_weekdays:
        reasons.append(f"{name} is one of your preferred days")
    if kind is SessionKind.HIP:
        for other in week:
            if other == day or not calendar.is_open(other, calendar.profile.session_time):
                continue
            other_info = calendar.info(other)
            following = calendar.info(other + timedelta(days=1))
            if other_info.day_class in (DayClass.REST, DayClass.EASY) and (
                following.day_class.is_demanding
            ):
                reasons.append(
                    f"Not {other_info.name}: it is the day before {event_words(following)} (W5)"
                )
                break
    return reasons


def runner_reasons(
    how: str, day: date, forced: bool, breaks: Sequence[RuleBreak], *, by: str = "you"
) -> list[str]:
    """One line for a session the runner (or their coach, `by`) placed; a forced move that
    breaks rules says which in the same line (the ids ride along in brackets for `--json`)."""
    name = DAY_NAMES[day.weekday()]
    verb = {"moved": "moved this session to", "added": "added this session on"}.get(
        how, "pinned this session on"
    )
    who = first_upper(by)
    put = "you put it" if by == "you" else "they put it"
    line = f"{who} {verb} {name}; it stays where {put}"
    if breaks:
        forced_words = " with --force" if forced else ""
        words = "; ".join(b.message for b in breaks)
        ids = ", ".join(dict.fromkeys(b.rule for b in breaks if RULE_ID.fullmatch(b.rule)))
        line = f"{who} {verb} {name}{forced_words}, though {words}" + (f" ({ids})" if ids else "")
    elif forced:
        line += " (placed with --force)"
    return [line]


def warnings_for(breaks: Sequence[RuleBreak]) -> tuple[str, ...]:
    return tuple(f"{b.rule}: {b.message}" for b in breaks)


# ---------------------------------------------------------------- reading


def format_exercise(item: PrescribedExercise, number: int | None = None) -> list[str]:
    head = f"{number}. " if number is not None else "- "
    line = f"{head}{item.name}: {item.dose}"
    if item.tempo:
        line += f", tempo {item.tempo}"
    lines = [line]
    if item.note:
        lines.append(f"   ({item.note})")
    lines.extend(f"   · {cue}" for cue in item.cues)
    return lines


def format_session(session: Session, *, with_reasons: bool = True) -> str:
    """A session as plain text: warm-up, each exercise with dose, tempo and cues,
    cool-down, notes and (optionally) why it sits where it does."""
    kind = "Core" if session.kind is SessionKind.CORE else "Hip stability"
    when = f"{DAY_NAMES[session.local_date.weekday()]} {session.local_date.isoformat()}"
    lines = [f"{kind} session, {when} at {session.start_time:%H:%M}, {session.minutes} min"]
    if session.status is not SessionStatus.PLANNED:
        lines.append(f"Status: {session.status.value}")
    content = session.content
    if content is not None:
        lines.append(f"{content.block}, week {content.block_week} ({content.level.value})")
        if content.warmup:
            lines.append("")
            lines.append("Warm-up:")
            for item in content.warmup:
                lines.extend(format_exercise(item))
        lines.append("")
        lines.append("Exercises:")
        for number, item in enumerate(content.exercises, start=1):
            lines.extend(format_exercise(item, number))
        if content.cooldown:
            lines.append("")
            lines.append("Cool-down:")
            for item in content.cooldown:
                lines.extend(format_exercise(item))
        if content.notes:
            lines.append("")
            lines.extend(content.notes)
    if session.warnings:
        lines.append("")
        lines.append("Warnings:")
        lines.extend(f"- {plain(warning)}" for warning in session.warnings)
    if with_reasons and session.reasons:
        lines.append("")
        lines.append(format_reasons(session))
    return "\n".join(lines)


def format_reasons(session: Session) -> str:
    """Why this day and why this content, one reason a line."""
    return "\n".join(["Why:", *(f"- {plain(reason)}" for reason in session.reasons)])


def format_mobility(block: MobilityBlock) -> str:
    """The optional rest-day mobility and breathing block (W6) as plain text."""
    day = f"{DAY_NAMES[block.local_date.weekday()]} {block.local_date.isoformat()}"
    lines = [f"Optional rest-day mobility and breathing, {day}, {block.minutes} min"]
    for item in block.items:
        lines.extend(format_exercise(item))
    return "\n".join(lines)
