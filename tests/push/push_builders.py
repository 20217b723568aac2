"""A store with one athlete and a two-week plan, built from domain types only."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from syncsvc.config import Settings
from syncsvc.domain import (
    Plan,
    PrescribedExercise,
    Session,
    SessionContent,
    SessionKind,
    SessionStatus,
    StrengthLevel,
)
from syncsvc.store.database import Store
from syncsvc.testing.stores import add_athlete, open_store

NOW = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
TODAY = date(2026, 12, 3)
HOST = "push.syncsvc.test"


def content(minutes: int = 25) -> SessionContent:
    return SessionContent(
        block="foundation",
        block_week=2,
        level=StrengthLevel.BEGINNER,
        minutes=minutes,
        warmup=(
            PrescribedExercise(
                "cat_cow", "Cat-cow", "1 × 8", sets=1, reps=8, cues=("Move from the pelvis",)
            ),
        ),
        exercises=(
            PrescribedExercise(
                "dead_bug",
                "Dead bug",
                "3 × 8 each side",
                sets=3,
                reps=8,
                tempo="3-1-3",
                cues=("Low back stays on the floor", "Breathe out as the leg lowers"),
            ),
            PrescribedExercise(
                "side_plank", "Side plank", "2 × 20 s hold", sets=2, hold_s=20, cues=("Hips up",)
            ),
            PrescribedExercise(
                "half_kneeling_pallof",
                "Half-kneeling Pallof press",
                "3 × 10 each side",
                sets=3,
                reps=10,
                band="light",
                cues=("Ribs over pelvis",),
            ),
        ),
        cooldown=(
            PrescribedExercise(
                "crocodile_breathing", "Crocodile breathing", "1 × 6 breaths", cues=("Slow",)
            ),
        ),
    )


def session(athlete_id: int, day: date, index: int, **changes: object) -> Session:
    base = Session(
        id=f"2026w49-{index:02d}",
        athlete_id=athlete_id,
        kind=SessionKind.CORE if index % 2 else SessionKind.HIP,
        local_date=day,
        start_time=time(18, 0),
        minutes=25,
        version=1,
        content=content(),
        reasons=("a rest day",),
        changed_at=NOW - timedelta(days=1),
        created_at=NOW - timedelta(days=2),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def two_week_plan(athlete_id: int) -> list[Session]:
    """Six sessions over the next two weeks: Mon, Wed, Fri style."""
    days = [TODAY + timedelta(days=offset) for offset in (0, 2, 4, 7, 9, 11)]
    return [session(athlete_id, day, index + 1) for index, day in enumerate(days)]


def make_store(tmp_path: Path) -> tuple[Store, Settings, int]:
    store = open_store(f"sqlite+pysqlite:///{tmp_path / 'store.db'}", uid_host=HOST)
    athlete = add_athlete(store, "ana")
    settings = Settings(home=tmp_path / "home")
    return store, settings, athlete.id


def save_plan(store: Store, athlete_id: int, sessions: list[Session]) -> None:
    with store.write() as tx:
        tx.athlete(athlete_id).sessions.save_plan(Plan(athlete_id, tuple(sessions)))


def replan(store: Store, athlete_id: int, session_id: str, **changes: object) -> Session:
    """What a replan does to one session: the change, a new version, a new stamp."""
    with store.write() as tx:
        scope = tx.athlete(athlete_id)
        current = scope.sessions.get(session_id)
        assert current is not None
        changed = replace(
            current,
            version=current.version + 1,
            changed_at=(current.changed_at or NOW) + timedelta(minutes=5),
            **changes,  # type: ignore[arg-type]
        )
        scope.sessions.save([changed])
    return changed


def stored(store: Store, athlete_id: int, session_id: str) -> Session:
    with store.read() as tx:
        found = tx.athlete(athlete_id).sessions.get(session_id)
    assert found is not None
    return found


CANCELLED = SessionStatus.CANCELLED
