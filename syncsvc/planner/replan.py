"""One replan: the stored plan, the runner's decisions and the load in; the new plan out.

Order of work: freeze the past (done, skipped or missed); replay the override
log; place each week ahead (runner-placed sessions stay, the planner's own obey
every hard rule and keep their day while they can); then derive where the runner
is in the programme and fill each session's content; finally bump `version` of
whatever visibly changed. Pure: the same inputs give the same plan.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from syncsvc.domain import (
    CheckIn,
    DayClass,
    MobilityBlock,
    Plan,
    Session,
    SessionKind,
    SessionOrigin,
    SessionStatus,
    Sport,
)
from syncsvc.planner import explain
from syncsvc.planner.days import DAY_NAMES, Calendar
from syncsvc.planner.model import Change, PlanInputs, PlanResult, RuleBreak, session_id
from syncsvc.planner.overrides import Control, Controls, replay
from syncsvc.planner.placement import Slot, place_week
from syncsvc.planner.rules import Placed, day_breaks, pair_breaks, time_breaks
from syncsvc.planner.settings import PlannerSettings
from syncsvc.program.catalogue import Catalogue
from syncsvc.program.content import ContentRequest, build_content, rest_day_items
from syncsvc.program.cycle import WeekState, programme_weeks, week_start_of

OCCUPYING = (SessionStatus.PLANNED, SessionStatus.DONE)
KINDS = (SessionKind.CORE, SessionKind.HIP)


@dataclass(frozen=True, slots=True)
class _Draft:
    """A session's placement before its content is filled in."""

    base: Session
    day: date
    start: time
    status: SessionStatus
    origin: SessionOrigin
    pinned: bool
    frozen: bool
    day_reasons: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    doubled: bool = False
    rpe: int | None = None
    note: str = ""
    how: str = ""
    forced: bool = False


def replan(inputs: PlanInputs, settings: PlannerSettings, catalogue: Catalogue) -> PlanResult:
    """The new plan for one athlete, with every change and the reason for it."""
    profile = inputs.profile
    calendar = Calendar(inputs.days, profile, inputs.now, inputs.today)
    stored = {session.id: session for session in inputs.current}
    controls = replay(inputs.overrides, inputs.athlete_id, set(stored))
    drafts: dict[str, _Draft] = {}
    notes: list[str] = list(controls.ignored)

    _freeze_past(stored, controls, inputs, calendar, drafts)
    weeks = _weeks_to_plan(inputs, stored, controls, drafts, settings)
    _runner_drafts(weeks, inputs, stored, controls, drafts)
    for week in weeks:
        notes.extend(_place(week, inputs, stored, calendar, settings, drafts))
    _flag_runner_sessions(calendar, settings, drafts)
    sessions, week_notes = _fill(drafts, stored, inputs, calendar, settings, catalogue, weeks)
    notes.extend(week_notes)
    final, changes, moved = _versioned(sessions, stored, inputs.now)
    plan = Plan(
        athlete_id=inputs.athlete_id,
        sessions=tuple(sorted(final, key=lambda s: (s.local_date, s.start_time, s.id))),
        mobility=_mobility(final, calendar, inputs, settings, catalogue),
        notes=tuple(notes),
    )
    return PlanResult(plan=plan, changes=tuple(changes), moved=tuple(moved), notes=tuple(notes))


# ---------------------------------------------------------------- the past


