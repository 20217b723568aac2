"""The runner's decisions: move, pin, unpin, skip, done, add, reset.

Every decision has one shape (`_decide`): under the athlete's lock, read the
pipeline's context once, resolve the session, check everything (the session
id, the date, the time, the programme's rules), append one `Override` to the
athlete's log and replan at once with the same context
(`pipeline.decide_and_replan`). A bad value raises `UsageError` before anything
is written, so a refused command changes nothing. The rules of a move or an add
are judged on the load analysis the replan then reuses: it is computed once.

A move or an add that breaks a rule (W1-W5, an unavailable day) is refused with
the rule named unless forced; a forced placement is recorded with the rules it
broke, and the plan's reasons keep saying so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from syncsvc.api.pipeline import (
    Decision,
    PipelineContext,
    decide_and_replan,
    plan_inputs,
    read_context,
    replan_note,
)
from syncsvc.domain import (
    WEEKDAY_NAMES,
    Actor,
    Athlete,
    Override,
    OverrideAction,
    Session,
    SessionKind,
    SessionStatus,
    wall_clock,
)
from syncsvc.errors import NotFoundError, UsageError
from syncsvc.planner.overrides import added_session_id
from syncsvc.planner.replan import check_placement
from syncsvc.runtime import Runtime

if TYPE_CHECKING:
    from syncsvc.planner.model import RuleBreak

RPE_RANGE = (1, 10)
NOTE_MAX_CHARS = 500
ORIGIN = "cli"


@dataclass(frozen=True, slots=True)
class DecisionOutcome:
    """What a decision did, for the command to print."""

    action: OverrideAction
    session_id: str
    message: str
    replanned: str
    session: Session | None
    broken: tuple[RuleBreak, ...] = ()


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


# ---------------------------------------------------------------- the shape of one decision


@dataclass(frozen=True, slots=True)
class _Decided:
    """What a check returns: the override to record, and what to say about it."""

    override: Override
    session_id: str
    message: str
    broken: tuple[RuleBreak, ...] = ()


def _decide(
    runtime: Runtime,
    athlete: Athlete,
    prefix: str | None,
    reason: str,
    check: Callable[[Decision, Session | None], _Decided],
    actor: Actor | None = None,
) -> DecisionOutcome:
    """Resolve the session (when `prefix` names one), check, record, replan.

    A coach's or an admin's decision (`actor`) is recorded with them as its origin.
    """

    def decide(decision: Decision) -> tuple[Override, _Decided]:
        session = None if prefix is None else resolve_session(decision.context.sessions, prefix)
        decided = check(decision, session)
        return _by(decided.override, actor), decided

    decided, result = decide_and_replan(runtime, athlete.id, trigger=reason, decide=decide)
    with runtime.store.read() as tx:
        after = tx.athlete(athlete.id).sessions.get(decided.session_id)
    return DecisionOutcome(
        decided.override.action,
        decided.session_id,
        decided.message,
        replan_note(result),
        after,
        decided.broken,
    )


def _override(context: PipelineContext, action: OverrideAction, **values: Any) -> Override:
    """An override now, from the CLI; `values` fill the action's fields."""
    base = Override(athlete_id=context.athlete.id, action=action, at=context.now, origin=ORIGIN)
    return replace(base, **values)


def _by(override: Override, actor: Actor | None) -> Override:
    if actor is None:
        return override
    return replace(override, origin=actor.role, actor_user_id=actor.user_id, actor_name=actor.name)


def _local_now(context: PipelineContext) -> datetime:
    return wall_clock(context.now, context.athlete.profile.timezone)


def _require_planned(session: Session, verb: str) -> None:
    if session.status is not SessionStatus.PLANNED:
        raise UsageError(
            f"session {session.id} is {session.status.value}: only planned sessions can be {verb}"
        )


def _require_ahead(session: Session, context: PipelineContext, verb: str) -> None:
    start = datetime.combine(session.local_date, session.start_time)
    if start <= _local_now(context):
        raise UsageError(
            f"session {session.id} on {session.local_date.isoformat()} has already started: "
            f"only sessions ahead can be {verb}"
        )


