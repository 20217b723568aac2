"""The runner's decisions: move, pin, unpin, skip, done, add, reset (issue 8).

Each function checks everything first (the session id, the date, the time, the
programme's rules), then appends one `Override` to the athlete's log and
replans at once (`hooks.after_change`). A bad value raises `UsageError` before
anything is written, so a refused command changes nothing.

A move or an add that breaks a rule (W1-W5, an unavailable day) is refused with
the rule named unless forced; a forced placement is recorded with the rules it
broke, and the plan's reasons keep saying so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from syncsvc import clock
from syncsvc.domain import (
    WEEKDAY_NAMES,
    Athlete,
    Override,
    OverrideAction,
    Session,
    SessionKind,
    SessionStatus,
)
from syncsvc.errors import NotFoundError, UsageError
from syncsvc.runtime import Runtime

RPE_RANGE = (1, 10)
NOTE_MAX_CHARS = 500
ORIGIN = "cli"


@dataclass(frozen=True, slots=True)
class RuleProblem:
    """A rule a placement breaks: the id (W4...) and a plain sentence."""

    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


@dataclass(frozen=True, slots=True)
class OverrideOutcome:
    """What a decision did, for the command to print."""

    action: OverrideAction
    session_id: str
    message: str
    replanned: str
    session: Session | None
    broken: tuple[RuleProblem, ...] = ()


# ---------------------------------------------------------------- parsing


def parse_day(value: str, today: date) -> date:
    """YYYY-MM-DD, `today`, `tomorrow`, `+N` (days from today) or a weekday (the next one)."""
    text = value.strip().lower()
    if text == "today":
        return today
    if text == "tomorrow":
        return today + timedelta(days=1)
    if re.fullmatch(r"\+\d{1,3}", text):
        return today + timedelta(days=int(text[1:]))
    for index, name in enumerate(WEEKDAY_NAMES):
        if text in (name, _FULL_DAYS[index]):
            return today + timedelta(days=(index - today.weekday()) % 7)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"bad date {value!r}: use YYYY-MM-DD, today, tomorrow, +N or a weekday"
        ) from None


_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_clock(value: str) -> time:
    """HH:MM on a 24-hour clock; anything else (25:00, 7pm) is refused."""
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
    if not match:
        raise UsageError(f"impossible time {value!r}: use HH:MM from 00:00 to 23:59")
    return time(int(match[1]), int(match[2]))


def check_rpe(rpe: int | None) -> int | None:
    if rpe is not None and not RPE_RANGE[0] <= rpe <= RPE_RANGE[1]:
        raise UsageError(f"RPE {rpe} is out of range: rate the session from 1 to 10")
    return rpe


def check_note(note: str) -> str:
    if len(note) > NOTE_MAX_CHARS:
        raise UsageError(f"the note is too long ({len(note)} characters, at most {NOTE_MAX_CHARS})")
    return note.strip()


def parse_kind(value: str) -> SessionKind:
    try:
        return SessionKind(value.strip().lower())
    except ValueError:
        raise UsageError(f"unknown session kind {value!r}: use core or hip") from None


def resolve_session(sessions: Sequence[Session], prefix: str) -> Session:
    """The session whose id is `prefix` or starts with it; unknown or ambiguous is refused."""
    wanted = prefix.strip().lower()
    if not wanted:
        raise UsageError("a session id is needed (syncsvc plan lists them)")
    exact = [s for s in sessions if s.id == wanted]
    if exact:
        return exact[0]
    found = [s for s in sessions if s.id.startswith(wanted)]
    if not found:
        raise NotFoundError(
            f"no session with id {prefix!r}", hint="syncsvc plan lists the session ids"
        )
    if len(found) > 1:
        listed = ", ".join(s.id for s in found[:5])
        raise UsageError(
            f"session id {prefix!r} is ambiguous: it starts {len(found)} ids ({listed})",
            hint="type more characters",
        )
    return found[0]


# ---------------------------------------------------------------- the context of one decision


@dataclass(frozen=True, slots=True)
class _Context:
    athlete: Athlete
    today: date
    now: datetime
    sessions: tuple[Session, ...]
    overrides: tuple[Override, ...]


def _context(runtime: Runtime) -> _Context:
    from syncsvc.api.pipeline import local_today

    athlete = runtime.athlete()
    with runtime.store.read() as tx:
        scope = tx.athlete(athlete.id)
        sessions = tuple(scope.sessions.all())
        overrides = tuple(scope.overrides.all())
    return _Context(athlete, local_today(athlete), clock.now(), sessions, overrides)


def _local_now(context: _Context) -> datetime:
    return context.now.astimezone(ZoneInfo(context.athlete.profile.timezone)).replace(tzinfo=None)


def _require_planned(session: Session, verb: str) -> None:
    if session.status is not SessionStatus.PLANNED:
        raise UsageError(
            f"session {session.id} is {session.status.value}: only planned sessions can be {verb}"
        )


def _require_ahead(session: Session, context: _Context, verb: str) -> None:
    start = datetime.combine(session.local_date, session.start_time)
    if start <= _local_now(context):
        raise UsageError(
            f"session {session.id} on {session.local_date.isoformat()} has already started: "
            f"only sessions ahead can be {verb}"
        )


def _require_future_slot(day: date, start: time, context: _Context) -> None:
    if day < context.today:
        raise UsageError(f"{day.isoformat()} is in the past: only days ahead can be planned")
    if datetime.combine(day, start) <= _local_now(context):
        raise UsageError(
            f"{day.isoformat()} {start:%H:%M} has already passed: only the future can be planned"
        )
    horizon = context.today + timedelta(days=7 * 8)
    if day > horizon:
        raise UsageError(
            f"{day.isoformat()} is too far ahead: the plan reaches {horizon.isoformat()} at most"
        )


def placement_problems(
    runtime: Runtime,
    context: _Context,
    kind: SessionKind,
    day: date,
    start: time,
    *,
    session_id: str | None,
) -> list[RuleProblem]:
    """The rules a placement breaks, as the planner judges them (`check_placement`)."""
    from syncsvc.api.pipeline import analyse
    from syncsvc.planner.model import PlanInputs
    from syncsvc.planner.replan import check_placement

    analysis = analyse(runtime, context.athlete)
    inputs = PlanInputs(
        athlete_id=context.athlete.id,
        profile=context.athlete.profile,
        now=context.now,
        today=context.today,
        days=analysis.days,
        weeks=analysis.weeks,
        current=context.sessions,
        overrides=context.overrides,
        horizon_weeks=runtime.settings.planner.horizon_weeks,
    )
    breaks = check_placement(
        inputs,
        kind,
        day,
        runtime.settings.planner,
        session_id=session_id,
        start_time=start,
    )
    return [RuleProblem(b.rule, b.message) for b in breaks]


def _refuse_or_accept(problems: list[RuleProblem], force: bool, what: str) -> None:
    hard = [p for p in problems if p.rule == "past"]
    if hard:
        raise UsageError(f"{what} refused: {hard[0].message}")
    if problems and not force:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise UsageError(
            f"{what} refused: it breaks {first.rule}: {first.message}{more}",
            hint="add --force to place it anyway; the plan will keep the warning",
        )


def _record(
    runtime: Runtime,
    context: _Context,
    override: Override,
    reason: str,
) -> tuple[str, Session | None]:
    """Append the override, replan, refresh the day classes."""
    from syncsvc.api import hooks

    with runtime.store.write() as tx:
        tx.athlete(context.athlete.id).overrides.append(override)
    note = hooks.after_change(runtime, context.athlete.id, reason=reason)
    session_id = override.session_id
    if session_id is None:
        return note, None
    with runtime.store.read() as tx:
        return note, tx.athlete(context.athlete.id).sessions.get(session_id)


def _override(context: _Context, action: OverrideAction, **values: Any) -> Override:
    """An override now, from the CLI; `values` fill the action's fields."""
    base = Override(athlete_id=context.athlete.id, action=action, at=context.now, origin=ORIGIN)
    return replace(base, **values)