def _freeze_past(
    stored: dict[str, Session],
    controls: Controls,
    inputs: PlanInputs,
    calendar: Calendar,
    drafts: dict[str, _Draft],
) -> None:
    """Sessions whose start has passed keep day and content; only their status settles."""
    watch = Counter(
        activity.local_date
        for activity in inputs.strength_activities
        if activity.sport in (Sport.STRENGTH, Sport.MOBILITY)
    )
    by_day: dict[date, list[Session]] = defaultdict(list)
    for session in stored.values():
        if not calendar.is_open(session.local_date, session.start_time):
            by_day[session.local_date].append(session)
    for day, sessions in by_day.items():
        left = watch.get(day, 0)
        ordered = sorted(sessions, key=lambda s: (s.status is not SessionStatus.DONE, s.id))
        for session in ordered:
            control = controls.by_session.get(session.id, Control())
            status = control.status or session.status
            if status is SessionStatus.DONE:
                left -= 1
            elif status in (SessionStatus.PLANNED, SessionStatus.MISSED) and left > 0:
                status, left = SessionStatus.DONE, left - 1
            elif status is SessionStatus.PLANNED and day < inputs.today:
                status = SessionStatus.MISSED
            drafts[session.id] = _Draft(
                base=session,
                day=session.local_date,
                start=session.start_time,
                status=status,
                origin=session.origin,
                pinned=session.pinned,
                frozen=True,
                rpe=control.rpe if control.rpe is not None else session.rpe,
                note=control.note or session.outcome_note,
            )


# ---------------------------------------------------------------- the weeks ahead


