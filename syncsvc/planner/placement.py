"""Placing one week's sessions: hard rules as constraints, preferences as a score.

A week holds at most four sessions the planner may move and seven days, so an
exact search (backtracking with a bound) is cheap and gives the best placement,
not a greedy guess. It tries, in order: every session on its own day; then, if
the setting allows, a core+hip double on a rest day (W3); then dropping as few
sessions as possible. W4 and W5 are never relaxed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from syncsvc.domain import DayClass, SessionKind
from syncsvc.planner.days import Calendar
from syncsvc.planner.rules import Placed, day_breaks
from syncsvc.planner.scoring import day_score, spread_penalty
from syncsvc.planner.settings import PlannerSettings


@dataclass(frozen=True, slots=True)
class Slot:
    """A session the planner may place this week."""

    id: str
    kind: SessionKind
    ordinal: int
    current_day: date | None = None
    """Its day in the stored calendar, when it has one still ahead (stability)."""


@dataclass(frozen=True, slots=True)
class WeekPlacement:
    days: dict[str, date | None]
    """Slot id -> its day, or None when the week could not hold it."""
    doubled: frozenset[str]
    """Slots sharing a rest day with a session of the other kind (W3 setting)."""


def place_week(
    slots: Sequence[Slot],
    fixed: Sequence[Placed],
    open_days: Sequence[date],
    calendar: Calendar,
    settings: PlannerSettings,
) -> WeekPlacement:
    """The best placement of `slots` on `open_days` around the `fixed` sessions."""
    if not slots:
        return WeekPlacement({}, frozenset())
    heaviest = max((calendar.info(day).load for day in open_days), default=0.0)
    base = {day: day_score(day, calendar, settings, heaviest) for day in open_days}
    tiers = [(False, False)]
    if settings.allow_rest_day_double:
        tiers.append((True, False))
    tiers.append((settings.allow_rest_day_double, True))
    for allow_double, allow_drop in tiers:
        found = _search(slots, fixed, open_days, calendar, settings, base, allow_double, allow_drop)
        if found is not None:
            doubled = _doubled(slots, found, fixed)
            return WeekPlacement(dict(zip((s.id for s in slots), found, strict=True)), doubled)
    raise AssertionError("dropping every session is always a solution")


def _search(
    slots: Sequence[Slot],
    fixed: Sequence[Placed],
    open_days: Sequence[date],
    calendar: Calendar,
    settings: PlannerSettings,
    base: dict[date, float],
    allow_double: bool,
    allow_drop: bool,
) -> list[date | None] | None:
    options: list[list[tuple[date | None, float]]] = []
    for slot in slots:
        choices: list[tuple[date | None, float]] = []
        for day in open_days:
            if day_breaks(slot.kind, day, calendar):
                continue
            if any(
                _clash(slot.kind, day, f.kind, f.day, calendar, settings, allow_double)
                for f in fixed
            ):
                continue
            score = base[day] - sum(spread_penalty(day, f.day, settings) for f in fixed)
            if slot.current_day == day:
                score += settings.score_keep
            choices.append((day, score))
        if allow_drop:
            # Dropping a kind's first session costs more: keep core and hip balanced (W1).
            cost = settings.score_drop * (1.1 if slot.ordinal == 1 else 1.0)
            choices.append((None, -cost))
        if not choices:
            return None
        choices.sort(key=lambda choice: -choice[1])
        options.append(choices)
    bounds = [0.0] * (len(slots) + 1)
    for index in range(len(slots) - 1, -1, -1):
        bounds[index] = bounds[index + 1] + options[index][0][1]
    best: list[date | None] | None = None
    best_score = float("-inf")
    chosen: list[date | None] = []

    def walk(index: int, score: float) -> None:
        nonlocal best, best_score
        if score + bounds[index] <= best_score:
            return
        if index == len(slots):
            best, best_score = list(chosen), score
            return
        kind = slots[index].kind
        for day, value in options[index]:
            extra = 0.0
            if day is not None:
                clash = False
                for other_index, other_day in enumerate(chosen):
                    if other_day is None:
                        continue
                    other_kind = slots[other_index].kind
                    if _clash(kind, day, other_kind, other_day, calendar, settings, allow_double):
                        clash = True
                        break
                    extra -= spread_penalty(day, other_day, settings)
                if clash:
                    continue
            chosen.append(day)
            walk(index + 1, score + value + extra)
            chosen.pop()

    walk(0, 0.0)
    return best


def _clash(
    kind: SessionKind,
    day: date,
    other_kind: SessionKind,
    other_day: date,
    calendar: Calendar,
    settings: PlannerSettings,
    allow_double: bool,
) -> bool:
    """W2 and W3 between two sessions, as a quick yes/no."""
    gap = abs((day - other_day).days)
    if kind is other_kind:
        return gap < settings.min_gap_days
    if gap:
        return False
    return not (allow_double and calendar.info(day).day_class is DayClass.REST)


def _doubled(
    slots: Sequence[Slot], days: Sequence[date | None], fixed: Sequence[Placed]
) -> frozenset[str]:
    taken = [day for day in days if day is not None] + [f.day for f in fixed]
    return frozenset(
        slot.id
        for slot, day in zip(slots, days, strict=True)
        if day is not None and taken.count(day) > 1
    )
