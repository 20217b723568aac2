"""Where sessions go: the hard rules W1-W5 and the runner's limits, and check_placement."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from syncsvc.domain import DayClass, DayLoad, SessionKind, SessionStatus
from syncsvc.planner.model import PlanInputs, PlanResult, session_id
from syncsvc.planner.replan import check_placement
from syncsvc.planner.settings import PlannerSettings

from .plan_builders import MONDAY, days_from_pattern, live, make_inputs, profile, run

# Mon rest, Tue intervals, Wed easy, Thu easy, Fri rest, Sat easy, Sun long run.
WEEK = "RHEERE" + "L"


def _plan(
    pattern: str = WEEK * 3, today: date = MONDAY, **kwargs: Any
) -> tuple[PlanResult, list[DayLoad]]:
    days = days_from_pattern(MONDAY, pattern, today)
    return run(make_inputs(today=today, days=days, **kwargs)), days


def _classes(days: list[DayLoad]) -> dict[date, DayClass]:
    return {d.day: d.day_class for d in days}


def test_each_week_holds_two_core_and_two_hip_sessions() -> None:
    result, _ = _plan()
    for week in (MONDAY, MONDAY + timedelta(days=7)):
        in_week = [s for s in live(result.plan.sessions) if 0 <= (s.local_date - week).days < 7]
        kinds = sorted(s.kind.value for s in in_week)
        assert kinds == ["core", "core", "hip", "hip"]


def test_no_session_lands_on_a_hard_long_or_race_day() -> None:
    result, days = _plan()
    classes = _classes(days)
    for session in live(result.plan.sessions):
        assert not classes[session.local_date].is_demanding


def test_hip_session_never_lands_the_day_before_a_long_run_or_intervals() -> None:
    result, days = _plan()
    classes = _classes(days)
    for session in live(result.plan.sessions):
        if session.kind is SessionKind.HIP:
            assert not classes[session.local_date + timedelta(days=1)].is_demanding


def test_sessions_of_one_kind_are_two_days_apart_and_one_a_day() -> None:
    result, _ = _plan()
    sessions = live(result.plan.sessions)
    for a in sessions:
        for b in sessions:
            if a.id == b.id:
                continue
            assert a.local_date != b.local_date
            if a.kind is b.kind:
                assert abs((a.local_date - b.local_date).days) >= 2


def test_rest_days_come_first() -> None:
    result, _ = _plan()
    first_week = [s for s in live(result.plan.sessions) if s.local_date < MONDAY + timedelta(7)]
    days = {s.local_date.weekday() for s in first_week}
    assert {0, 4} <= days  # Monday and Friday are the rest days


def test_unavailable_weekdays_and_dates_are_never_used() -> None:
    blocked = MONDAY + timedelta(days=9)
    result, _ = _plan(prof=profile(unavailable_weekdays=(0,), unavailable_dates=(blocked,)))
    for session in live(result.plan.sessions):
        assert session.local_date.weekday() != 0
        assert session.local_date != blocked


def test_preferred_days_win_between_equal_days() -> None:
    result, _ = _plan(pattern="E" * 21, prof=profile(preferred_weekdays=(1, 3)))
    first_week = {s.local_date.weekday() for s in live(result.plan.sessions)[:4]}
    assert {1, 3} <= first_week


def test_every_session_says_why_it_sits_on_its_day() -> None:
    result, _ = _plan()
    for session in live(result.plan.sessions):
        assert session.reasons
        day_name = session.local_date.strftime("%A")
        assert day_name in session.reasons[0]
    hips = [s for s in live(result.plan.sessions) if s.kind is SessionKind.HIP]
    assert any(
        "Not Monday: it is the day before your Tuesday intervals" in " ".join(s.reasons)
        and "(W5)" in " ".join(s.reasons)
        for s in hips
    )


def test_session_ids_are_short_stable_and_typeable() -> None:
    sid = session_id(7, MONDAY, SessionKind.CORE, 1)
    assert sid == session_id(7, MONDAY + timedelta(days=3), SessionKind.CORE, 1)
    assert sid != session_id(7, MONDAY, SessionKind.CORE, 2)
    assert sid != session_id(8, MONDAY, SessionKind.CORE, 1)
    assert len(sid) == 10
    assert sid.isalnum()
    assert sid == sid.lower()


def test_a_crowded_week_may_double_on_a_rest_day_when_the_setting_allows() -> None:
    # Only Monday and Thursday are free (both rest days): four sessions need two doubles.
    pattern = "REHREHL" * 3
    settings = PlannerSettings(allow_rest_day_double=True)
    days = days_from_pattern(MONDAY, pattern, MONDAY)
    result = run(
        make_inputs(today=MONDAY, days=days, prof=profile(unavailable_weekdays=(1, 4))), settings
    )
    first = [s for s in live(result.plan.sessions) if s.local_date < MONDAY + timedelta(7)]
    shared = [s for s in first if sum(o.local_date == s.local_date for o in first) == 2]
    assert len(shared) == 4
    assert all(s.minutes < 25 for s in shared)
    assert all("W3" in " ".join(s.reasons) for s in shared)


# ---------------------------------------------------------------- check_placement


def _inputs_with_plan() -> tuple[PlanInputs, PlanResult]:
    days = days_from_pattern(MONDAY, WEEK * 3, MONDAY)
    inputs = make_inputs(today=MONDAY, days=days)
    result = run(inputs)
    return make_inputs(today=MONDAY, days=days, current=result.plan.sessions), result


def test_check_placement_names_w4_for_a_long_run_day() -> None:
    inputs, _ = _inputs_with_plan()
    sunday = MONDAY + timedelta(days=6)
    breaks = check_placement(inputs, SessionKind.CORE, sunday, PlannerSettings())
    assert "W4" in {b.rule for b in breaks}
    assert any("long run" in b.message for b in breaks)


def test_check_placement_names_w5_for_a_hip_session_before_intervals() -> None:
    inputs, _ = _inputs_with_plan()
    breaks = check_placement(inputs, SessionKind.HIP, MONDAY, PlannerSettings())
    w5 = [b for b in breaks if b.rule == "W5"]
    assert w5
    assert "Tuesday" in w5[0].message


def test_check_placement_names_w2_w3_and_w1() -> None:
    inputs, result = _inputs_with_plan()
    first = [s for s in live(result.plan.sessions) if s.local_date < MONDAY + timedelta(7)]
    core = next(s for s in first if s.kind is SessionKind.CORE)
    hip = next(s for s in first if s.kind is SessionKind.HIP)
    # Another core the day after a core: W2; onto the hip's day: W3; a third core: W1.
    rules = {
        b.rule
        for b in check_placement(
            inputs, SessionKind.CORE, core.local_date + timedelta(days=1), PlannerSettings()
        )
    }
    assert "W2" in rules
    assert "W1" in rules
    rules = {
        b.rule
        for b in check_placement(
            inputs, SessionKind.CORE, hip.local_date, PlannerSettings(), session_id=core.id
        )
    }
    assert "W3" in rules
    assert "W1" not in rules  # moving within its own week keeps the count


def test_check_placement_accepts_a_good_day_and_refuses_the_past() -> None:
    inputs, result = _inputs_with_plan()
    first = [s for s in live(result.plan.sessions) if s.local_date < MONDAY + timedelta(7)]
    core = next(s for s in first if s.kind is SessionKind.CORE)
    assert (
        check_placement(
            inputs, SessionKind.CORE, core.local_date, PlannerSettings(), session_id=core.id
        )
        == []
    )
    past = check_placement(
        inputs, SessionKind.CORE, MONDAY - timedelta(days=2), PlannerSettings(), session_id=core.id
    )
    assert "past" in {b.rule for b in past}


def test_today_is_closed_once_the_session_time_has_passed() -> None:
    inputs, _ = _inputs_with_plan()
    breaks = check_placement(
        inputs, SessionKind.CORE, MONDAY, PlannerSettings(), start_time=time(6, 0)
    )
    assert "past" in {b.rule for b in breaks}


def test_declared_pattern_stands_in_when_there_is_no_forecast() -> None:
    prof = profile(long_run_days=(6,), hard_days=(1,), rest_days=(0,))
    result = run(make_inputs(today=MONDAY, days=[], prof=prof))
    for session in live(result.plan.sessions):
        assert session.local_date.weekday() not in (1, 6)
        if session.kind is SessionKind.HIP:
            assert session.local_date.weekday() not in (0, 5)
    assert all(s.status is SessionStatus.PLANNED for s in live(result.plan.sessions))
    assert DayClass.LONG.is_demanding
