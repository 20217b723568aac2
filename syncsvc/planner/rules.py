"""The hard rules of placement (W1-W5 and the athlete's own limits).

Each check returns `RuleBreak`s naming the rule id from docs/program-rules.md and
a sentence a runner understands. The planner never breaks them for a session it
places itself; a session the runner placed may break W4/W5 later, and then says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import TYPE_CHECKING

from syncsvc.domain import DayClass, SessionKind
from syncsvc.planner.days import DAY_NAMES, Calendar, DayInfo
from syncsvc.planner.model import RuleBreak

if TYPE_CHECKING:
    from syncsvc.planner.settings import PlannerSettings


@dataclass(frozen=True, slots=True)
class Placed:
    """A session occupying a day, as the pairwise rules (W2, W3) see it."""

    id: str
    kind: SessionKind
    day: date


def day_breaks(kind: SessionKind, day: date, calendar: Calendar) -> list[RuleBreak]:
    """Rules about the day alone: unavailable days, W4, W5."""
    breaks: list[RuleBreak] = []
    name = DAY_NAMES[day.weekday()]
    if day.weekday() in calendar.profile.unavailable_weekdays:
        breaks.append(RuleBreak("unavailable", f"{name}s are marked unavailable in your profile"))
    elif day in calendar.profile.unavailable_dates:
        breaks.append(RuleBreak("unavailable", f"{day.isoformat()} is marked unavailable"))
    info = calendar.info(day)
    if info.day_class.is_demanding:
        breaks.append(
            RuleBreak(
                "W4",
                f"{name} holds {event_words(info, with_day=False)}: "
                "strength goes on rest days or lighter days",
            )
        )
    if kind is SessionKind.HIP:
        following = calendar.info(day + timedelta(days=1))
        if following.day_class.is_demanding:
            breaks.append(
                RuleBreak(
                    "W5",
                    f"{name} is the day before {event_words(following)}: no hip session "
                    "the day before a hard run, a long run or a race",
                )
            )
    return breaks


_CLASS_NOUNS = {
    DayClass.HARD: "hard run",
    DayClass.LONG: "long run",
    DayClass.RACE: "race",
    DayClass.MODERATE: "moderate run",
    DayClass.EASY: "easy run",
    DayClass.REST: "rest day",
}


def event_words(info: DayInfo, *, with_day: bool = True) -> str:
    """What a day holds, as a runner says it: "your Tuesday intervals", "your Sunday long run".

    A planned workout gives its title; a declared, learned or assumed day its class.
    """
    reason = info.reason.strip()
    noun = _CLASS_NOUNS[info.day_class]
    if reason.startswith("planned") and ": " in reason:
        noun = reason.split(": ", 1)[1].strip() or noun
    elif reason and not reason.startswith(("your usual week", "usually", "no plan")):
        noun = _short(reason).split(": ")[0].strip() or noun
    return f"your {info.name} {noun}" if with_day else f"your {noun}"


def pair_breaks(
    kind: SessionKind,
    day: date,
    others: Iterable[Placed],
    calendar: Calendar,
    settings: PlannerSettings,
    *,
    allow_double: bool = False,
) -> list[RuleBreak]:
    """Rules between sessions: W2 spacing of one kind, W3 one session a day."""
    breaks: list[RuleBreak] = []
    name = DAY_NAMES[day.weekday()]
    for other in others:
        gap = abs((other.day - day).days)
        if other.kind is kind and gap < settings.min_gap_days:
            breaks.append(
                RuleBreak(
                    "W2",
                    f"another {kind.value} session is on {DAY_NAMES[other.day.weekday()]} "
                    f"{other.day.isoformat()}: two {kind.value} sessions need at least "
                    f"{settings.min_gap_days} days between them",
                )
            )
        elif gap == 0 and not (
            allow_double
            and other.kind is not kind
            and calendar.info(day).day_class is DayClass.REST
        ):
            breaks.append(
                RuleBreak("W3", f"{name} already holds a {other.kind.value} session: one a day")
            )
    return breaks


def time_breaks(day: date, start: time, calendar: Calendar) -> list[RuleBreak]:
    if calendar.is_open(day, start):
        return []
    return [RuleBreak("past", "that time has passed: only the future can be planned")]


def rule_words(breaks: Iterable[RuleBreak]) -> str:
    """Breaks as one plain sentence, no rule ids: "Monday is the day before ...; ..."."""
    return "; ".join(b.message for b in breaks)


def _short(what: str) -> str:
    """ "intervals 6x800 (hard run)" -> "intervals 6x800"."""
    return what.split(" (")[0]
