"""Properties over random histories, forecasts, overrides and check-ins (hypothesis)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncsvc.domain import (
    Activity,
    CheckIn,
    DayClass,
    Override,
    OverrideAction,
    Session,
    SessionKind,
    SessionOrigin,
    SessionStatus,
    Source,
    Sport,
)
from syncsvc.planner.model import PlanInputs, PlanResult

from .plan_builders import MONDAY, days_from_pattern, make_inputs, noon, profile, run

LETTERS = "RRREEEEMHLX"
SPAN = 42  # six weeks of days from MONDAY


@dataclass(frozen=True)
class World:
    """A first replan some days back, then today's inputs with a changed forecast."""

    earlier: PlanResult
    inputs: PlanInputs


@st.composite
def worlds(draw: st.DrawFn) -> World:
    first_pattern = draw(st.text(alphabet=LETTERS, min_size=SPAN, max_size=SPAN))
    changes = draw(
        st.lists(st.tuples(st.integers(0, SPAN - 1), st.sampled_from(LETTERS)), max_size=8)
    )
    pattern = list(first_pattern)
    for index, letter in changes:
        pattern[index] = letter
    second_pattern = "".join(pattern)
    start_offset = draw(st.integers(0, 6))
    gap = draw(st.integers(0, 9))
    first_day = MONDAY + timedelta(days=start_offset)
    today = first_day + timedelta(days=gap)
    prof = profile(
        unavailable_weekdays=tuple(draw(st.sets(st.integers(0, 6), max_size=2))),
        preferred_weekdays=tuple(draw(st.sets(st.integers(0, 6), max_size=2))),
        session_minutes=draw(st.sampled_from((15, 25, 40))),
    )
    earlier = run(
        make_inputs(
            today=first_day,
            days=days_from_pattern(MONDAY, first_pattern, first_day),
            prof=prof,
        )
    )
    sessions = list(earlier.plan.sessions)
    overrides: list[Override] = []
    for number in range(draw(st.integers(0, 4))):
        if not sessions:
            break
        target = draw(st.sampled_from(sessions))
        action = draw(
            st.sampled_from(
                (OverrideAction.PIN, OverrideAction.SKIP, OverrideAction.DONE, OverrideAction.MOVE)
            )
        )
        move_to = first_day + timedelta(days=draw(st.integers(0, 13)))
        overrides.append(
            Override(
                athlete_id=7,
                action=action,
                at=noon(first_day) + timedelta(minutes=number),
                session_id=target.id,
                local_date=move_to if action is OverrideAction.MOVE else None,
                forced=action is OverrideAction.MOVE,
            )
        )
    checkins = tuple(
        CheckIn(
            athlete_id=7,
            at=noon(first_day) + timedelta(hours=n),
            back_score=draw(st.integers(0, 10)),
            sore_exercises=tuple(
                draw(st.sets(st.sampled_from(("dead_bug", "Clamshell", "x")), max_size=2))
            ),
        )
        for n in range(draw(st.integers(0, 2)))
    )
    lifts = tuple(
        Activity(
            source=Source.GARMIN,
            source_id=f"lift-{offset}",
            start_utc=noon(MONDAY + timedelta(days=offset)) + timedelta(hours=9),
            sport=Sport.STRENGTH,
            sport_raw="strength_training",
        )
        for offset in draw(st.sets(st.integers(0, 15), max_size=4))
    )
    inputs = make_inputs(
        today=today,
        days=days_from_pattern(MONDAY, second_pattern, today),
        current=earlier.plan.sessions,
        prof=prof,
        overrides=tuple(overrides),
        checkins=checkins,
        strength_activities=lifts,
        now=noon(today) + timedelta(hours=draw(st.integers(0, 14))),
    )
    return World(earlier, inputs)


COMMON = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _classes(inputs: PlanInputs) -> dict[date, DayClass]:
    return {d.day: d.day_class for d in inputs.days}


def _is_open(session: Session, inputs: PlanInputs) -> bool:
    local = inputs.now.time().replace(tzinfo=None)  # profile zone is UTC here
    return session.local_date > inputs.today or (
        session.local_date == inputs.today and session.start_time > local
    )


