"""The weeks ahead: the runner's sessions stay, the planner places its own around them.

For each week the planner fills what W1 asks (2 core, 2 hip) minus what the past
and the runner already hold, places them with `place_week`, and cancels with a
reason what does not fit. Runner-placed sessions are then checked against the
rules and say which they now break (W4, W5...), without moving.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

from syncsvc.domain import DayClass, Session, SessionKind, SessionOrigin, SessionStatus
from syncsvc.planner import explain
from syncsvc.planner.days import DAY_NAMES, Calendar
from syncsvc.planner.draft import KINDS, OCCUPYING, Draft
from syncsvc.planner.model import PlanInputs, session_id
from syncsvc.planner.overrides import Controls
from syncsvc.planner.placement import Slot, place_week
from syncsvc.planner.rules import Placed, day_breaks, pair_breaks
from syncsvc.planner.settings import PlannerSettings
from syncsvc.programme.cycle import week_start_of
from syncsvc.reasons import first_upper


def weeks_to_plan(
    inputs: PlanInputs,
    stored: dict[str, Session],
    controls: Controls,
    drafts: dict[str, Draft],
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


def _slot_ids(inputs: PlanInputs, week: date, settings: PlannerSettings) -> list[Slot]:
    counts = {SessionKind.CORE: settings.core_per_week, SessionKind.HIP: settings.hip_per_week}
    return [
        Slot(session_id(inputs.athlete_id, week, kind, ordinal, inputs.id_namespace), kind, ordinal)
        for kind in KINDS
        for ordinal in range(1, counts[kind] + 1)
    ]


def runner_drafts(
    weeks: Sequence[date],
    inputs: PlanInputs,
    stored: dict[str, Session],
    controls: Controls,
    calendar: Calendar,
    watch_left: Counter[date],
    drafts: dict[str, Draft],
) -> None:
    """Sessions the runner placed, added, pinned, skipped or marked done stay as decided.

    A session the runner put on a day already past settles like any past session.
    """
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
        start = control.start_time or base.start_time
        status = control.status or SessionStatus.PLANNED
        if status is SessionStatus.PLANNED and not calendar.is_open(day, start):
            if watch_left[day] > 0:
                status = SessionStatus.DONE
                watch_left[day] -= 1
            elif day < inputs.today:
                status = SessionStatus.MISSED
        reasons: tuple[str, ...] = ()
        who = first_upper(control.by)
        if control.status is SessionStatus.SKIPPED:
            reasons = (f"{who} skipped this session; it is not made up by doubling (P6)",)
        elif control.status is SessionStatus.DONE:
            reasons = (f"{who} marked this session done",)
        drafts[sid] = Draft(
            base=base,
            day=day,
            start=start,
            status=status,
            origin=SessionOrigin.USER if control.placed else base.origin,
            pinned=control.pinned,
            frozen=False,
            day_reasons=reasons,
            rpe=control.rpe,
            note=control.note,
            how=control.how,
            forced=control.forced,
            by=control.by,
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
            drafts[session.id] = Draft(
                base=session,
                day=session.local_date,
                start=session.start_time,
                status=session.status,
                origin=SessionOrigin.USER,
                pinned=session.pinned,
                frozen=False,
                how="pinned" if session.pinned else "moved",
            )


def place(
    week: date,
    inputs: PlanInputs,
    stored: dict[str, Session],
    calendar: Calendar,
    settings: PlannerSettings,
    drafts: dict[str, Draft],
) -> list[str]:
    """Place one week's planner sessions around the runner's and the past ones."""
    profile = inputs.profile
    days = calendar.week(week)
    in_week = set(days)
    slots = _slot_ids(inputs, week, settings)
    slot_ids = {slot.id for slot in slots}
    for session in stored.values():
        if session.id in drafts or session.local_date not in in_week or session.id in slot_ids:
            continue
        if session.id not in _all_slot_ids(inputs, session, settings):
            drafts[session.id] = _cancelled(session, "No longer part of the plan")
    present = [
        d for d in drafts.values() if d.day in in_week and d.status is not SessionStatus.CANCELLED
    ]
    fixed = sorted(
        (
            Placed(d.base.id, d.base.kind, d.day)
            for d in drafts.values()
            if d.status in OCCUPYING and abs((d.day - week).days) < 14
        ),
        key=lambda placed: (placed.day, placed.id),
    )
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
            why = _drop_reason(slot.kind, open_days, calendar, settings)
            dropped.append(why)
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
        drafts[slot.id] = Draft(
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
        f"Week of {week.isoformat()}: not every session fits, one is dropped: {why}."
        for why in dict.fromkeys(dropped)
    ]


def _all_slot_ids(inputs: PlanInputs, session: Session, settings: PlannerSettings) -> set[str]:
    """Slot ids of the ISO week the session's id may come from (it may sit a week away)."""
    ids: set[str] = set()
    for shift in (-7, 0, 7):
        week = week_start_of(session.local_date + timedelta(days=shift))
        ids.update(slot.id for slot in _slot_ids(inputs, week, settings))
    return ids


