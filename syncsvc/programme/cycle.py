"""Where the runner is in the programme, week by week (P2, P3, P6).

The state is derived from history every time (sessions done or missed, weekly
load), never stored, so the same inputs always give the same week N. Each week
decides once, at its start, whether to progress, hold, step back, repeat or
move to the next block.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from syncsvc.domain import DayLoad, Session, SessionStatus, StrengthLevel, WeekLoad
from syncsvc.programme.catalogue import Catalogue
from syncsvc.programme.settings import ProgrammeSettings


class Decision(StrEnum):
    START = "start"
    PROGRESS = "progress"
    NEXT_BLOCK = "next_block"
    STAY = "stay"
    """Dose progresses but the block does not change yet (P2)."""
    HOLD = "hold"
    """Running load jumped: no progression this week (P3)."""
    STEP_BACK = "step_back"
    """Running load jumped a lot: one step back (P3)."""
    REPEAT = "repeat"
    """Two sessions missed in a row: the week repeats (P6)."""


@dataclass(frozen=True, slots=True)
class WeekState:
    week_start: date
    programme_week: int
    block_index: int
    block_week: int
    step: int
    decision: Decision
    reason: str


def week_start_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def programme_weeks(
    *,
    start: date,
    until: date,
    sessions_by_week: Mapping[date, Sequence[Session]],
    week_loads: Mapping[date, WeekLoad],
    day_loads: Mapping[date, DayLoad],
    today: date,
    level: StrengthLevel,
    catalogue: Catalogue,
    settings: ProgrammeSettings,
    held: Mapping[date, str] | None = None,
) -> dict[date, WeekState]:
    """The state of every week from the programme's first Monday to `until`'s week.

    `held` names weeks that must not progress and why (the basics after a low-back
    check-in, P4), so the programme resumes where it was.
    """
    first = week_start_of(start)
    states: dict[date, WeekState] = {
        first: WeekState(first, 1, 0, 1, 0, Decision.START, "week 1 of the programme")
    }
    previous = states[first]
    recent: list[SessionStatus] = []
    week = first + timedelta(days=7)
    last = week_start_of(until)
    while week <= last:
        recent.extend(
            session.status
            for session in sorted(sessions_by_week.get(previous.week_start, ()), key=_order)
            if session.status is not SessionStatus.CANCELLED
        )
        state = _decide(
            previous,
            week,
            recent,
            sessions_by_week,
            week_loads,
            day_loads,
            today,
            level,
            catalogue,
            settings,
            (held or {}).get(week, ""),
        )
        states[week] = state
        previous = state
        week += timedelta(days=7)
    return states


def _order(session: Session) -> tuple[date, str]:
    return session.local_date, session.id


def _decide(
    previous: WeekState,
    week: date,
    recent: Sequence[SessionStatus],
    sessions_by_week: Mapping[date, Sequence[Session]],
    week_loads: Mapping[date, WeekLoad],
    day_loads: Mapping[date, DayLoad],
    today: date,
    level: StrengthLevel,
    catalogue: Catalogue,
    settings: ProgrammeSettings,
    held_because: str,
) -> WeekState:
    number = previous.programme_week + 1
    missed = settings.missed_in_a_row_to_repeat
    tail = list(recent[-missed:])
    if len(tail) == missed and all(
        status in (SessionStatus.MISSED, SessionStatus.SKIPPED) for status in tail
    ):
        return WeekState(
            week,
            number,
            previous.block_index,
            previous.block_week,
            previous.step,
            Decision.REPEAT,
            f"the week repeats: the last {missed} sessions were missed (P6)",
        )
    block_week = previous.block_week + 1
    if held_because:
        return WeekState(
            week,
            number,
            previous.block_index,
            previous.block_week,
            previous.step,
            Decision.HOLD,
            held_because,
        )
    last_week = [
        s
        for s in sessions_by_week.get(previous.week_start, ())
        if s.status is not SessionStatus.CANCELLED
    ]
    if not last_week:
        return WeekState(
            week,
            number,
            previous.block_index,
            previous.block_week,
            previous.step,
            Decision.HOLD,
            "doses hold: no sessions last week, nothing to build on (P1)",
        )
    acwr = _max_acwr(week, week_loads, day_loads)
    if acwr is not None and acwr > settings.acwr_step_back:
        return WeekState(
            week,
            number,
            previous.block_index,
            block_week,
            max(previous.step - 1, 0),
            Decision.STEP_BACK,
            f"one step back: acute:chronic load ratio {acwr:.2f}, above {settings.acwr_step_back}"
            " (P3)",
        )
    held = _load_jump(week, week_loads, acwr, settings)
    if held:
        return WeekState(
            week,
            number,
            previous.block_index,
            block_week,
            previous.step,
            Decision.HOLD,
            f"progression held: {held} (P3)",
        )
    blocks = catalogue.blocks
    block = blocks[previous.block_index]
    if previous.block_week >= block.min_weeks and previous.block_index + 1 < len(blocks):
        share = _completion(week, sessions_by_week, today, settings.completion_window_weeks)
        needs = level is StrengthLevel.BEGINNER or settings.completion_applies_to_intermediate
        if not needs or share >= settings.completion_to_advance:
            following = blocks[previous.block_index + 1]
            return WeekState(
                week,
                number,
                previous.block_index + 1,
                1,
                0,
                Decision.NEXT_BLOCK,
                f"on to {following.name.lower()} after {previous.block_week} weeks of "
                f"{block.name.lower()} ({share:.0%} of sessions done, P2)",
            )
        return WeekState(
            week,
            number,
            previous.block_index,
            block_week,
            previous.step + 1,
            Decision.STAY,
            f"staying in {block.name.lower()}: {share:.0%} of sessions done in the last "
            f"{settings.completion_window_weeks} weeks, {settings.completion_to_advance:.0%}"
            " needed to move on (P2)",
        )
    return WeekState(
        week,
        number,
        previous.block_index,
        block_week,
        previous.step + 1,
        Decision.PROGRESS,
        f"week {block_week} of {block.name.lower()}",
    )


def _max_acwr(
    week: date, week_loads: Mapping[date, WeekLoad], day_loads: Mapping[date, DayLoad]
) -> float | None:
    figures = week_loads.get(week)
    if figures is not None and figures.max_acwr is not None:
        return figures.max_acwr
    values = [
        day.acwr
        for offset in range(7)
        if (day := day_loads.get(week + timedelta(days=offset))) is not None
        and day.acwr is not None
    ]
    return max(values) if values else None


def _load_jump(
    week: date, week_loads: Mapping[date, WeekLoad], acwr: float | None, settings: ProgrammeSettings
) -> str:
    figures = week_loads.get(week)
    if (
        figures is not None
        and figures.change_vs_previous is not None
        and figures.change_vs_previous > settings.distance_jump
    ):
        return f"your weekly distance rose {figures.change_vs_previous:.0%}"
    if acwr is not None and acwr > settings.acwr_hold:
        return f"acute:chronic load ratio {acwr:.2f}, above {settings.acwr_hold}"
    return ""


def _completion(
    week: date, sessions_by_week: Mapping[date, Sequence[Session]], today: date, window: int
) -> float:
    """Share of the last `window` weeks' sessions done; sessions still ahead count as done."""
    done = total = 0
    for back in range(1, window + 1):
        for session in sessions_by_week.get(week - timedelta(days=7 * back), ()):
            if session.status is SessionStatus.CANCELLED:
                continue
            total += 1
            if session.status is SessionStatus.DONE or (
                session.status is SessionStatus.PLANNED and session.local_date >= today
            ):
                done += 1
    return done / total if total else 0.0
