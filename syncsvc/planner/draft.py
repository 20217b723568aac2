"""A session's placement while a replan is under way, before its content is filled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from syncsvc.domain import Session, SessionKind, SessionOrigin, SessionStatus

OCCUPYING = (SessionStatus.PLANNED, SessionStatus.DONE)
KINDS = (SessionKind.CORE, SessionKind.HIP)


@dataclass(frozen=True, slots=True)
class Draft:
    """A session's placement before its content is filled in."""

    base: Session
    day: date
    start: time
    status: SessionStatus
    origin: SessionOrigin
    pinned: bool
    frozen: bool
    day_reasons: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    doubled: bool = False
    rpe: int | None = None
    note: str = ""
    how: str = ""
    forced: bool = False
    by: str = "you"
    """Who placed, skipped or marked it, as the athlete reads it ("your coach Maria")."""