# ---------------------------------------------------------------- the decisions


def move_session(
    runtime: Runtime, prefix: str, day_text: str, *, time_text: str | None, force: bool
) -> OverrideOutcome:
    """Move a session to another day (and time); this pins it there."""
    context = _context(runtime)
    session = resolve_session(context.sessions, prefix)
    _require_planned(session, "moved")
    _require_ahead(session, context, "moved")
    day = parse_day(day_text, context.today)
    start = parse_clock(time_text) if time_text is not None else session.start_time
    _require_future_slot(day, start, context)
    if (day, start) == (session.local_date, session.start_time):
        raise UsageError(f"session {session.id} is already on {day.isoformat()} at {start:%H:%M}")
    problems = placement_problems(runtime, context, session.kind, day, start, session_id=session.id)
    _refuse_or_accept(problems, force, f"moving {session.kind.value} session {session.id}")
    override = _override(
        context,
        OverrideAction.MOVE,
        session_id=session.id,
        local_date=day,
        start_time=start if time_text is not None else None,
        forced=force and bool(problems),
        broken_rules=tuple(p.rule for p in problems),
    )
    note, after = _record(runtime, context, override, "plan move")
    message = f"Moved {session.kind.value} session {session.id} to {_day(day)} at {start:%H:%M}."
    if problems:
        message += " Forced: it breaks " + "; ".join(str(p) for p in problems) + "."
    return OverrideOutcome(OverrideAction.MOVE, session.id, message, note, after, tuple(problems))


def pin_session(runtime: Runtime, prefix: str) -> OverrideOutcome:
    """Keep a session where it is; the planner will not move it."""
    context = _context(runtime)
    session = resolve_session(context.sessions, prefix)
    _require_planned(session, "pinned")
    _require_ahead(session, context, "pinned")
    if session.pinned:
        raise UsageError(f"session {session.id} is already pinned")
    override = _override(context, OverrideAction.PIN, session_id=session.id)
    note, after = _record(runtime, context, override, "plan pin")
    return OverrideOutcome(
        OverrideAction.PIN,
        session.id,
        f"Pinned {session.kind.value} session {session.id} on {_day(session.local_date)}.",
        note,
        after,
    )