def flag_runner_sessions(
    calendar: Calendar, settings: PlannerSettings, drafts: dict[str, Draft]
) -> None:
    """Runner-placed sessions stay put; when a rule now breaks, they say so."""
    occupying = sorted(
        (d for d in drafts.values() if d.status in OCCUPYING), key=lambda d: (d.day, d.base.id)
    )
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
            day_reasons=tuple(
                explain.runner_reasons(draft.how, draft.day, draft.forced, breaks, by=draft.by)
            ),
            warnings=explain.warnings_for(breaks),
        )


def _cancelled(session: Session, why: str) -> Draft:
    return Draft(
        base=session,
        day=session.local_date,
        start=session.start_time,
        status=SessionStatus.CANCELLED,
        origin=session.origin,
        pinned=False,
        frozen=False,
        day_reasons=(why,),
    )


def _drop_reason(
    kind: SessionKind, open_days: Sequence[date], calendar: Calendar, settings: PlannerSettings
) -> str:
    """The real cause in words: which days were ruled out and by what, and what would
    make room (a setting or the profile). Rule ids ride along in brackets."""
    if not open_days:
        return "no days are left this week"
    ruled: list[str] = []
    rules: set[str] = set()
    free: list[date] = []
    for day in open_days:
        breaks = day_breaks(kind, day, calendar)
        if not breaks:
            free.append(day)
            continue
        ruled.append(breaks[0].message.split(": ")[0])
        rules.update(b.rule for b in breaks if b.rule[:1] in "WP")
    names = _listed([DAY_NAMES[day.weekday()] for day in free])
    if free:
        cause = (
            f"a {kind.value} session fits only on {names}, and two {kind.value} sessions "
            f"need {settings.min_gap_days} days between them"
        )
        rules.add("W2")
    else:
        cause = f"no day left this week suits a {kind.value} session"
    if ruled:
        cause += f". {'; '.join(ruled)}"
    wanted = settings.hip_per_week if kind is SessionKind.HIP else settings.core_per_week
    setting = "hip_per_week" if kind is SessionKind.HIP else "core_per_week"
    room = [f"plan fewer {kind.value} sessions (planner.{setting} = {max(wanted - 1, 0)})"]
    if "W4" in rules or "W5" in rules:
        room.append("keep fewer hard days in your usual week (syncsvc profile set hard_days ...)")
    rest_free = any(calendar.info(day).day_class is DayClass.REST for day in free)
    if rest_free and not settings.allow_rest_day_double:
        room.append(
            "allow a core and a hip session together on a rest day "
            "(planner.allow_rest_day_double = true)"
        )
    ids = ", ".join(sorted(rules))
    suffix = f" ({ids})" if ids else ""
    return f"{cause}{suffix}. To make room: {'; or '.join(room)}"


def _listed(names: Sequence[str]) -> str:
    if not names:
        return "no day"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]
