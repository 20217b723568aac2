"""The past: sessions whose start has passed settle as done, skipped or missed (and stay)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

from syncsvc.domain import Session, SessionStatus, Sport
from syncsvc.planner.days import Calendar
from syncsvc.planner.draft import Draft
from syncsvc.planner.model import PlanInputs
from syncsvc.planner.overrides import Control, Controls
from syncsvc.programme.cycle import week_start_of


def freeze_past(
    stored: dict[str, Session],
    controls: Controls,
    inputs: PlanInputs,
    calendar: Calendar,
    drafts: dict[str, Draft],
) -> Counter[date]:
    """Sessions whose start has passed keep day and content; only their status settles.

    Returns the strength activities per day that no session has claimed yet.
    """
    watch = Counter(
        activity.local_date
        for activity in inputs.strength_activities
        if activity.sport in (Sport.STRENGTH, Sport.MOBILITY)
    )
    # Sessions settled long ago stay as stored, untouched; recent ones are drafted so
    # the weeks being placed see them (W1 counts, W2 spacing across the week boundary).
    horizon_start = week_start_of(inputs.today) - timedelta(days=14)
    by_day: dict[date, list[Session]] = defaultdict(list)
    untouched = (SessionStatus.DONE, SessionStatus.MISSED, SessionStatus.SKIPPED)
    for session in stored.values():
        day = session.local_date
        if (
            day < horizon_start
            and session.status in untouched
            and session.id not in controls.by_session
            and not watch.get(day)
        ):
            continue  # settled long ago and nothing new about it (the common case)
        if not calendar.is_open(day, session.start_time):
            by_day[day].append(session)
    for day, sessions in by_day.items():
        left = watch.get(day, 0)
        ordered = sorted(sessions, key=lambda s: (s.status is not SessionStatus.DONE, s.id))
        for session in ordered:
            control = controls.by_session.get(session.id, Control())
            status = control.status or session.status
            if day < horizon_start and _settled(session, control, left):
                if status is SessionStatus.DONE:
                    left -= 1
                continue  # already frozen: it stays as stored, untouched
            if status is SessionStatus.DONE:
                left -= 1
            elif status in (SessionStatus.PLANNED, SessionStatus.MISSED) and left > 0:
                status, left = SessionStatus.DONE, left - 1
            elif status is SessionStatus.PLANNED and day < inputs.today:
                status = SessionStatus.MISSED
            drafts[session.id] = Draft(
                base=session,
                day=session.local_date,
                start=session.start_time,
                status=status,
                origin=session.origin,
                pinned=session.pinned,
                frozen=True,
                rpe=control.rpe if control.rpe is not None else session.rpe,
                note=control.note or session.outcome_note,
            )
        watch[day] = left
    return watch


def _settled(session: Session, control: Control, activities_left: int) -> bool:
    """A past session whose status is final and that no new evidence changes."""
    if session.status is SessionStatus.PLANNED:
        return False
    if control.status is not None and control.status is not session.status:
        return False
    if control.rpe is not None and control.rpe != session.rpe:
        return False
    if control.note and control.note != session.outcome_note:
        return False
    return session.status is not SessionStatus.MISSED or activities_left == 0
