"""The days ahead: each future day's class, load, reason and where they came from.

Precedence, most certain first: a planned workout from an imported training plan, then
the runner's declared week (`Profile.long_run_days`, `hard_days`, `rest_days`),
then the pattern learned from the last six weeks (per weekday, the most common
class, ties going to the harder class, with the share of weeks as confidence),
then a default. A forecast day's load is the median load of the athlete's
recent days of that class, so the acute and chronic curves can run ahead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from syncsvc.domain import ClassSource, DayClass, PlannedWorkout, Profile
from syncsvc.load.classify import RANK, RANK_OF
from syncsvc.load.columns import day_number
from syncsvc.load.series import weekday_of
from syncsvc.load.settings import ForecastSettings

if TYPE_CHECKING:
    from syncsvc.load.columns import IntArray
    from syncsvc.load.trimp import FloatArray

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class ForecastDay:
    day_n: int
    day_class: DayClass
    reason: str
    source: ClassSource
    confidence: float
    load: float
    distance_m: float


@dataclass(frozen=True, slots=True, eq=False)
class PastDays:
    """The past series the forecast learns from (index 0 = `start`)."""

    start: int
    rank: IntArray
    load: FloatArray
    distance_m: FloatArray
    known_from: int
    """Day number of the first activity: zero days before it are not the runner's habit."""


def forecast_days(
    past: PastDays,
    first_day: int,
    last_day: int,
    profile: Profile,
    planned: Sequence[PlannedWorkout],
    settings: ForecastSettings,
) -> tuple[ForecastDay, ...]:
    """One `ForecastDay` for each day number from `first_day` to `last_day` inclusive."""
    plans = _plans_by_day(planned, first_day, last_day)
    declared = _declared_pattern(profile)
    learned = _learned_pattern(past, settings)
    typical = _typical_days(past, settings)
    days: list[ForecastDay] = []
    for day_n in range(first_day, last_day + 1):
        weekday = weekday_of(day_n)
        name = WEEKDAYS[weekday]
        if day_n in plans:
            workout = plans[day_n]
            source_note = f" ({workout.source_name})" if workout.source_name else ""
            day_class, source = workout.day_class, ClassSource.PLAN
            reason = f"planned{source_note}: {workout.title}"
            confidence = settings.plan_confidence
            load, distance = typical[day_class]
        elif weekday in declared:
            day_class, label = declared[weekday]
            source, confidence = ClassSource.DECLARED, settings.declared_confidence
            reason = f"your usual week: {label} on {name}s"
            load, distance = typical[day_class]
        elif weekday in learned:
            day_class, count, seen, load, distance = learned[weekday]
            source, confidence = ClassSource.LEARNED, count / seen
            reason = f"usually {day_class.value} on {name}s: {count} of the last {seen} weeks"
        else:
            day_class, source, confidence = settings.default_class, ClassSource.DEFAULT, 0.0
            reason = f"no plan or recent history for {name}s: assumed {day_class.value}"
            load, distance = typical[day_class]
        days.append(ForecastDay(day_n, day_class, reason, source, confidence, load, distance))
    return tuple(days)


def _plans_by_day(
    planned: Sequence[PlannedWorkout], first_day: int, last_day: int
) -> dict[int, PlannedWorkout]:
    """The hardest planned workout of each day in range."""
    chosen: dict[int, PlannedWorkout] = {}
    for workout in planned:
        day_n = day_number(workout.day)
        if not first_day <= day_n <= last_day:
            continue
        current = chosen.get(day_n)
        if current is None or RANK_OF[workout.day_class] > RANK_OF[current.day_class]:
            chosen[day_n] = workout
    return chosen


def _declared_pattern(profile: Profile) -> dict[int, tuple[DayClass, str]]:
    """Weekday → class from the profile; a weekday in two lists takes the harder class."""
    pattern: dict[int, tuple[DayClass, str]] = {}
    for weekdays, day_class, label in (
        (profile.rest_days, DayClass.REST, "rest day"),
        (profile.hard_days, DayClass.HARD, "hard run"),
        (profile.long_run_days, DayClass.LONG, "long run"),
    ):
        for weekday in weekdays:
            pattern[weekday % 7] = (day_class, label)
    return pattern


def _learned_pattern(
    past: PastDays, settings: ForecastSettings
) -> dict[int, tuple[DayClass, int, int, float, float]]:
    """Weekday → (class, weeks with it, weeks seen, median load, median distance)."""
    import numpy as np

    size = past.rank.size
    known = past.start + size - past.known_from
    window = max(min(size, 7 * settings.learned_weeks, known), 0)
    pattern: dict[int, tuple[DayClass, int, int, float, float]] = {}
    if window <= 0:
        return pattern
    ranks = past.rank[size - window :]
    loads = past.load[size - window :]
    distances = past.distance_m[size - window :]
    first_weekday = weekday_of(past.start + size - window)
    weekdays = (first_weekday + np.arange(window)) % 7
    for weekday in range(7):
        mask = weekdays == weekday
        seen = int(mask.sum())
        if seen < settings.learned_min_weeks:
            continue
        counts = np.bincount(ranks[mask], minlength=len(RANK))
        # argmax over the reversed counts: ties go to the harder class.
        rank = len(RANK) - 1 - int(np.argmax(counts[::-1]))
        same = mask & (ranks == rank)
        pattern[weekday] = (
            RANK[rank],
            int(counts[rank]),
            seen,
            float(np.median(loads[same])),
            float(np.median(distances[same])),
        )
    return pattern


def _typical_days(
    past: PastDays, settings: ForecastSettings
) -> dict[DayClass, tuple[float, float]]:
    """Class → (median load, median distance) of recent days of that class."""
    import numpy as np

    typical: dict[DayClass, tuple[float, float]] = {}
    recent_from = max(past.rank.size - settings.typical_load_days, 0)
    for rank, day_class in enumerate(RANK):
        for start in (recent_from, 0):
            same = np.flatnonzero(past.rank[start:] == rank) + start
            if same.size:
                typical[day_class] = (
                    float(np.median(past.load[same])),
                    float(np.median(past.distance_m[same])),
                )
                break
        else:
            typical[day_class] = (settings.default_load.get(day_class, 0.0), 0.0)
    return typical
