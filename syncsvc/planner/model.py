"""What the planner takes and gives back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from syncsvc.domain import (
    Activity,
    CheckIn,
    DayLoad,
    Override,
    Plan,
    Profile,
    Session,
    SessionKind,
    WeekLoad,
)


@dataclass(frozen=True, slots=True)
class PlanInputs:
    """Everything one replan reads; the service gathers it, the planner does no I/O.

    `days` holds the past series and the forecast (`forecast=True`); `current` is the
    stored plan including past and cancelled sessions; `overrides` and `checkins` are
    the append-only logs; `strength_activities` mark past sessions done.
    """

    athlete_id: int
    profile: Profile
    now: datetime
    today: date
    days: Sequence[DayLoad] = ()
    weeks: Sequence[WeekLoad] = ()
    current: Sequence[Session] = ()
    overrides: Sequence[Override] = ()
    checkins: Sequence[CheckIn] = ()
    strength_activities: Sequence[Activity] = ()
    horizon_weeks: int = 2
    id_namespace: str = ""
    """The installation's namespace mixed into session ids ("" for a store made before it)."""


@dataclass(frozen=True, slots=True)
class Change:
    """One visible change a replan made, for `syncsvc replan` to print."""

    session_id: str
    what: str
    """added, moved, time, status, content, minutes, reasons."""
    before: str
    after: str
    reason: str


@dataclass(frozen=True, slots=True)
class PlanResult:
    plan: Plan
    changes: tuple[Change, ...] = ()
    moved: tuple[str, ...] = ()
    """Ids of sessions that changed day (the stability figure counts these)."""
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class RuleBreak:
    """A rule a placement breaks: the id from program-rules.md and a plain sentence."""

    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


LEGACY_NAMESPACE = ""
"""Stores made before installations had a namespace keep their ids (and override log)."""


def session_id(
    athlete_id: int, day: date, kind: SessionKind, ordinal: int, namespace: str = LEGACY_NAMESPACE
) -> str:
    """A stable, typeable id from (installation, athlete, ISO week, kind, ordinal).

    10 base-32 characters; the alphabet drops 0/1/8/9 lookalikes so the id is easy to
    type from a calendar. `namespace` is the installation's random namespace, so two
    homes whose athletes share a local id never publish the same calendar UID.
    """
    year, week, _ = day.isocalendar()
    prefix = f"{namespace}/" if namespace else ""
    key = f"{prefix}{athlete_id}:{year}-W{week:02d}:{kind.value}:{ordinal}".encode()
    # Imported here: the plan's read path (`plan`, `today`) loads this module, never makes ids.
    import hashlib  # noqa: PLC0415

    digest = hashlib.blake2b(key, digest_size=8).digest()
    number = int.from_bytes(digest, "big")
    alphabet = "abcdefghijkmnpqrstuvwxyz234567"
    chars = []
    for _ in range(10):
        number, index = divmod(number, len(alphabet))
        chars.append(alphabet[index])
    return "".join(chars)