def _weeks_to_plan(
    inputs: PlanInputs,
    stored: dict[str, Session],
    controls: Controls,
    drafts: dict[str, _Draft],
    settings: PlannerSettings,
) -> list[date]:
    horizon = inputs.horizon_weeks or settings.horizon_weeks
    first = week_start_of(inputs.today)
    last = week_start_of(inputs.today + timedelta(days=7 * horizon - 1))
    weeks = {first + timedelta(days=7 * n) for n in range((last - first).days // 7 + 1)}
    for session in stored.values():
        if session.id not in drafts and session.status is not SessionStatus.CANCELLED:
            weeks.add(week_start_of(session.local_date))
    for control in controls.by_session.values():
        if control.day is not None and control.day >= inputs.today:
            weeks.add(week_start_of(control.day))
    return sorted(week for week in weeks if week >= first)


def _slot_ids(athlete_id: int, week: date, settings: PlannerSettings) -> list[Slot]:
    counts = {SessionKind.CORE: settings.core_per_week, SessionKind.HIP: settings.hip_per_week}
    return [
        Slot(session_id(athlete_id, week, kind, ordinal), kind, ordinal)
        for kind in KINDS
        for ordinal in range(1, counts[kind] + 1)
    ]


def _runner_drafts(
    weeks: Sequence[date],
    inputs: PlanInputs,
    stored: dict[str, Session],
    controls: Controls,
    drafts: dict[str, _Draft],
) -> None:
    """Sessions the runner placed, added, pinned, skipped or marked done stay as decided."""
    profile = inputs.profile
    planned = set(weeks)
    for sid, control in controls.by_session.items():
        if sid in drafts:
            continue
        base = stored.get(sid)
        if control.added_kind is not None and base is None:
            assert control.day is not None
            base = Session(
                id=sid,
                athlete_id=inputs.athlete_id,
                kind=control.added_kind,
                local_date=control.day,
                start_time=control.start_time or profile.session_time,
                minutes=profile.session_minutes,
                origin=SessionOrigin.USER,
            )
        if base is None or (base.status is SessionStatus.CANCELLED and control.added_kind is None):
            continue
        day = control.day if control.placed and control.day is not None else base.local_date
        if week_start_of(day) not in planned or not (control.placed or control.status):
            continue
        reasons: tuple[str, ...] = ()
        if control.status is SessionStatus.SKIPPED:
            reasons = ("You skipped this session; it is not made up by doubling (P6)",)
        elif control.status is SessionStatus.DONE:
            reasons = ("You marked this session done",)
        drafts[sid] = _Draft(
            base=base,
            day=day,
            start=control.start_time or base.start_time,
            status=control.status or SessionStatus.PLANNED,
            origin=SessionOrigin.USER if control.placed else base.origin,
            pinned=control.pinned,
            frozen=False,
            day_reasons=reasons,
            rpe=control.rpe,
            note=control.note,
            how=control.how,
            forced=control.forced,
        )
    for session in stored.values():
        if session.id in drafts or week_start_of(session.local_date) not in planned:
            continue
        if (
            session.id not in controls.by_session
            and not controls.reset_all
            and (session.origin is SessionOrigin.USER or session.pinned)
            and session.status is not SessionStatus.CANCELLED
        ):
            drafts[session.id] = _Draft(
                base=session,
                day=session.local_date,
                start=session.start_time,
                status=session.status,
                origin=SessionOrigin.USER,
                pinned=session.pinned,
                frozen=False,
                how="pinned" if session.pinned else "moved",
            )


def _place(
    week: date,
    inputs: PlanInputs,
    stored: dict[str, Session],
    calendar: Calendar,
    settings: PlannerSettings,
    drafts: dict[str, _Draft],
) -> list[str]:
    """Place one week's planner sessions around the runner's and the past ones."""
    profile = inputs.profile
    days = calendar.week(week)
    in_week = set(days)
    slots = _slot_ids(inputs.athlete_id, week, settings)
    slot_ids = {slot.id for slot in slots}
    for session in stored.values():
        if session.id in drafts or session.local_date not in in_week or session.id in slot_ids:
            continue
        if session.id not in _all_slot_ids(inputs, session, settings):
            drafts[session.id] = _cancelled(session, "No longer part of the plan")
    present = [
        d for d in drafts.values() if d.day in in_week and d.status is not SessionStatus.CANCELLED
    ]
    fixed = [
        Placed(d.base.id, d.base.kind, d.day)
        for d in drafts.values()
        if d.status in OCCUPYING and abs((d.day - week).days) < 14
    ]
    # W1: the planner fills what the runner's and the past sessions leave of each kind.
    to_place: list[Slot] = []
    for kind in KINDS:
        wanted = settings.core_per_week if kind is SessionKind.CORE else settings.hip_per_week
        taken = sum(1 for d in present if d.base.kind is kind)
        for slot in (s for s in slots if s.kind is kind):
            if slot.id in drafts:
                continue
            existing = stored.get(slot.id)
            if taken >= wanted:
                if existing is not None:
                    drafts[slot.id] = _cancelled(
                        existing, f"W1: this week already holds {wanted} {kind.value} sessions"
                    )
                continue
            taken += 1
            current_day = None
            if (
                existing is not None
                and existing.status is SessionStatus.PLANNED
                and existing.local_date in in_week
            ):
                current_day = existing.local_date
            to_place.append(Slot(slot.id, kind, slot.ordinal, current_day))
    open_days = [day for day in days if calendar.is_open(day, profile.session_time)]
    placement = place_week(to_place, fixed, open_days, calendar, settings)
    dropped: list[str] = []
    for slot in to_place:
        day = placement.days[slot.id]
        existing = stored.get(slot.id)
        if day is None:
            why = _drop_reason(slot.kind, open_days, calendar)
            dropped.append(f"a {slot.kind.value} session ({why})")
            if existing is not None:
                drafts[slot.id] = _cancelled(existing, f"Dropped this week: {why}")
            continue
        base = existing or Session(
            id=slot.id,
            athlete_id=inputs.athlete_id,
            kind=slot.kind,
            local_date=day,
            start_time=profile.session_time,
            minutes=profile.session_minutes,
        )
        drafts[slot.id] = _Draft(
            base=base,
            day=day,
            start=profile.session_time,
            status=SessionStatus.PLANNED,
            origin=SessionOrigin.PLANNER,
            pinned=False,
            frozen=False,
            day_reasons=tuple(explain.day_reasons(slot.kind, day, calendar, days)),
            doubled=slot.id in placement.doubled,
        )
    if not dropped:
        return []
    return [
        f"Week of {week.isoformat()}: not every session fits; dropped "
        + "; ".join(dropped)
        + ". W4 and W5 are never broken to make room."
    ]


def _all_slot_ids(inputs: PlanInputs, session: Session, settings: PlannerSettings) -> set[str]:
    """Slot ids of the ISO week the session's id may come from (it may sit a week away)."""
    ids: set[str] = set()
    for shift in (-7, 0, 7):
        week = week_start_of(session.local_date + timedelta(days=shift))
        ids.update(slot.id for slot in _slot_ids(inputs.athlete_id, week, settings))
    return ids


def _flag_runner_sessions(
    calendar: Calendar, settings: PlannerSettings, drafts: dict[str, _Draft]
) -> None:
    """Runner-placed sessions stay put; when a rule now breaks, they say so."""
    occupying = [d for d in drafts.values() if d.status in OCCUPYING]
    for sid, draft in list(drafts.items()):
        if draft.frozen or draft.origin is not SessionOrigin.USER:
            continue
        if draft.status is not SessionStatus.PLANNED:
            continue
        others = [
            Placed(d.base.id, d.base.kind, d.day)
            for d in occupying
            if d.base.id != sid and abs((d.day - draft.day).days) < 7
        ]
        breaks = day_breaks(draft.base.kind, draft.day, calendar) + pair_breaks(
            draft.base.kind,
            draft.day,
            others,
            calendar,
            settings,
            allow_double=settings.allow_rest_day_double,
        )
        drafts[sid] = replace(
            draft,
            day_reasons=tuple(explain.runner_reasons(draft.how, draft.day, draft.forced, breaks)),
            warnings=explain.warnings_for(breaks),
        )


def _cancelled(session: Session, why: str) -> _Draft:
    return _Draft(
        base=session,
        day=session.local_date,
        start=session.start_time,
        status=SessionStatus.CANCELLED,
        origin=session.origin,
        pinned=False,
        frozen=False,
        day_reasons=(why,),
    )


def _drop_reason(kind: SessionKind, open_days: Sequence[date], calendar: Calendar) -> str:
    if not open_days:
        return "no days left this week"
    free = [day for day in open_days if not day_breaks(kind, day, calendar)]
    if not free:
        return "every day left holds a hard, long or race day or is unavailable (W4, W5)"
    return "the days left are too close to other sessions (W2, W3)"


# ---------------------------------------------------------------- content


def _fill(
    drafts: dict[str, _Draft],
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
        sessions_by_week[week_start_of(draft.day)].append(
            replace(draft.base, local_date=draft.day, status=draft.status)
        )
    for session in stored.values():
        if session.id not in drafts:
            sessions_by_week[week_start_of(session.local_date)].append(session)
    start = min(sessions_by_week, default=week_start_of(inputs.today))
    until = max(weeks, default=week_start_of(inputs.today))
    states = programme_weeks(
        start=min(start, week_start_of(inputs.today)),
        until=until,
        sessions_by_week=sessions_by_week,
        week_loads={week.week_start: week for week in inputs.weeks},
        day_loads={day.day: day for day in inputs.days if day.day >= start},
        today=inputs.today,
        level=inputs.profile.level,
        catalogue=catalogue,
        settings=settings.programme,
    )
    zone = ZoneInfo(inputs.profile.timezone)
    checkins = sorted(inputs.checkins, key=lambda c: c.at)
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
                basics_reason=_basics(checkins, draft.day, zone, settings),
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


def _frozen(draft: _Draft) -> Session:
    return replace(draft.base, status=draft.status, rpe=draft.rpe, outcome_note=draft.note)


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


def _basics(
    checkins: Sequence[CheckIn], day: date, zone: ZoneInfo, settings: PlannerSettings
) -> str:
    """A basics week after a low-back check-in at or above the threshold (P4)."""
    flare = settings.programme.back_flare_score
    reason = ""
    for checkin in checkins:
        local = checkin.at.astimezone(zone).date()
        if local > day:
            break
        if checkin.back_score >= flare and day < local + timedelta(
            days=settings.programme.basics_days
        ):
            reason = (
                f"Back to basics after your low-back check-in of {checkin.back_score}/10 on "
                f"{local.isoformat()}: breathing, bracing and block-1 exercises at a lower "
                f"dose until {(local + timedelta(days=settings.programme.basics_days)).isoformat()}"
                " (P4)"
            )
        elif checkin.back_score < flare:
            reason = ""
    return reason


def _form_checks(
    drafts: dict[str, _Draft], states: dict[date, WeekState], settings: PlannerSettings
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


# ---------------------------------------------------------------- versions and changes


def _versioned(
    sessions: Iterable[Session], stored: dict[str, Session], now: datetime
) -> tuple[list[Session], list[Change], list[str]]:
    final: list[Session] = []
    changes: list[Change] = []
    moved: list[str] = []
    for session in sessions:
        before = stored.get(session.id)
        if before is None:
            if session.status is SessionStatus.CANCELLED:
                continue
            final.append(replace(session, version=0, changed_at=now, created_at=now))
            changes.append(Change(session.id, "added", "", _when(session), _first(session.reasons)))
            continue
        diffs = _diffs(before, session)
        if not diffs:
            final.append(replace(session, version=before.version, changed_at=before.changed_at))
            continue
        final.append(replace(session, version=before.version + 1, changed_at=now))
        for what, old, new in diffs:
            changes.append(Change(session.id, what, old, new, _first(session.reasons)))
        if before.local_date != session.local_date:
            moved.append(session.id)
    return final, changes, moved


def _diffs(before: Session, after: Session) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    if before.local_date != after.local_date:
        out.append(("moved", before.local_date.isoformat(), after.local_date.isoformat()))
    if before.start_time != after.start_time:
        out.append(("time", f"{before.start_time:%H:%M}", f"{after.start_time:%H:%M}"))
    if before.status is not after.status:
        out.append(("status", before.status.value, after.status.value))
    if before.minutes != after.minutes:
        out.append(("minutes", str(before.minutes), str(after.minutes)))
    if before.content != after.content:
        out.append(("content", _content_words(before), _content_words(after)))
    if before.reasons != after.reasons or before.warnings != after.warnings:
        out.append(("reasons", "; ".join(before.reasons), "; ".join(after.reasons)))
    if (before.rpe, before.outcome_note) != (after.rpe, after.outcome_note):
        out.append(("outcome", str(before.rpe or ""), str(after.rpe or "")))
    return out


def _content_words(session: Session) -> str:
    if session.content is None:
        return ""
    items = ", ".join(f"{e.name} {e.dose}" for e in session.content.exercises)
    return f"{session.content.block} week {session.content.block_week}: {items}"


def _when(session: Session) -> str:
    return f"{session.local_date.isoformat()} {session.start_time:%H:%M}"


def _first(reasons: Sequence[str]) -> str:
    return reasons[0] if reasons else ""


# ---------------------------------------------------------------- rest days (W6)


def _mobility(
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


# ---------------------------------------------------------------- checking a move


def check_placement(
    inputs: PlanInputs,
    kind: SessionKind,
    day: date,
    settings: PlannerSettings,
    *,
    session_id: str | None = None,
    start_time: time | None = None,
    plan: Sequence[Session] | None = None,
) -> list[RuleBreak]:
    """The rules a proposed placement of one session breaks (empty when it is fine).

    `plan` is the rest of the plan (the stored one by default); the session being
    moved (`session_id`) is left out of it. `plan move` refuses on any break
    unless forced, naming the rule.
    """
    calendar = Calendar(inputs.days, inputs.profile, inputs.now, inputs.today)
    start = start_time or inputs.profile.session_time
    sessions = [s for s in (plan if plan is not None else inputs.current) if s.id != session_id]
    others = [Placed(s.id, s.kind, s.local_date) for s in sessions if s.status in OCCUPYING]
    breaks = time_breaks(day, start, calendar)
    breaks += day_breaks(kind, day, calendar)
    breaks += pair_breaks(
        kind, day, others, calendar, settings, allow_double=settings.allow_rest_day_double
    )
    week = week_start_of(day)
    wanted = settings.core_per_week if kind is SessionKind.CORE else settings.hip_per_week
    same = [o for o in others if o.kind is kind and week_start_of(o.day) == week]
    if len(same) >= wanted:
        breaks.append(
            RuleBreak(
                "W1",
                f"the week of {week.isoformat()} already holds {wanted} {kind.value} sessions",
            )
        )
    return breaks