def _require_future_slot(day: date, start: time, context: PipelineContext) -> None:
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


def placement_breaks(
    decision: Decision,
    kind: SessionKind,
    day: date,
    start: time,
    *,
    session_id: str | None,
) -> list[RuleBreak]:
    """The rules a placement breaks, as the planner judges them (`check_placement`)."""
    inputs = plan_inputs(decision.settings, decision.context, decision.load.analysis)
    return check_placement(
        inputs,
        kind,
        day,
        decision.settings.planner,
        session_id=session_id,
        start_time=start,
    )


class PlacementRefused(UsageError):
    """A placement that breaks a programme rule: `--force` (the page's second step) places
    it anyway. Front ends offer the force by this type, never by the message's words."""

    def __init__(self, message: str, breaks: Sequence[RuleBreak], *, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.breaks = tuple(breaks)


def _refuse_or_accept(
    breaks: list[RuleBreak], force: bool, what: str, *, every_day: str = ""
) -> None:
    """Refuse a placement that breaks a rule unless forced; `every_day` says, when no
    day of the week fits, that the week has no such day and offers the nearest one."""
    hard = [b for b in breaks if b.rule == "past"]
    if hard:
        raise UsageError(f"{what} refused: {hard[0].message}")
    if breaks and not force:
        words = "; ".join(dict.fromkeys(b.message for b in breaks))
        raise PlacementRefused(
            f"{what} refused: {words}{every_day}",
            breaks,
            hint="add --force to place it anyway; the plan will keep the warning",
        )


# ---------------------------------------------------------------- where it fits


@dataclass(frozen=True, slots=True)
class DayOption:
    """One day a session could move to, and the rules a move there would break."""

    day: date
    breaks: tuple[RuleBreak, ...]
    current: bool = False
    """The session is on this day now."""

    @property
    def fits(self) -> bool:
        return not self.breaks and not self.current

    @property
    def hard(self) -> bool:
        """Refused even when forced (days already past are not offered at all)."""
        return any(b.rule == "past" for b in self.breaks)

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why it does not fit, in words."""
        return tuple(dict.fromkeys(b.message for b in self.breaks))


@dataclass(frozen=True, slots=True)
class MoveOptions:
    """`plan move ID` without a day: this week's and next week's days, which fit and why not."""

    session: Session
    days: tuple[DayOption, ...]

    @property
    def fitting(self) -> tuple[DayOption, ...]:
        return tuple(option for option in self.days if option.fits and not option.current)


def _options(
    decision: Decision, session: Session, days: Sequence[date], start: time
) -> tuple[DayOption, ...]:
    local_now = _local_now(decision.context)
    found = []
    for day in days:
        if datetime.combine(day, start) <= local_now:
            continue
        breaks = placement_breaks(decision, session.kind, day, start, session_id=session.id)
        found.append(DayOption(day, tuple(breaks), current=day == session.local_date))
    return tuple(found)


def move_options(runtime: Runtime, athlete: Athlete, prefix: str) -> MoveOptions:
    """The days ahead this week and next where the session fits, and why the others don't.

    Read only: nothing is recorded. The web page shows the same list.
    """
    decision = Decision(runtime, read_context(runtime, athlete))
    session = resolve_session(decision.context.sessions, prefix)
    _require_planned(session, "moved")
    _require_ahead(session, decision.context, "moved")  # as the move itself would refuse
    monday = decision.context.today - timedelta(days=decision.context.today.weekday())
    days = [monday + timedelta(days=n) for n in range(14)]
    return MoveOptions(session, _options(decision, session, days, session.start_time))


def _every_day_refused(decision: Decision, session: Session, day: date, start: time) -> str:
    """When no day of the target's week fits: say so, and offer the nearest day with the
    least to break (what it would break, in words)."""
    monday = day - timedelta(days=day.weekday())
    week = [monday + timedelta(days=n) for n in range(7)]
    options = [o for o in _options(decision, session, week, start) if not o.current]
    if not options or any(option.fits for option in options):
        return ""
    others = [o for o in options if o.day != day]
    if not others:
        return ""
    nearest = min(others, key=lambda o: (len(o.breaks), abs((o.day - day).days), o.day))
    words = "; ".join(dict.fromkeys(b.message for b in nearest.breaks))
    return (
        f". No other day that week fits a {session.kind.value} session without breaking a rule; "
        f"the nearest with the least to break is {_day(nearest.day)} ({words})"
    )


def _session(session: Session | None) -> Session:
    assert session is not None, "a decision about a session resolves one first"
    return session


# ---------------------------------------------------------------- the decisions


def move_session(
    runtime: Runtime,
    athlete: Athlete,
    prefix: str,
    day_text: str,
    *,
    time_text: str | None,
    force: bool,
    actor: Actor | None = None,
) -> DecisionOutcome:
    """Move a session to another day (and time); this pins it there."""

    def check(decision: Decision, found: Session | None) -> _Decided:
        session, context = _session(found), decision.context
        _require_planned(session, "moved")
        _require_ahead(session, context, "moved")
        day = parse_day(day_text, context.today)
        start = parse_clock(time_text) if time_text is not None else session.start_time
        _require_future_slot(day, start, context)
        if (day, start) == (session.local_date, session.start_time):
            raise UsageError(
                f"session {session.id} is already on {day.isoformat()} at {start:%H:%M}"
            )
        breaks = placement_breaks(decision, session.kind, day, start, session_id=session.id)
        every_day = "" if force or not breaks else _every_day_refused(decision, session, day, start)
        _refuse_or_accept(
            breaks, force, f"moving {session.kind.value} session {session.id}", every_day=every_day
        )
        override = _override(
            context,
            OverrideAction.MOVE,
            session_id=session.id,
            local_date=day,
            start_time=start if time_text is not None else None,
            forced=force and bool(breaks),
            broken_rules=tuple(b.rule for b in breaks),
        )
        message = (
            f"Moved {session.kind.value} session {session.id} to {_day(day)} at {start:%H:%M}."
        )
        if breaks:
            words = "; ".join(dict.fromkeys(b.message for b in breaks))
            message += f" Placed anyway, though {words}."
        return _Decided(override, session.id, message, tuple(breaks))

    return _decide(runtime, athlete, prefix, "plan move", check, actor)


def pin_session(
    runtime: Runtime,
    athlete: Athlete,
    prefix: str,
    *,
    pinned: bool = True,
    actor: Actor | None = None,
) -> DecisionOutcome:
    """Keep a session where it is (`pinned`), or let the planner move it again."""
    verb = "pinned" if pinned else "unpinned"

    def check(decision: Decision, found: Session | None) -> _Decided:
        session, context = _session(found), decision.context
        _require_planned(session, verb)
        _require_ahead(session, context, verb)
        if session.pinned == pinned:
            state = "already pinned" if pinned else "not pinned"
            raise UsageError(f"session {session.id} is {state}")
        action = OverrideAction.PIN if pinned else OverrideAction.UNPIN
        message = (
            f"Pinned {session.kind.value} session {session.id} on {_day(session.local_date)}."
            if pinned
            else f"Unpinned {session.kind.value} session {session.id}; the planner may move it."
        )
        return _Decided(_override(context, action, session_id=session.id), session.id, message)

    return _decide(runtime, athlete, prefix, f"plan {'pin' if pinned else 'unpin'}", check, actor)


def skip_session(
    runtime: Runtime,
    athlete: Athlete,
    prefix: str,
    *,
    note: str = "",
    actor: Actor | None = None,
) -> DecisionOutcome:
    """Skip a session ahead (it is not made up by doubling, P6)."""

    def check(decision: Decision, found: Session | None) -> _Decided:
        session, context = _session(found), decision.context
        _require_planned(session, "skipped")
        if session.local_date < context.today:
            raise UsageError(
                f"session {session.id} was on {session.local_date.isoformat()}: "
                "only today's or later sessions can be skipped"
            )
        override = _override(
            context, OverrideAction.SKIP, session_id=session.id, note=check_note(note)
        )
        message = (
            f"Skipped {session.kind.value} session {session.id} on {_day(session.local_date)}."
        )
        return _Decided(override, session.id, message)

    return _decide(runtime, athlete, prefix, "plan skip", check, actor)


def mark_done(
    runtime: Runtime,
    athlete: Athlete,
    prefix: str,
    *,
    rpe: int | None = None,
    note: str = "",
    actor: Actor | None = None,
) -> DecisionOutcome:
    """Record a session as done, with how hard it felt (the progression reads it, P3)."""
    check_rpe(rpe)
    text = check_note(note)

    def check(decision: Decision, found: Session | None) -> _Decided:
        session, context = _session(found), decision.context
        if session.status not in (SessionStatus.PLANNED, SessionStatus.MISSED, SessionStatus.DONE):
            raise UsageError(
                f"session {session.id} is {session.status.value}: it cannot be marked done"
            )
        if session.local_date > context.today:
            raise UsageError(
                f"session {session.id} is on {session.local_date.isoformat()}, still ahead: "
                "mark it done on the day"
            )
        override = _override(
            context, OverrideAction.DONE, session_id=session.id, rpe=rpe, note=text
        )
        felt = f" (RPE {rpe})" if rpe is not None else ""
        verb = "Updated" if session.status is SessionStatus.DONE else "Marked"
        message = f"{verb} {session.kind.value} session {session.id} done{felt}."
        return _Decided(override, session.id, message)

    return _decide(runtime, athlete, prefix, "plan done", check, actor)


def add_session(
    runtime: Runtime,
    athlete: Athlete,
    kind_text: str,
    day_text: str,
    *,
    time_text: str | None,
    force: bool,
    actor: Actor | None = None,
) -> DecisionOutcome:
    """Add a session of your own; it stays where you put it.

    W1 is not checked: an added session takes the place of one of the planner's
    sessions of that kind that week.
    """
    kind = parse_kind(kind_text)

    def check(decision: Decision, _: Session | None) -> _Decided:
        context = decision.context
        day = parse_day(day_text, context.today)
        start = (
            parse_clock(time_text)
            if time_text is not None
            else context.athlete.profile.session_time
        )
        _require_future_slot(day, start, context)
        breaks = [
            b
            for b in placement_breaks(decision, kind, day, start, session_id=None)
            if b.rule != "W1"
        ]
        _refuse_or_accept(breaks, force, f"adding a {kind.value} session")
        new_id = added_session_id(
            context.athlete.id, context.overrides, day, kind, context.id_namespace
        )
        override = _override(
            context,
            OverrideAction.ADD,
            local_date=day,
            start_time=start,
            kind=kind,
            forced=force and bool(breaks),
            broken_rules=tuple(b.rule for b in breaks),
        )
        message = f"Added a {kind.value} session {new_id} on {_day(day)} at {start:%H:%M}."
        return _Decided(override, new_id, message, tuple(breaks))

    return _decide(runtime, athlete, None, "plan add", check, actor)


def reset_session(
    runtime: Runtime, athlete: Athlete, prefix: str, *, actor: Actor | None = None
) -> DecisionOutcome:
    """Give a session back to the planner: your move, pin, skip or done no longer count."""

    def check(decision: Decision, found: Session | None) -> _Decided:
        session, context = _session(found), decision.context
        decided = any(o.session_id == session.id for o in context.overrides)
        if not decided and not session.pinned:
            raise UsageError(f"session {session.id} has no decision of yours to reset")
        _require_ahead(session, context, "reset")
        override = _override(context, OverrideAction.RESET, session_id=session.id)
        message = f"Gave {session.kind.value} session {session.id} back to the planner."
        return _Decided(override, session.id, message)

    return _decide(runtime, athlete, prefix, "plan reset", check, actor)


def _day(day: date) -> str:
    return f"{day:%a} {day.isoformat()}"
