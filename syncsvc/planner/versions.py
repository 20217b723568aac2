"""Versions and changes: what visibly changed goes up one version, with `changed_at` = now.

Unchanged sessions keep their version and `changed_at` exactly (the feed's
SEQUENCE and DTSTAMP rely on it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from syncsvc.domain import Session, SessionStatus
from syncsvc.planner.model import Change


def versioned(
    sessions: Iterable[Session], stored: dict[str, Session], now: datetime
) -> tuple[list[Session], list[Change], list[str]]:
    final: list[Session] = []
    changes: list[Change] = []
    moved: list[str] = []
    for session in sessions:
        before = stored.get(session.id)
        if before is session:
            final.append(session)
            continue
        if before is None:
            if session.status is SessionStatus.CANCELLED:
                continue
            final.append(replace(session, version=0, changed_at=now, created_at=now))
            changes.append(Change(session.id, "added", "", _when(session), _first(session.reasons)))
            continue
        diffs = _diffs(before, session)
        if not diffs:
            final.append(replace(session, version=before.version, changed_at=before.changed_at))
            continue
        final.append(replace(session, version=before.version + 1, changed_at=now))
        for what, old, new in diffs:
            changes.append(Change(session.id, what, old, new, _reason_for(what, session.reasons)))
        if before.local_date != session.local_date:
            moved.append(session.id)
    return final, changes, moved


def _diffs(before: Session, after: Session) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    if before.local_date != after.local_date:
        out.append(("moved", before.local_date.isoformat(), after.local_date.isoformat()))
    if before.start_time != after.start_time:
        out.append(("time", f"{before.start_time:%H:%M}", f"{after.start_time:%H:%M}"))
    if before.status is not after.status:
        out.append(("status", before.status.value, after.status.value))
    if before.minutes != after.minutes:
        out.append(("minutes", str(before.minutes), str(after.minutes)))
    if before.content != after.content:
        out.append(("content", _content_words(before), _content_words(after)))
    if before.reasons != after.reasons or before.warnings != after.warnings:
        out.append(("reasons", "; ".join(before.reasons), "; ".join(after.reasons)))
    if (before.rpe, before.outcome_note) != (after.rpe, after.outcome_note):
        out.append(("outcome", str(before.rpe or ""), str(after.rpe or "")))
    return out


def _content_words(session: Session) -> str:
    if session.content is None:
        return ""
    items = ", ".join(f"{e.name} {e.dose}" for e in session.content.exercises)
    return f"{session.content.block} week {session.content.block_week}: {items}"


def _when(session: Session) -> str:
    return f"{session.local_date.isoformat()} {session.start_time:%H:%M}"


def _first(reasons: Sequence[str]) -> str:
    return reasons[0] if reasons else ""


def _reason_for(what: str, reasons: Sequence[str]) -> str:
    """The reason that explains this kind of change: the day's for a move, the
    programme's (P1-P7, S-rules) for new content."""
    if what == "content":
        for reason in reversed(reasons):
            if "(P" in reason or "(S" in reason or reason.startswith("week "):
                return reason
    return _first(reasons)
