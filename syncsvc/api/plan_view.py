"""What `syncsvc plan` and `syncsvc today` show: the views, built from the stored plan.

No replan and no load model here, and no store either: `api/plan_reader.py`
reads the plan, the override log and the day classes, and `build_plan_view`
turns them into the view. Each session carries the runner's decisions about it
from the override log, in words ("moved by you on 3 May").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from syncsvc.domain import (
    Athlete,
    DayView,
    Override,
    OverrideAction,
    Session,
    SessionStatus,
)
from syncsvc.reasons import ACTOR_WORDS, decided_by

_VERBS = {
    OverrideAction.MOVE: "moved",
    OverrideAction.PIN: "pinned",
    OverrideAction.UNPIN: "unpinned",
    OverrideAction.SKIP: "skipped",
    OverrideAction.DONE: "marked done",
    OverrideAction.ADD: "added",
    OverrideAction.RESET: "given back to the planner",
}


@dataclass(frozen=True, slots=True)
class SessionView:
    session: Session
    uid: str
    start: datetime
    end: datetime
    day: DayView | None
    decisions: tuple[str, ...]
    """The runner's decisions about it, oldest first ("moved by you on 3 May")."""

    @property
    def reasons(self) -> tuple[str, ...]:
        return (*self.session.reasons, *(f"{d[0].upper()}{d[1:]}" for d in self.decisions))


@dataclass(frozen=True, slots=True)
class PlanView:
    athlete: Athlete
    today: date
    sessions: tuple[SessionView, ...]
    notes: tuple[str, ...]


def decision_words(override: Override, zone: ZoneInfo) -> str:
    """ "moved by you on 3 May", "moved by your coach Maria on 3 Dec" (with --force, and
    the origin when not the CLI)."""
    local = override.at.astimezone(zone)
    who = decided_by(override.origin, override.actor_name)
    words = f"{_VERBS[override.action]} by {who} on {local.day} {local:%b}"
    if override.forced:
        words += " with --force"
    if override.origin not in ("cli", "", *ACTOR_WORDS):
        words += f" (from {override.origin})"
    return words


def _decisions(
    overrides: Sequence[Override], sessions: Sequence[Session], zone: ZoneInfo
) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    added = {s.id for s in sessions if s.origin.value == "user"}
    moves = {(o.session_id, o.at) for o in overrides if o.action is OverrideAction.MOVE}
    done: dict[str, int] = {}
    for override in overrides:
        if override.action is OverrideAction.PIN and (override.session_id, override.at) in moves:
            continue  # the pin a move carries: "moved by you" says it
        if override.session_id is not None:
            said = found.setdefault(override.session_id, [])
            if override.action is OverrideAction.DONE and override.session_id in done:
                # a second `plan done` updates the record (RPE, note) rather than repeating it
                said[done[override.session_id]] = decision_words(override, zone)
                continue
            if override.action is OverrideAction.DONE:
                done[override.session_id] = len(said)
            said.append(decision_words(override, zone))
        elif override.action is OverrideAction.ADD and override.local_date is not None:
            for session in sessions:
                if (
                    session.id in added
                    and session.local_date == override.local_date
                    and session.kind is override.kind
                ):
                    found.setdefault(session.id, []).append(decision_words(override, zone))
    return {key: tuple(value) for key, value in found.items()}


def session_window(session: Session, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(session.local_date, session.start_time, tzinfo=zone)
    return start, start + timedelta(minutes=session.minutes)


def build_plan_view(
    athlete: Athlete,
    today: date,
    sessions: Sequence[Session],
    overrides: Sequence[Override],
    notes: Sequence[str],
    uid_host: str,
    days: Mapping[date, DayView],
) -> PlanView:
    """The view of the stored sessions, with their day classes and the runner's decisions."""
    zone = ZoneInfo(athlete.profile.timezone)
    decisions = _decisions(overrides, sessions, zone)
    views = []
    for session in sessions:
        start, end = session_window(session, zone)
        views.append(
            SessionView(
                session=session,
                uid=f"{session.id}@{uid_host}",
                start=start,
                end=end,
                day=days.get(session.local_date),
                decisions=decisions.get(session.id, ()),
            )
        )
    return PlanView(athlete, today, tuple(views), tuple(notes) if sessions else ())


def next_session(view: PlanView) -> SessionView | None:
    """Today's planned session, else the next one ahead."""
    ahead = [
        v
        for v in view.sessions
        if v.session.status is SessionStatus.PLANNED and v.session.local_date >= view.today
    ]
    return ahead[0] if ahead else None
