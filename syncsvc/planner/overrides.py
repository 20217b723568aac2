"""The runner's decisions, replayed from the append-only override log.

Replaying the whole log on every replan keeps the planner pure: the stored plan
already reflects each decision, so replaying it again changes nothing.
`reset` without a session hands every future session back to the planner (and
drops added ones); with a session id it does so for that session only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, time

from syncsvc.domain import Override, OverrideAction, SessionKind, SessionStatus
from syncsvc.planner.model import session_id
from syncsvc.reasons import decided_by


@dataclass(frozen=True, slots=True)
class Control:
    """What the runner decided about one session."""

    day: date | None = None
    start_time: time | None = None
    placed: bool = False
    """Moved, pinned or added: the planner leaves it where the runner put it."""
    pinned: bool = False
    forced: bool = False
    broken_rules: tuple[str, ...] = ()
    status: SessionStatus | None = None
    rpe: int | None = None
    note: str = ""
    added_kind: SessionKind | None = None
    how: str = ""
    """moved, pinned or added: for the reasons."""
    by: str = "you"
    """Who decided, as the athlete reads it: "you", "your coach Maria"."""


@dataclass(frozen=True, slots=True)
class Controls:
    by_session: dict[str, Control]
    reset_all: bool
    """A plan-wide reset happened: stored runner placements no longer count."""
    ignored: tuple[str, ...]
    """Overrides that could not apply, in plain words."""


def replay(
    overrides: Sequence[Override], athlete_id: int, known: set[str], namespace: str = ""
) -> Controls:
    """Fold the log, oldest first, into one `Control` per session."""
    controls: dict[str, Control] = {}
    reset_all = False
    ignored: list[str] = []
    added_count: dict[tuple[str, SessionKind], int] = {}
    ordered = sorted(enumerate(overrides), key=lambda pair: (pair[1].at, pair[1].id or 0, pair[0]))
    for _, override in ordered:
        action = override.action
        if action is OverrideAction.RESET:
            if override.session_id is None:
                controls = {key: Control() for key in controls}
                reset_all = True
            else:
                controls[override.session_id] = Control()
            continue
        if action is OverrideAction.ADD:
            if override.local_date is None or override.kind is None:
                ignored.append("an add without a date or kind was ignored")
                continue
            target = override.session_id or _added_id(
                athlete_id, override.local_date, override.kind, added_count, namespace
            )
            controls[target] = Control(
                day=override.local_date,
                start_time=override.start_time,
                placed=True,
                pinned=True,
                forced=override.forced,
                broken_rules=override.broken_rules,
                added_kind=override.kind,
                how="added",
                by=decided_by(override.origin, override.actor_name),
            )
            known.add(target)
            continue
        if override.session_id is None or override.session_id not in known:
            ignored.append(
                f"{action.value} for unknown session {override.session_id or '(none)'} was ignored"
            )
            continue
        target = override.session_id
        control = controls.get(target, Control())
        if action is OverrideAction.MOVE:
            if override.local_date is None:
                ignored.append(f"move of {target} without a date was ignored")
                continue
            control = replace(
                control,
                day=override.local_date,
                start_time=override.start_time or control.start_time,
                placed=True,
                pinned=True,  # "move a session (this pins it)"
                forced=override.forced,
                broken_rules=override.broken_rules,
                how="moved",
                by=decided_by(override.origin, override.actor_name),
            )
        elif action is OverrideAction.PIN and control.how:
            control = replace(control, pinned=True, placed=True)
        elif action is OverrideAction.PIN:
            control = replace(
                control,
                pinned=True,
                placed=True,
                how="pinned",
                by=decided_by(override.origin, override.actor_name),
            )
        elif action is OverrideAction.UNPIN and control.added_kind is not None:
            control = replace(control, pinned=False)  # an added session stays the runner's
        elif action is OverrideAction.UNPIN:
            control = replace(
                control, pinned=False, placed=False, day=None, start_time=None, how=""
            )
        elif action is OverrideAction.SKIP:
            control = replace(
                control,
                status=SessionStatus.SKIPPED,
                note=override.note,
                by=decided_by(override.origin, override.actor_name),
            )
        elif action is OverrideAction.DONE:
            control = replace(
                control,
                status=SessionStatus.DONE,
                rpe=override.rpe,
                note=override.note,
                by=decided_by(override.origin, override.actor_name),
            )
        controls[target] = control
    return Controls(controls, reset_all, tuple(ignored))


def _added_id(
    athlete_id: int,
    day: date,
    kind: SessionKind,
    counts: dict[tuple[str, SessionKind], int],
    namespace: str,
) -> str:
    """Added sessions take ordinals from 101 within their ISO week, apart from the planner's."""
    year, week, _ = day.isocalendar()
    key = (f"{year}-{week}", kind)
    counts[key] = counts.get(key, 0) + 1
    return session_id(athlete_id, day, kind, 100 + counts[key], namespace)


def added_session_id(
    athlete_id: int,
    overrides: Sequence[Override],
    day: date,
    kind: SessionKind,
    namespace: str = "",
) -> str:
    """The id the next `add` of `kind` on `day` will get (for the CLI to print)."""
    year, week, _ = day.isocalendar()
    count = sum(
        1
        for override in overrides
        if override.action is OverrideAction.ADD
        and override.session_id is None
        and override.kind is kind
        and override.local_date is not None
        and override.local_date.isocalendar()[:2] == (year, week)
    )
    return session_id(athlete_id, day, kind, 101 + count, namespace)
