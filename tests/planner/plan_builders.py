"""Builders for planner tests: DayLoad/WeekLoad series made directly, no load model."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from syncsvc.domain import (
    CheckIn,
    DayClass,
    DayLoad,
    Override,
    OverrideAction,
    Profile,
    Session,
    SessionStatus,
    StrengthLevel,
    WeekLoad,
)
from syncsvc.planner.model import PlanInputs, PlanResult
from syncsvc.planner.replan import replan
from syncsvc.planner.settings import PlannerSettings
from syncsvc.programme.catalogue import Catalogue, load_catalogue

CATALOGUE: Catalogue = load_catalogue()
SETTINGS = PlannerSettings()

LETTERS = {
    "R": DayClass.REST,
    "E": DayClass.EASY,
    "M": DayClass.MODERATE,
    "H": DayClass.HARD,
    "L": DayClass.LONG,
    "X": DayClass.RACE,
}
LOADS = {"R": 0.0, "E": 40.0, "M": 70.0, "H": 110.0, "L": 150.0, "X": 200.0}
WORDS = {
    "R": "",
    "E": "easy run",
    "M": "steady run",
    "H": "intervals",
    "L": "long run",
    "X": "race",
}

MONDAY = date(2026, 11, 2)
"""A Monday: most scenarios start here."""


def days_from_pattern(
    start: date, pattern: str, today: date, *, acwr: float | None = None
) -> list[DayLoad]:
    """One DayLoad per letter (R rest, E easy, M moderate, H hard, L long, X race)."""
    out = []
    for offset, letter in enumerate(pattern):
        day = start + timedelta(days=offset)
        out.append(
            DayLoad(
                day=day,
                load=LOADS[letter],
                day_class=LETTERS[letter],
                reason=WORDS[letter],
                forecast=day >= today,
                distance_m=LOADS[letter] * 100,
                acwr=acwr,
            )
        )
    return out


def weekly(pattern: str, weeks: int) -> str:
    return pattern * weeks


def noon(day: date) -> datetime:
    return datetime.combine(day, time(8, 0), tzinfo=UTC)


def profile(**changes: Any) -> Profile:
    return replace(Profile(timezone="UTC", level=StrengthLevel.BEGINNER), **changes)


def make_inputs(
    *,
    today: date,
    days: Sequence[DayLoad],
    current: Sequence[Session] = (),
    weeks: Sequence[WeekLoad] = (),
    prof: Profile | None = None,
    now: datetime | None = None,
    **kwargs: Any,
) -> PlanInputs:
    return PlanInputs(
        athlete_id=7,
        profile=prof or profile(),
        now=now or noon(today),
        today=today,
        days=tuple(days),
        weeks=tuple(weeks),
        current=tuple(current),
        **kwargs,
    )


def run(inputs: PlanInputs, settings: PlannerSettings = SETTINGS) -> PlanResult:
    return replan(inputs, settings, CATALOGUE)


def live(sessions: Sequence[Session]) -> list[Session]:
    return [s for s in sessions if s.status is not SessionStatus.CANCELLED]


def simulate(
    *,
    start: date,
    days_count: int,
    pattern_for: Callable[[date], Sequence[DayLoad]],
    prof: Profile | None = None,
    settings: PlannerSettings = SETTINGS,
    done: bool = True,
    weeks_for: Callable[[date], Sequence[WeekLoad]] | None = None,
    checkins_for: Callable[[date], Sequence[CheckIn]] | None = None,
) -> list[PlanResult]:
    """Replan every morning from `start` for `days_count` days; the runner does every session.

    `pattern_for(today)` returns the DayLoads known that morning (series + forecast).
    Sessions in the past are marked done by a hand override when `done`.
    """
    results: list[PlanResult] = []
    current: tuple[Session, ...] = ()
    overrides: list[Override] = []
    for offset in range(days_count):
        today = start + timedelta(days=offset)
        if done:
            for session in current:
                if (
                    session.local_date == today - timedelta(days=1)
                    and session.status is SessionStatus.PLANNED
                ):
                    overrides.append(
                        Override(
                            athlete_id=7,
                            action=OverrideAction.DONE,
                            at=noon(today) - timedelta(hours=1),
                            session_id=session.id,
                        )
                    )
        weeks = weeks_for(today) if weeks_for is not None else ()
        inputs = make_inputs(
            today=today,
            days=pattern_for(today),
            current=current,
            prof=prof,
            overrides=tuple(overrides),
            weeks=weeks,
            checkins=tuple(checkins_for(today)) if checkins_for is not None else (),
        )
        result = replan(inputs, settings, CATALOGUE)
        results.append(result)
        current = result.plan.sessions
    return results
