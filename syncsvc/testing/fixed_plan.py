"""A plausible plan built directly from domain types, for benchmarks and tests.

Not the planner: fixed weekdays (hip Mon/Thu, core Tue/Fri, W2 spacing), block 1
content from the article (S2, S4, S5), and a rest-day mobility block (W6).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from syncsvc.domain import (
    MobilityBlock,
    PrescribedExercise,
    Session,
    SessionContent,
    SessionKind,
    StrengthLevel,
)

_FEET = PrescribedExercise(
    "foot-doming",
    "Foot doming",
    "2 × 8 each foot",
    sets=2,
    reps=8,
    cues=("Lift the arch, toes stay long and relaxed",),
)
_BREATH = PrescribedExercise(
    "diaphragmatic-breathing",
    "Diaphragmatic breathing",
    "2 × 5 breaths",
    sets=2,
    reps=5,
    cues=("Ribs down; breathe into the belly, then brace gently",),
)
_CORE = (
    PrescribedExercise(
        "dead-bug",
        "Dead bug",
        "3 × 8 each side",
        sets=3,
        reps=8,
        tempo="3-1-3",
        cues=("Low back stays heavy on the floor; exhale as the leg lowers",),
    ),
    PrescribedExercise(
        "bird-dog",
        "Bird-dog",
        "3 × 8 each side",
        sets=3,
        reps=8,
        tempo="2-2-2",
        cues=("Reach long, no rotation: keep a glass of water level on your back",),
    ),
    PrescribedExercise(
        "glute-bridge",
        "Glute bridge",
        "3 × 10",
        sets=3,
        reps=10,
        tempo="2-1-3",
        cues=("Squeeze the glutes; no lumbar arch at the top",),
    ),
)
_HIP = (
    PrescribedExercise(
        "clamshell",
        "Clamshell",
        "3 × 12 each side",
        sets=3,
        reps=12,
        band="light",
        cues=("Heels together, pelvis still: the knee opens from the hip",),
    ),
    PrescribedExercise(
        "side-lying-leg-raise",
        "Side-lying leg raise",
        "3 × 10 each side",
        sets=3,
        reps=10,
        cues=("Toes slightly down, lead with the heel",),
    ),
    PrescribedExercise(
        "monster-walk",
        "Monster walk",
        "3 × 10 steps each way",
        sets=3,
        reps=10,
        band="light",
        cues=("Stay low, knees out over the toes",),
    ),
    PrescribedExercise(
        "single-leg-balance",
        "Single-leg balance",
        "2 × 30 s each side",
        sets=2,
        hold_s=30,
        cues=("Soft knee, tall spine",),
    ),
)
_COOLDOWN = (
    PrescribedExercise(
        "hip-flexor-stretch",
        "Half-kneeling hip flexor stretch",
        "2 × 30 s each side",
        sets=2,
        hold_s=30,
        cues=("Tuck the pelvis under before you lean",),
    ),
)

_WEEK = (
    (0, SessionKind.HIP, "W4: Monday is a rest day."),
    (1, SessionKind.CORE, "W4: Tuesday is an easy 6 km day."),
    (3, SessionKind.HIP, "W4: Thursday is an easy 5 km day; W5 keeps hip work off Friday."),
    (4, SessionKind.CORE, "W4: Friday is a rest day; core work is fine before the long run."),
)


def demo_sessions(
    athlete_id: int,
    first_monday: date,
    weeks: int,
    *,
    start_time: time = time(18, 0),
    minutes: int = 25,
    changed_at: datetime | None = None,
) -> tuple[Session, ...]:
    """Four sessions a week for `weeks` weeks from `first_monday`, ids stable per day and kind."""
    stamp = changed_at or datetime.combine(first_monday, time(6, 0), UTC)
    sessions = []
    for week in range(weeks):
        for weekday, kind, reason in _WEEK:
            day = first_monday + timedelta(days=7 * week + weekday)
            content = SessionContent(
                block="foundation",
                block_week=week % 4 + 1,
                level=StrengthLevel.BEGINNER,
                minutes=minutes,
                warmup=(_FEET, _BREATH),
                exercises=_CORE if kind is SessionKind.CORE else _HIP,
                cooldown=_COOLDOWN,
                form_check=(week % 4 == 3 and weekday == 1),
            )
            sessions.append(
                Session(
                    id=f"a{athlete_id}-{day:%Y%m%d}-{kind}",
                    athlete_id=athlete_id,
                    kind=kind,
                    local_date=day,
                    start_time=start_time,
                    minutes=minutes,
                    content=content,
                    reasons=(reason,),
                    version=1,
                    changed_at=stamp,
                    created_at=stamp,
                )
            )
    return tuple(sessions)


def demo_mobility(first_monday: date, weeks: int) -> tuple[MobilityBlock, ...]:
    """A 10-minute W6 block on each Wednesday and Sunday."""
    return tuple(
        MobilityBlock(first_monday + timedelta(days=7 * week + weekday), 10, (_BREATH,))
        for week in range(weeks)
        for weekday in (2, 6)
    )