@COMMON
@given(worlds())
def test_hard_rules_hold_for_every_session_the_planner_placed(world: World) -> None:
    inputs = world.inputs
    result = run(inputs)
    classes = _classes(inputs)
    prof = inputs.profile
    occupying = [
        s for s in result.plan.sessions if s.status in (SessionStatus.PLANNED, SessionStatus.DONE)
    ]
    for session in occupying:
        placed_by_planner = (
            session.origin is SessionOrigin.PLANNER
            and session.status is SessionStatus.PLANNED
            and _is_open(session, inputs)
        )
        if not placed_by_planner:
            continue
        day = session.local_date
        assert not classes.get(day, DayClass.EASY).is_demanding, "W4"
        if session.kind is SessionKind.HIP:
            assert not classes.get(day + timedelta(days=1), DayClass.EASY).is_demanding, "W5"
        assert day.weekday() not in prof.unavailable_weekdays
        for other in occupying:
            if other.id == session.id:
                continue
            assert other.local_date != day, "W3"
            if other.kind is session.kind:
                assert abs((other.local_date - day).days) >= 2, "W2"
        assert session.warnings == ()


@COMMON
@given(worlds())
def test_replanning_the_same_inputs_twice_gives_the_same_plan(world: World) -> None:
    assert run(world.inputs) == run(world.inputs)


@COMMON
@given(worlds())
def test_replanning_its_own_output_changes_nothing(world: World) -> None:
    first = run(world.inputs)
    again = run(replace(world.inputs, current=first.plan.sessions))
    assert again.changes == ()
    assert again.plan.sessions == first.plan.sessions


@COMMON
@given(worlds(), st.integers(1, 20))
def test_a_change_that_touches_no_session_moves_no_session(world: World, back: int) -> None:
    """Rewriting days already past (a late sync of old runs) moves nothing ahead."""
    first = run(world.inputs)
    cutoff = world.inputs.today - timedelta(days=1)
    rewritten = tuple(
        d
        if d.day >= cutoff or d.day < cutoff - timedelta(days=back)
        else type(d)(day=d.day, load=d.load + 50, day_class=DayClass.HARD, reason="late sync")
        for d in world.inputs.days
    )
    again = run(replace(world.inputs, current=first.plan.sessions, days=rewritten))
    assert again.moved == ()


@COMMON
@given(worlds())
def test_pinned_sessions_never_move(world: World) -> None:
    result = run(world.inputs)
    before = {s.id: s for s in world.inputs.current}
    after = {s.id: s for s in result.plan.sessions}
    pinned = {o.session_id for o in world.inputs.overrides if o.action is OverrideAction.PIN}
    moved_later = {o.session_id for o in world.inputs.overrides if o.action is OverrideAction.MOVE}
    for sid in pinned - moved_later:
        assert sid is not None
        assert after[sid].local_date == before[sid].local_date
        if _is_open(before[sid], world.inputs):
            assert after[sid].pinned  # a past session is frozen: pinning it changes nothing


@COMMON
@given(worlds())
def test_past_sessions_never_change_day_kind_or_content(world: World) -> None:
    result = run(world.inputs)
    after = {s.id: s for s in result.plan.sessions}
    for session in world.inputs.current:
        if _is_open(session, world.inputs):
            continue
        now = after[session.id]
        assert (now.local_date, now.kind, now.content, now.start_time) == (
            session.local_date,
            session.kind,
            session.content,
            session.start_time,
        )
        assert (
            now.status is not SessionStatus.CANCELLED or session.status is SessionStatus.CANCELLED
        )
        if session.local_date < world.inputs.today:
            assert now.status is not SessionStatus.PLANNED


@COMMON
@given(worlds())
def test_ids_stay_and_versions_only_go_up(world: World) -> None:
    result = run(world.inputs)
    after = {s.id: s for s in result.plan.sessions}
    for session in world.inputs.current:
        assert session.id in after
        now = after[session.id]
        assert now.kind is session.kind
        assert now.version >= session.version
        if now != session:
            assert now.version == session.version + 1
            assert now.changed_at == world.inputs.now
        else:
            assert now.changed_at == session.changed_at
