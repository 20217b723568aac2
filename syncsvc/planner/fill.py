"""Content and reasons for every session ahead (S1-S7, P1-P7, W6, W7).

Where the runner is in the programme is derived from the whole history of
sessions and load (`programme_weeks`), then each session gets its content for
its week, with the check-ins applied (P4 basics, P5 swaps).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from syncsvc.domain import (
    CheckIn,
    DayClass,
    DayLoad,
    MobilityBlock,
    Session,
    SessionStatus,
    WeekLoad,
)
from syncsvc.load.ratio_history import ratio_from, ratio_means_something
from syncsvc.planner.days import DAY_NAMES, Calendar
from syncsvc.planner.draft import OCCUPYING, Draft
from syncsvc.planner.model import PlanInputs
from syncsvc.planner.settings import PlannerSettings
from syncsvc.programme.catalogue import Catalogue
from syncsvc.programme.content import ContentRequest, build_content, rest_day_items
from syncsvc.programme.cycle import WeekState, programme_weeks, week_start_of


def meaningful_ratios(
    days: Sequence[DayLoad], weeks: Sequence[WeekLoad]
) -> tuple[list[DayLoad], dict[date, WeekLoad]]:
    """The load figures with the acute:chronic ratio left out where the load chart leaves
    it out (under 3 weeks of runs behind it), so P3 never acts on a meaningless ratio.

    A week that starts before that day loses its weekly peak; P3 then reads the
    ratios of its days that mean something, if any.
    """
    since = ratio_from(days)
    kept_days = [
        day if ratio_means_something(day.day, since) else replace(day, acwr=None) for day in days
    ]
    kept_weeks = {
        week.week_start: (
            week if ratio_means_something(week.week_start, since) else replace(week, max_acwr=None)
        )
        for week in weeks
    }
    return kept_days, kept_weeks


def fill(
    drafts: dict[str, Draft],
    stored: dict[str, Session],
    inputs: PlanInputs,
    calendar: Calendar,
    settings: PlannerSettings,
    catalogue: Catalogue,
    weeks: Sequence[date],
) -> tuple[list[Session], list[str]]:
    """Content and reasons for every session still ahead; the past keeps its own."""
    sessions_by_week: dict[date, list[Session]] = defaultdict(list)
    for draft in drafts.values():
        base = draft.base
        if (base.local_date, base.status) != (draft.day, draft.status):
            base = replace(base, local_date=draft.day, status=draft.status)
        sessions_by_week[week_start_of(draft.day)].append(base)
    for session in stored.values():
        if session.id not in drafts:
            sessions_by_week[week_start_of(session.local_date)].append(session)
    start = min(sessions_by_week, default=week_start_of(inputs.today))
    until = max(weeks, default=week_start_of(inputs.today))
    zone = ZoneInfo(inputs.profile.timezone)
    checkins = sorted(inputs.checkins, key=lambda c: c.at)
    windows = basics_windows(checkins, zone, settings)
    day_loads, week_loads = meaningful_ratios(inputs.days, inputs.weeks)
    states = programme_weeks(
        start=min(start, week_start_of(inputs.today)),
        until=until,
        sessions_by_week=sessions_by_week,
        week_loads=week_loads,
        day_loads={day.day: day for day in day_loads if day.day >= start},
        today=inputs.today,
        level=inputs.profile.level,
        catalogue=catalogue,
        settings=settings.programme,
        held=_held_weeks(windows),
    )
    sore = _sore_ids(checkins, catalogue)
    form_check_ids = _form_checks(drafts, states, settings)
    out: list[Session] = []
    notes = [
        f"Week of {week.isoformat()}: {states[week].reason}"
        for week in weeks
        if week in states and states[week].decision.value in ("hold", "step_back", "repeat")
    ]
    for draft in drafts.values():
        if draft.frozen:
            out.append(_frozen(draft))
            continue
        state = states.get(week_start_of(draft.day))
        minutes = inputs.profile.session_minutes
        reasons = list(draft.day_reasons)
        if draft.doubled:
            minutes = max(5, round(minutes * settings.double_share))
            reasons.append(
                f"Shortened to {minutes} min: it shares {DAY_NAMES[draft.day.weekday()]}, "
                "a rest day, with the other session because the week is crowded (W3)"
            )
        content = draft.base.content
        if state is not None and draft.status is not SessionStatus.CANCELLED:
            request = ContentRequest(
                kind=draft.base.kind,
                level=inputs.profile.level,
                state=state,
                minutes=minutes,
                exercise_count=_exercise_count(minutes, settings),
                sore=sore,
                basics_reason=_basics_reason(windows, draft.day),
                form_check=draft.base.id in form_check_ids,
            )
            content, content_reasons = build_content(request, catalogue, settings.programme)
            reasons.extend(content_reasons)
        out.append(
            replace(
                draft.base,
                local_date=draft.day,
                start_time=draft.start,
                minutes=minutes,
                status=draft.status,
                origin=draft.origin,
                pinned=draft.pinned,
                content=content,
                reasons=tuple(reasons),
                warnings=draft.warnings,
                rpe=draft.rpe if draft.rpe is not None else draft.base.rpe,
                outcome_note=draft.note or draft.base.outcome_note,
            )
        )
    for session in stored.values():
        if session.id not in drafts:
            out.append(session)
    return out, notes


def _frozen(draft: Draft) -> Session:
    base = draft.base
    if (base.status, base.rpe, base.outcome_note) == (draft.status, draft.rpe, draft.note):
        return base
    return replace(base, status=draft.status, rpe=draft.rpe, outcome_note=draft.note)


def _exercise_count(minutes: int, settings: PlannerSettings) -> int:
    if minutes <= settings.short_minutes:
        return settings.exercises_short
    if minutes <= settings.medium_minutes:
        return settings.exercises_medium
    return settings.exercises_long


def _sore_ids(checkins: Sequence[CheckIn], catalogue: Catalogue) -> frozenset[str]:
    """Exercises the latest check-in reports sore; a later check-in clears them (P5)."""
    if not checkins:
        return frozenset()
    found = (catalogue.find(name) for name in checkins[-1].sore_exercises)
    return frozenset(exercise.id for exercise in found if exercise is not None)


@dataclass(frozen=True, slots=True)
class BasicsWindow:
    """Days of basics after a low-back check-in (P4): [start, end)."""

    start: date
    end: date
    reason: str


def basics_windows(
    checkins: Sequence[CheckIn], zone: ZoneInfo, settings: PlannerSettings
) -> list[BasicsWindow]:
    """A week of basics after each check-in at or above the threshold (P4).

    A later check-in below the threshold ends the window early: the back feels fine.
    """
    programme = settings.programme
    windows: list[BasicsWindow] = []
    for checkin in checkins:
        local = checkin.at.astimezone(zone).date()
        if checkin.back_score >= programme.back_flare_score:
            end = local + timedelta(days=programme.basics_days)
            reason = (
                f"Back to basics after your low-back check-in of {checkin.back_score}/10 on "
                f"{local.isoformat()}: breathing, bracing and block-1 exercises at a lower "
                f"dose until {end.isoformat()} (P4)"
            )
            windows.append(BasicsWindow(local, end, reason))
        elif windows and windows[-1].end > local:
            last = windows[-1]
            windows[-1] = BasicsWindow(last.start, max(local, last.start), last.reason)
    return [window for window in windows if window.end > window.start]


def _basics_reason(windows: Sequence[BasicsWindow], day: date) -> str:
    for window in reversed(windows):
        if window.start <= day < window.end:
            return window.reason
    return ""


def _held_weeks(windows: Sequence[BasicsWindow]) -> dict[date, str]:
    """Weeks that start during the basics do not progress, so the programme resumes where
    it was (the week the check-in came in was already decided and keeps its state)."""
    held: dict[date, str] = {}
    for window in windows:
        week = week_start_of(window.start)
        while week < window.end:
            if week >= window.start:
                held[week] = "progression held during the basics after a low-back check-in (P4)"
            week += timedelta(days=7)
    return held


def _form_checks(
    drafts: dict[str, Draft], states: dict[date, WeekState], settings: PlannerSettings
) -> set[str]:
    """One session in every 4th programme week carries a form check (W7)."""
    if not settings.programme.form_check:
        return set()
    every = settings.programme.form_check_every_weeks
    first: dict[date, tuple[date, str]] = {}
    for draft in drafts.values():
        if draft.status is SessionStatus.CANCELLED:
            continue
        week = week_start_of(draft.day)
        state = states.get(week)
        if state is None or state.programme_week % every:
            continue
        key = (draft.day, draft.base.id)
        if week not in first or key < first[week]:
            first[week] = key
    return {sid for _, sid in first.values()}


# ---------------------------------------------------------------- rest days (W6)


def mobility(
    sessions: Sequence[Session],
    calendar: Calendar,
    inputs: PlanInputs,
    settings: PlannerSettings,
    catalogue: Catalogue,
) -> tuple[MobilityBlock, ...]:
    programme = settings.programme
    if not programme.rest_day_mobility:
        return ()
    busy = {s.local_date for s in sessions if s.status in OCCUPYING}
    horizon = inputs.horizon_weeks or settings.horizon_weeks
    blocks: list[MobilityBlock] = []
    for offset in range(7 * horizon):
        day = inputs.today + timedelta(days=offset)
        if day in busy or calendar.info(day).day_class is not DayClass.REST:
            continue
        items = rest_day_items(
            catalogue,
            inputs.profile.level,
            programme.rest_day_mobility_items,
            day.toordinal(),
        )
        blocks.append(MobilityBlock(day, programme.rest_day_mobility_minutes, items))
    return tuple(blocks)
