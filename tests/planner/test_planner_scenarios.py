"""Whole-season scenarios: replans every morning, as the service runs them."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta

from syncsvc.domain import (
    CheckIn,
    DayClass,
    DayLoad,
    Session,
    SessionKind,
    SessionStatus,
    WeekLoad,
)
from syncsvc.planner.model import PlanResult

from .plan_builders import (
    MONDAY,
    days_from_pattern,
    live,
    make_inputs,
    noon,
    profile,
    run,
    simulate,
)

BEGINNER_WEEK = "RHEERE" + "L"


def _weekly(sessions: Sequence[Session], week: date) -> list[Session]:
    return [s for s in live(sessions) if 0 <= (s.local_date - week).days < 7]


def _hard_rules_hold(result: PlanResult, days: list[DayLoad]) -> None:
    classes = {d.day: d.day_class for d in days}
    sessions = [s for s in live(result.plan.sessions) if s.status is SessionStatus.PLANNED]
    for session in sessions:
        assert not classes.get(session.local_date, DayClass.EASY).is_demanding
        if session.kind is SessionKind.HIP:
            after = classes.get(session.local_date + timedelta(days=1), DayClass.EASY)
            assert not after.is_demanding
        for other in sessions:
            if other.id != session.id:
                assert other.local_date != session.local_date
                if other.kind is session.kind:
                    assert abs((other.local_date - session.local_date).days) >= 2


def test_a_beginners_first_eight_weeks() -> None:
    pattern = BEGINNER_WEEK * 11

    results = simulate(
        start=MONDAY,
        days_count=56,
        pattern_for=lambda today: days_from_pattern(MONDAY, pattern, today),
    )
    final = results[-1].plan.sessions
    blocks: list[str] = []
    for week_index in range(8):
        week = MONDAY + timedelta(days=7 * week_index)
        sessions = _weekly(final, week)
        assert Counter(s.kind for s in sessions) == {SessionKind.CORE: 2, SessionKind.HIP: 2}
        assert all(s.content is not None for s in sessions)
        content = sessions[0].content
        assert content is not None
        blocks.append(content.block)
        if week_index < 7:
            assert all(s.status is SessionStatus.DONE for s in sessions)
    assert blocks[:3] == ["Foundation"] * 3
    assert blocks[3] != "Foundation"  # 100 % done: on to the next block in week 4 (P2)
    assert all(s.content.level.value == "beginner" for s in live(final) if s.content)
    # Stability: with an unchanging week nothing ever moves.
    assert sum(len(r.moved) for r in results) == 0
    # The first session of each block week says so.
    week2 = _weekly(final, MONDAY + timedelta(days=7))
    assert any("week 2 of foundation" in " ".join(s.reasons) for s in week2)


def test_a_marathon_build_keeps_hips_off_the_days_before_intervals_and_long_runs() -> None:
    """Long run every Sunday, intervals every Tuesday, a growing build over 16 weeks."""
    week = "RHEMERL"  # Mon rest, Tue intervals, Sun long run
    pattern = week * 19

    def days_for(today: date) -> list[DayLoad]:
        return days_from_pattern(MONDAY, pattern, today)

    def weeks_for(today: date) -> list[WeekLoad]:
        return [
            WeekLoad(MONDAY + timedelta(days=7 * n), 40000 + 2000 * n, 0.05, None, None, None, 1.1)
            for n in range(19)
        ]

    results = simulate(start=MONDAY, days_count=16 * 7, pattern_for=days_for, weeks_for=weeks_for)
    for result in results[::7]:
        _hard_rules_hold(result, days_for(MONDAY))
    final = live(results[-1].plan.sessions)
    for session in final:
        assert session.local_date.weekday() not in (1, 6)  # never on intervals or the long run
        if session.kind is SessionKind.HIP:
            assert session.local_date.weekday() not in (0, 5)  # never the day before
    moves = sum(len(r.moved) for r in results)
    assert moves <= len(final) / 4
    last_block = final[-1].content
    assert last_block is not None
    assert last_block.block != "Foundation"


def test_a_25_percent_mileage_jump_holds_progression() -> None:
    """P3: weekly distance up more than 10 % holds strength progression that week."""
    today = MONDAY + timedelta(days=14)
    pattern = BEGINNER_WEEK * 5
    base = simulate(
        start=MONDAY, days_count=14, pattern_for=lambda t: days_from_pattern(MONDAY, pattern, t)
    )[-1]
    jump = [WeekLoad(today, 50000, 0.25, 0.3, None, None, 1.2)]
    days = days_from_pattern(MONDAY, pattern, today)
    steady = run(make_inputs(today=today, days=days, current=base.plan.sessions))
    jumped = run(make_inputs(today=today, days=days, current=base.plan.sessions, weeks=jump))
    this_week = _weekly(jumped.plan.sessions, today)
    normal_week = _weekly(steady.plan.sessions, today)
    assert this_week
    for held, normal in zip(this_week, normal_week, strict=True):
        assert "progression held: your weekly distance rose 25%" in " ".join(held.reasons)
        assert held.content != normal.content
    previous_week = _weekly(base.plan.sessions, MONDAY + timedelta(days=7))
    prev_core = next(s for s in previous_week if s.kind is SessionKind.CORE)
    held_core = next(s for s in this_week if s.kind is SessionKind.CORE)
    assert prev_core.content is not None
    assert held_core.content is not None
    assert prev_core.content.exercises == held_core.content.exercises
    assert any("P3" in note for note in jumped.plan.notes)


def test_a_low_back_check_in_mid_season() -> None:
    """P4: after a 6/10 check-in, a week of basics at lower dose, then the programme resumes."""
    pattern = BEGINNER_WEEK * 8
    checkin_day = MONDAY + timedelta(days=23)  # a Wednesday
    flare = CheckIn(athlete_id=7, at=noon(checkin_day), back_score=6)

    results = simulate(
        start=MONDAY,
        days_count=42,
        pattern_for=lambda today: days_from_pattern(MONDAY, pattern, today),
        checkins_for=lambda today: (flare,) if today >= checkin_day else (),
    )
    final = live(results[-1].plan.sessions)
    window = [s for s in final if checkin_day <= s.local_date < checkin_day + timedelta(days=7)]
    after = [s for s in final if s.local_date >= checkin_day + timedelta(days=7)]
    before = [s for s in final if s.local_date < checkin_day]
    assert window
    assert after
    assert all("P4" in " ".join(s.reasons) for s in window)
    assert all(s.content and s.content.block == "Foundation" for s in window)
    assert all("Back to basics" not in " ".join(s.reasons) for s in after + before)
    # It resumes where it was: the same block, at most one week further, no skipped steps.
    last_before, first_after = before[-1].content, after[0].content
    assert last_before is not None
    assert first_after is not None
    assert first_after.block == last_before.block
    assert last_before.block_week <= first_after.block_week <= last_before.block_week + 1
    assert any("P4" in note for r in results for note in r.plan.notes)


def test_a_race_week_never_breaks_w4_or_w5_and_says_what_it_dropped() -> None:
    # Tuesday openers, travel on Thursday and Friday, race on Saturday, rest on Sunday.
    race_week = "EHEEEXR"
    pattern = "RHEERE" + "L" + race_week + "RHEERE" + "L"
    race_monday = MONDAY + timedelta(days=7)
    travel = (race_monday + timedelta(days=3), race_monday + timedelta(days=4))
    days = days_from_pattern(MONDAY, pattern, race_monday)
    result = run(make_inputs(today=race_monday, days=days, prof=profile(unavailable_dates=travel)))
    _hard_rules_hold(result, days)
    week = _weekly(result.plan.sessions, race_monday)
    friday = race_monday + timedelta(days=4)
    assert friday not in {s.local_date for s in week if s.kind is SessionKind.HIP}
    assert len(week) < 4
    dropped = [n for n in result.plan.notes if "not every session fits" in n]
    assert dropped
    assert race_monday.isoformat() in dropped[0]
    # The real cause in words, the days ruled out, and what would make room.
    assert "To make room" in dropped[0]
    assert "the day before your" in dropped[0] or "holds your" in dropped[0]


def test_a_week_with_only_two_free_days() -> None:
    """Two free days hold two sessions; the rest are dropped with a reason, not doubled."""
    prof = profile(unavailable_weekdays=(0, 1, 3, 4, 6))
    days = days_from_pattern(MONDAY, "E" * 21, MONDAY)
    result = run(make_inputs(today=MONDAY, days=days, prof=prof))
    week = _weekly(result.plan.sessions, MONDAY)
    assert len(week) == 2
    assert {s.local_date.weekday() for s in week} == {2, 5}
    assert {s.kind for s in week} == {SessionKind.CORE, SessionKind.HIP}
    assert any("not every session fits" in note for note in result.plan.notes)
    # The next replan changes nothing and still explains itself.
    again = run(make_inputs(today=MONDAY, days=days, prof=prof, current=result.plan.sessions))
    assert again.changes == ()


def test_an_ordinary_season_moves_at_most_one_session_in_four() -> None:
    """Stability: 16 weeks of daily replans while the runner swaps workouts now and then."""
    rng = random.Random(3)
    letters = {MONDAY + timedelta(days=n): "RHEMERL"[n % 7] for n in range(16 * 7 + 21)}
    seen: set[date] = set()

    def days_for(today: date) -> list[DayLoad]:
        if today not in seen:
            seen.add(today)
            if rng.random() < 0.15:  # a workout swapped with its neighbour, a week ahead
                a = today + timedelta(days=rng.randint(2, 9))
                b = a + timedelta(days=1)
                letters[a], letters[b] = letters[b], letters[a]
        pattern = "".join(letters[day] for day in sorted(letters))
        return days_from_pattern(MONDAY, pattern, today)

    results = simulate(start=MONDAY, days_count=16 * 7, pattern_for=days_for)
    sessions = live(results[-1].plan.sessions)
    moved = {sid for result in results for sid in result.moved}
    assert len(moved) <= len(sessions) / 4
    assert sum(len(r.moved) for r in results) / len(results) < 0.25


def _stepped_back(result: PlanResult) -> bool:
    notes = " ".join(result.plan.notes)
    reasons = " ".join(r for s in result.plan.sessions for r in s.reasons)
    return "one step back" in notes or "one step back" in reasons


def test_a_ratio_with_under_three_weeks_of_runs_behind_it_never_steps_back() -> None:
    """P3 reads the acute:chronic ratio only where the load chart shows it: a new
    runner's first runs (here two, last week) give a ratio of 2.07 that means nothing."""
    today = MONDAY + timedelta(days=28)
    pattern = "R" * 21 + "RHRRRRL" + BEGINNER_WEEK * 3
    days = days_from_pattern(MONDAY, pattern, today, acwr=2.07)

    result = run(make_inputs(today=today, days=days))

    assert live(result.plan.sessions)
    assert not _stepped_back(result)
    assert not any("P3" in note for note in result.plan.notes)


def test_a_high_ratio_after_four_weeks_of_runs_still_steps_back() -> None:
    """The same ratio with five weeks of running behind it is a real jump (P3)."""
    today = MONDAY + timedelta(days=35)
    days = days_from_pattern(MONDAY, BEGINNER_WEEK * 8, today, acwr=2.07)

    result = run(make_inputs(today=today, days=days))

    assert _stepped_back(result)
    assert any("acute:chronic load ratio 2.07" in note for note in result.plan.notes)