def unpin_session(runtime: Runtime, prefix: str) -> OverrideOutcome:
    """Let the planner move a pinned session again."""
    context = _context(runtime)
    session = resolve_session(context.sessions, prefix)
    _require_planned(session, "unpinned")
    _require_ahead(session, context, "unpinned")
    if not session.pinned:
        raise UsageError(f"session {session.id} is not pinned")
    override = _override(context, OverrideAction.UNPIN, session_id=session.id)
    note, after = _record(runtime, context, override, "plan unpin")
    return OverrideOutcome(
        OverrideAction.UNPIN,
        session.id,
        f"Unpinned {session.kind.value} session {session.id}; the planner may move it.",
        note,
        after,
    )


def skip_session(runtime: Runtime, prefix: str, *, note: str = "") -> OverrideOutcome:
    """Skip a session ahead (it is not made up by doubling, P6)."""
    context = _context(runtime)
    session = resolve_session(context.sessions, prefix)
    _require_planned(session, "skipped")
    if session.local_date < context.today:
        raise UsageError(
            f"session {session.id} was on {session.local_date.isoformat()}: "
            "only today's or later sessions can be skipped"
        )
    override = _override(context, OverrideAction.SKIP, session_id=session.id, note=check_note(note))
    replanned, after = _record(runtime, context, override, "plan skip")
    return OverrideOutcome(
        OverrideAction.SKIP,
        session.id,
        f"Skipped {session.kind.value} session {session.id} on {_day(session.local_date)}.",
        replanned,
        after,
    )


def mark_done(
    runtime: Runtime, prefix: str, *, rpe: int | None = None, note: str = ""
) -> OverrideOutcome:
    """Record a session as done, with how hard it felt (the progression reads it, P3)."""
    check_rpe(rpe)
    text = check_note(note)
    context = _context(runtime)
    session = resolve_session(context.sessions, prefix)
    if session.status not in (SessionStatus.PLANNED, SessionStatus.MISSED, SessionStatus.DONE):
        raise UsageError(
            f"session {session.id} is {session.status.value}: it cannot be marked done"
        )
    if session.local_date > context.today:
        raise UsageError(
            f"session {session.id} is on {session.local_date.isoformat()}, still ahead: "
            "mark it done on the day"
        )
    override = _override(context, OverrideAction.DONE, session_id=session.id, rpe=rpe, note=text)
    replanned, after = _record(runtime, context, override, "plan done")
    felt = f" (RPE {rpe})" if rpe is not None else ""
    return OverrideOutcome(
        OverrideAction.DONE,
        session.id,
        f"Marked {session.kind.value} session {session.id} done{felt}.",
        replanned,
        after,
    )


def add_session(
    runtime: Runtime, kind_text: str, day_text: str, *, time_text: str | None, force: bool
) -> OverrideOutcome:
    """Add a session of your own; it stays where you put it.

    W1 is not checked: an added session takes the place of one of the planner's
    sessions of that kind that week.
    """
    from syncsvc.planner.overrides import added_session_id

    kind = parse_kind(kind_text)
    context = _context(runtime)
    day = parse_day(day_text, context.today)
    start = (
        parse_clock(time_text) if time_text is not None else context.athlete.profile.session_time
    )
    _require_future_slot(day, start, context)
    problems = [
        p
        for p in placement_problems(runtime, context, kind, day, start, session_id=None)
        if p.rule != "W1"
    ]
    _refuse_or_accept(problems, force, f"adding a {kind.value} session")
    new_id = added_session_id(context.athlete.id, context.overrides, day, kind)
    override = _override(
        context,
        OverrideAction.ADD,
        local_date=day,
        start_time=start,
        kind=kind,
        forced=force and bool(problems),
        broken_rules=tuple(p.rule for p in problems),
    )
    replanned, _ = _record(runtime, context, override, "plan add")
    with runtime.store.read() as tx:
        after = tx.athlete(context.athlete.id).sessions.get(new_id)
    return OverrideOutcome(
        OverrideAction.ADD,
        new_id,
        f"Added a {kind.value} session {new_id} on {_day(day)} at {start:%H:%M}.",
        replanned,
        after,
        tuple(problems),
    )


def reset_session(runtime: Runtime, prefix: str) -> OverrideOutcome:
    """Give a session back to the planner: your move, pin, skip or done no longer count."""
    context = _context(runtime)
    session = resolve_session(context.sessions, prefix)
    decided = any(o.session_id == session.id for o in context.overrides)
    if not decided and not session.pinned:
        raise UsageError(f"session {session.id} has no decision of yours to reset")
    _require_ahead(session, context, "reset")
    override = _override(context, OverrideAction.RESET, session_id=session.id)
    replanned, after = _record(runtime, context, override, "plan reset")
    return OverrideOutcome(
        OverrideAction.RESET,
        session.id,
        f"Gave {session.kind.value} session {session.id} back to the planner.",
        replanned,
        after,
    )


def _day(day: date) -> str:
    return f"{day:%a} {day.isoformat()}"
