"""Domain values for the feed tests, built from syncsvc.domain types only."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from syncsvc.domain import (
    Athlete,
    PrescribedExercise,
    Profile,
    Session,
    SessionContent,
    SessionKind,
    StrengthLevel,
)

HOST = "feeds.syncsvc.test"


def make_athlete(timezone: str = "Europe/Berlin", name: str = "Zoë Ørsted") -> Athlete:
    return Athlete(7, name, Profile(timezone=timezone), datetime(2026, 1, 1, tzinfo=UTC))


def make_session(
    day: date,
    *,
    session_id: str | None = None,
    kind: SessionKind = SessionKind.CORE,
    start: time = time(18, 0),
    minutes: int = 25,
    version: int = 1,
    changed_at: datetime | None = None,
    **changes: Any,
) -> Session:
    """A session with block-1 content, built from domain types only."""
    content = SessionContent(
        block="foundation",
        block_week=2,
        level=StrengthLevel.BEGINNER,
        minutes=minutes,
        warmup=(
            PrescribedExercise(
                "breathing", "Diaphragmatic breathing", "2 × 5 breaths", cues=("Ribs down",)
            ),
        ),
        exercises=(
            PrescribedExercise(
                "dead-bug",
                "Dead bug",
                "3 × 8 each side",
                sets=3,
                reps=8,
                tempo="3-1-3",
                cues=("Rücken bleibt am Boden; ausatmen, Bein senken", "second cue, unused"),
            ),
            PrescribedExercise(
                "clamshell",
                "Clamshell",
                "3 × 12 each side",
                band="light",
                cues=("膝を開く, pelvis still",),
            ),
        ),
        cooldown=(
            PrescribedExercise("child-pose", "Child's pose", "1 × 60 s", cues=("Breathe slowly",)),
        ),
    )
    defaults: dict[str, Any] = {
        "athlete_id": 7,
        "content": content,
        "reasons": (f"W4: {day:%A} is an easy 6 km day.",),
        "created_at": datetime(2026, 1, 1, 8, 0, tzinfo=UTC),
    }
    defaults.update(changes)
    return Session(
        id=session_id or f"s-{day:%Y%m%d}-{kind}",
        kind=kind,
        local_date=day,
        start_time=start,
        minutes=minutes,
        version=version,
        changed_at=changed_at or datetime(2026, 1, 2, 9, 30, tzinfo=UTC),
        **defaults,
    )
