"""One replan: the stored plan, the runner's decisions and the load in; the new plan out.

Order of work: freeze the past (done, skipped or missed); replay the override
log; place each week ahead (runner-placed sessions stay, the planner's own obey
every hard rule and keep their day while they can); then derive where the runner
is in the programme and fill each session's content; finally bump `version` of
whatever visibly changed. Pure: the same inputs give the same plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time

from syncsvc.domain import Plan, Session, SessionKind
from syncsvc.planner.arrange import flag_runner_sessions, place, runner_drafts, weeks_to_plan
from syncsvc.planner.days import Calendar
from syncsvc.planner.draft import OCCUPYING, Draft
from syncsvc.planner.fill import fill, mobility
from syncsvc.planner.freeze import freeze_past
from syncsvc.planner.model import PlanInputs, PlanResult, RuleBreak
from syncsvc.planner.overrides import replay
from syncsvc.planner.rules import Placed, day_breaks, pair_breaks, time_breaks
from syncsvc.planner.settings import PlannerSettings
from syncsvc.planner.versions import versioned
from syncsvc.programme.catalogue import Catalogue
from syncsvc.programme.cycle import week_start_of


def replan(inputs: PlanInputs, settings: PlannerSettings, catalogue: Catalogue) -> PlanResult:
    """The new plan for one athlete, with every change and the reason for it."""
    profile = inputs.profile
    calendar = Calendar(inputs.days, profile, inputs.now, inputs.today)
    stored = {session.id: session for session in inputs.current}
    controls = replay(inputs.overrides, inputs.athlete_id, set(stored), inputs.id_namespace)
    drafts: dict[str, Draft] = {}
    notes: list[str] = list(controls.ignored)

    watch_left = freeze_past(stored, controls, inputs, calendar, drafts)
    weeks = weeks_to_plan(inputs, stored, controls, drafts, settings)
    runner_drafts(weeks, inputs, stored, controls, calendar, watch_left, drafts)
    for week in weeks:
        notes.extend(place(week, inputs, stored, calendar, settings, drafts))
    flag_runner_sessions(calendar, settings, drafts)
    sessions, week_notes = fill(drafts, stored, inputs, calendar, settings, catalogue, weeks)
    notes.extend(week_notes)
    final, changes, moved = versioned(sessions, stored, inputs.now)
    plan = Plan(
        athlete_id=inputs.athlete_id,
        sessions=tuple(sorted(final, key=lambda s: (s.local_date, s.start_time, s.id))),
        mobility=mobility(final, calendar, inputs, settings, catalogue),
        notes=tuple(notes),
    )
    return PlanResult(plan=plan, changes=tuple(changes), moved=tuple(moved), notes=tuple(notes))


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
