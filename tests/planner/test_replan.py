"""Replanning: stability, the runner's decisions, the frozen past, versions (and P4, P5, W6, W7)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from syncsvc.domain import (
    Activity,
    CheckIn,
    Override,
    OverrideAction,
    Session,
    SessionKind,
    SessionOrigin,
    SessionStatus,
    Source,
    Sport,
)
from syncsvc.planner.explain import format_mobility, format_reasons, format_session
from syncsvc.planner.model import PlanResult
from syncsvc.planner.overrides import added_session_id

from .plan_builders import MONDAY, days_from_pattern, live, make_inputs, noon, profile, run

WEEK = "RHEERE" + "L"
PATTERN = WEEK * 5


def _first(today: date = MONDAY, pattern: str = PATTERN, **kwargs: Any) -> PlanResult:
    days = days_from_pattern(MONDAY, pattern, today)
    return run(make_inputs(today=today, days=days, **kwargs))


def _again(
    previous: PlanResult, today: date = MONDAY, pattern: str = PATTERN, **kwargs: Any
) -> PlanResult:
    days = days_from_pattern(MONDAY, pattern, today)
    return run(make_inputs(today=today, days=days, current=previous.plan.sessions, **kwargs))


def _by_id(result: PlanResult) -> dict[str, Session]:
    return {s.id: s for s in result.plan.sessions}


def _future(result: PlanResult, kind: SessionKind | None = None) -> list[Session]:
    return [
        s
        for s in live(result.plan.sessions)
        if s.local_date > MONDAY and (kind is None or s.kind is kind)
    ]


def test_replanning_unchanged_inputs_changes_nothing() -> None:
    first = _first()
    second = _again(first)
    assert second.changes == ()
    assert second.plan.sessions == first.plan.sessions


def test_new_sessions_start_at_version_zero_with_changed_at_now() -> None:
    first = _first()
    for session in first.plan.sessions:
        assert session.version == 0
        assert session.changed_at == noon(MONDAY)
        assert session.created_at == noon(MONDAY)


def test_a_new_hard_run_moves_only_the_session_it_breaks() -> None:
    roomy = "REEEREL" * 5
    first = _first(pattern=roomy)
    hip = next(s for s in _future(first, SessionKind.HIP) if s.local_date < MONDAY + timedelta(7))
    day = (hip.local_date - MONDAY).days
    pattern = roomy[: day + 1] + "H" + roomy[day + 2 :]  # the day after the hip turns hard
    later = noon(MONDAY) + timedelta(hours=1)
    second = _again(first, pattern=pattern, now=later)
    assert second.moved == (hip.id,)
    moved = _by_id(second)[hip.id]
    assert moved.local_date != hip.local_date
    assert moved.version == hip.version + 1
    assert moved.changed_at == later
    for session in first.plan.sessions:
        if session.id != hip.id:
            after = _by_id(second)[session.id]
            assert after.local_date == session.local_date
    assert any(c.session_id == hip.id and c.what == "moved" for c in second.changes)
    assert all(c.reason for c in second.changes)


def test_past_planned_session_becomes_missed_and_keeps_its_content() -> None:
    first = _first()
    monday = next(s for s in first.plan.sessions if s.local_date == MONDAY)
    tomorrow = MONDAY + timedelta(days=1)
    second = _again(first, today=tomorrow, now=noon(tomorrow))
    after = _by_id(second)[monday.id]
    assert after.status is SessionStatus.MISSED
    assert after.content == monday.content
    assert after.local_date == monday.local_date
    assert after.version == monday.version + 1


def test_a_strength_activity_on_the_day_marks_the_session_done() -> None:
    first = _first()
    monday = next(s for s in first.plan.sessions if s.local_date == MONDAY)
    lift = Activity(
        source=Source.GARMIN,
        source_id="g1",
        start_utc=datetime(2026, 11, 2, 18, 5, tzinfo=UTC),
        sport=Sport.STRENGTH,
        sport_raw="strength_training",
    )
    tomorrow = MONDAY + timedelta(days=1)
    second = _again(first, today=tomorrow, now=noon(tomorrow), strength_activities=(lift,))
    assert _by_id(second)[monday.id].status is SessionStatus.DONE


def test_todays_session_stays_once_it_has_started() -> None:
    first = _first()
    monday = next(s for s in first.plan.sessions if s.local_date == MONDAY)
    evening = datetime(2026, 11, 2, 19, 0, tzinfo=UTC)  # after the 18:00 start
    # Monday turns into a race day: it would break W4, but the session has started.
    second = _again(first, pattern="X" + PATTERN[1:], now=evening)
    after = _by_id(second)[monday.id]
    assert after.local_date == MONDAY
    assert after.status is SessionStatus.PLANNED


def test_todays_session_moves_before_it_starts_when_a_rule_breaks() -> None:
    first = _first()
    monday = next(s for s in first.plan.sessions if s.local_date == MONDAY)
    second = _again(first, pattern="X" + PATTERN[1:], now=noon(MONDAY))
    assert _by_id(second)[monday.id].local_date != MONDAY


def _override(action: OverrideAction, **fields: Any) -> Override:
    return Override(athlete_id=7, action=action, at=noon(MONDAY), **fields)


def test_a_runner_moved_session_stays_and_warns_when_it_later_breaks_w4() -> None:
    first = _first()
    core = _future(first, SessionKind.CORE)[0]
    thursday = MONDAY + timedelta(days=3)
    move = _override(OverrideAction.MOVE, session_id=core.id, local_date=thursday)
    second = _again(first, overrides=(move,))
    moved = _by_id(second)[core.id]
    assert moved.local_date == thursday
    assert moved.origin is SessionOrigin.USER
    assert moved.pinned  # "move a session (this pins it)"
    # Later the forecast turns Thursday into intervals: the session stays and says so.
    pattern = PATTERN[:3] + "H" + PATTERN[4:]
    third = _again(second, pattern=pattern, overrides=(move,))
    stays = _by_id(third)[core.id]
    assert stays.local_date == thursday
    assert any(w.startswith("W4") for w in stays.warnings)
    assert "W4" in " ".join(stays.reasons)
    assert "You moved this session to Thursday" in stays.reasons[0]
    assert "Thursday holds your" in stays.reasons[0]
    assert len(stays.reasons[0].splitlines()) == 1
    for session in live(third.plan.sessions):
        if session.origin is SessionOrigin.PLANNER and session.local_date > MONDAY:
            assert session.local_date != thursday


def test_a_pinned_session_does_not_move_when_the_forecast_changes() -> None:
    roomy = "REEEREL" * 5
    first = _first(pattern=roomy)
    hip = _future(first, SessionKind.HIP)[0]
    pin = _override(OverrideAction.PIN, session_id=hip.id)
    day = (hip.local_date - MONDAY).days
    pattern = roomy[: day + 1] + "L" + roomy[day + 2 :]
    second = _again(first, pattern=pattern, overrides=(pin,))
    pinned = _by_id(second)[hip.id]
    assert pinned.local_date == hip.local_date
    assert pinned.pinned
    assert any(w.startswith("W5") for w in pinned.warnings)
    unpin = Override(
        7, OverrideAction.UNPIN, noon(MONDAY) + timedelta(minutes=5), session_id=hip.id
    )
    third = _again(second, pattern=pattern, overrides=(pin, unpin))
    assert _by_id(third)[hip.id].local_date != hip.local_date
    assert _by_id(third)[hip.id].warnings == ()


def test_a_skipped_session_is_not_made_up_by_doubling() -> None:
    first = _first()
    core = _future(first, SessionKind.CORE)[0]
    second = _again(first, overrides=(_override(OverrideAction.SKIP, session_id=core.id),))
    skipped = _by_id(second)[core.id]
    assert skipped.status is SessionStatus.SKIPPED
    week = [
        s
        for s in live(second.plan.sessions)
        if s.kind is SessionKind.CORE and (s.local_date - MONDAY).days < 7
    ]
    assert len(week) == 2  # the skipped one still counts; no replacement is added
    assert "P6" in " ".join(skipped.reasons)


def test_added_session_gets_the_id_the_cli_announces_and_stays() -> None:
    first = _first()
    saturday = MONDAY + timedelta(days=5)
    add = _override(OverrideAction.ADD, local_date=saturday, kind=SessionKind.CORE)
    expected = added_session_id(7, (), saturday, SessionKind.CORE)
    second = _again(first, overrides=(add,))
    added = _by_id(second)[expected]
    assert added.local_date == saturday
    assert added.origin is SessionOrigin.USER
    assert added.content is not None
    assert any(c.what == "added" and c.session_id == expected for c in second.changes)


def test_reset_hands_runner_sessions_back_to_the_planner() -> None:
    first = _first()
    core = _future(first, SessionKind.CORE)[0]
    sunday = MONDAY + timedelta(days=6)
    move = _override(OverrideAction.MOVE, session_id=core.id, local_date=sunday, forced=True)
    second = _again(first, overrides=(move,))
    assert _by_id(second)[core.id].local_date == sunday
    assert "--force" in " ".join(_by_id(second)[core.id].reasons)
    reset = Override(7, OverrideAction.RESET, noon(MONDAY) + timedelta(minutes=1))
    third = _again(second, overrides=(move, reset))
    back = _by_id(third)[core.id]
    assert back.local_date != sunday
    assert back.origin is SessionOrigin.PLANNER
    assert back.version == _by_id(second)[core.id].version + 1


def test_marking_done_records_rpe_and_note() -> None:
    first = _first()
    core = _future(first, SessionKind.CORE)[0]
    done = _override(OverrideAction.DONE, session_id=core.id, rpe=6, note="felt solid")
    second = _again(first, overrides=(done,))
    after = _by_id(second)[core.id]
    assert after.status is SessionStatus.DONE
    assert after.rpe == 6
    assert after.outcome_note == "felt solid"


def test_unknown_session_overrides_are_noted_not_fatal() -> None:
    first = _first()
    second = _again(first, overrides=(_override(OverrideAction.PIN, session_id="nosuchid"),))
    assert any("nosuchid" in note for note in second.plan.notes)


def test_low_back_check_in_brings_a_week_of_basics_then_resumes() -> None:
    """P4: a check-in of 5/10 or worse: breathing, bracing, block-1 work at a lower dose."""
    today = MONDAY + timedelta(days=35)
    pattern = WEEK * 9
    base = _first(today=MONDAY, pattern=pattern)
    checkin = CheckIn(athlete_id=7, at=noon(today), back_score=6, note="tight after the long run")
    days = days_from_pattern(MONDAY, pattern, today)
    plain = run(make_inputs(today=today, days=days, current=base.plan.sessions))
    flared = run(
        make_inputs(today=today, days=days, current=base.plan.sessions, checkins=(checkin,))
    )
    week_ahead = [
        s for s in live(flared.plan.sessions) if today <= s.local_date < today + timedelta(7)
    ]
    later = [s for s in live(flared.plan.sessions) if s.local_date >= today + timedelta(7)]
    assert week_ahead
    for session in week_ahead:
        assert session.content is not None
        assert session.content.block == "Foundation"
        assert "P4" in " ".join(session.reasons)
        assert session.content.exercises[0].exercise_id == "breathing_brace"
        normal = next(s for s in plain.plan.sessions if s.id == session.id)
        assert normal.content is not None
        assert sum(e.sets for e in session.content.exercises) < sum(
            e.sets for e in normal.content.exercises
        )
    for session in later:
        assert "P4" not in " ".join(session.reasons)


def test_a_mild_check_in_changes_nothing() -> None:
    first = _first()
    mild = CheckIn(athlete_id=7, at=noon(MONDAY), back_score=2)
    second = _again(first, checkins=(mild,))
    assert second.changes == ()


def test_a_sore_exercise_is_swapped_until_a_later_check_in_clears_it() -> None:
    """P5: swap for the gentler variant or a substitute until tolerance returns."""
    first = _first()
    sore = CheckIn(athlete_id=7, at=noon(MONDAY), back_score=2, sore_exercises=("Dead bug",))
    second = _again(first, checkins=(sore,))
    for session in _future(second, SessionKind.CORE):
        assert session.content is not None
        ids = [e.exercise_id for e in session.content.exercises]
        assert "dead_bug" not in ids
        assert "dead_bug_heel_tap" in ids
        assert "P5" in " ".join(session.reasons)
    clear = CheckIn(athlete_id=7, at=noon(MONDAY) + timedelta(hours=2), back_score=1)
    third = _again(second, checkins=(sore, clear))
    core = _future(third, SessionKind.CORE)[0]
    assert core.content is not None
    assert "dead_bug" in [e.exercise_id for e in core.content.exercises]


def test_rest_days_carry_an_optional_mobility_block() -> None:
    """W6: a short mobility and breathing block on rest days without a session."""
    result = _first(pattern="RRRERRL" * 5)
    busy = {s.local_date for s in live(result.plan.sessions)}
    assert result.plan.mobility
    for block in result.plan.mobility:
        assert block.local_date not in busy
        assert block.minutes == 10
        assert block.items
        assert "Optional rest-day mobility and breathing" in format_mobility(block)
        assert "(W6)" not in format_mobility(block)


def test_every_fourth_programme_week_carries_one_form_check() -> None:
    """W7: a mirror or partner form check on one session every 4 weeks."""
    today = MONDAY + timedelta(days=21)  # programme week 4
    base = _first(pattern=WEEK * 7)
    days = days_from_pattern(MONDAY, WEEK * 7, today)
    result = run(make_inputs(today=today, days=days, current=base.plan.sessions))
    week4 = [s for s in live(result.plan.sessions) if today <= s.local_date < today + timedelta(7)]
    checks = [s for s in week4 if s.content is not None and s.content.form_check]
    assert len(checks) == 1
    assert "W7" in " ".join(checks[0].reasons)
    week5 = [s for s in live(result.plan.sessions) if s.local_date >= today + timedelta(7)]
    assert not any(s.content is not None and s.content.form_check for s in week5)


def test_a_session_reads_as_warm_up_exercises_with_dose_tempo_cues_and_cool_down() -> None:
    session = _future(_first(), SessionKind.HIP)[0]
    text = format_session(session)
    assert session.content is not None
    assert "Warm-up:" in text
    assert "Cool-down:" in text
    for item in session.content.exercises:
        assert item.name in text
        assert item.dose in text
        assert f"tempo {item.tempo}" in text
        assert item.cues[0] in text
    assert format_reasons(session).startswith("Why:")
    assert 4 <= len(session.content.exercises) <= 6


def test_session_length_follows_the_profile() -> None:
    short = _future(_first(prof=profile(session_minutes=15)))[0]
    long = _future(_first(prof=profile(session_minutes=40)))[0]
    assert short.content is not None
    assert long.content is not None
    assert len(short.content.exercises) == 4
    assert len(long.content.exercises) == 6
    assert short.minutes == 15


def test_a_profile_time_change_bumps_versions_but_moves_no_day() -> None:
    first = _first()
    second = _again(first, prof=profile(session_time=time(19, 0)))
    assert second.moved == ()
    for session in live(second.plan.sessions):
        before = _by_id(first)[session.id]
        if session.local_date > MONDAY:
            assert session.start_time == time(19, 0)
            assert session.version == before.version + 1


def test_cancelled_session_revives_when_the_week_frees_up() -> None:
    crowded = "RHXHRXL" + WEEK * 4
    first = _first(pattern=crowded)
    cancelled = [s for s in first.plan.sessions if s.status is SessionStatus.CANCELLED]
    assert first.plan.notes
    second = _again(first, pattern=PATTERN)
    for session in cancelled:
        assert _by_id(second)[session.id].status is SessionStatus.PLANNED


def test_a_content_change_is_explained_by_the_programme_rule() -> None:
    first = _first()
    sore = CheckIn(athlete_id=7, at=noon(MONDAY), back_score=2, sore_exercises=("clamshell",))
    second = _again(first, checkins=(sore,))
    content = [c for c in second.changes if c.what == "content"]
    assert content
    assert all("P5" in c.reason for c in content)


def test_the_session_start_is_read_in_the_athletes_time_zone() -> None:
    """18:00 in Los Angeles is 02:00 UTC the next day: Monday stays open until then."""
    prof = profile(timezone="America/Los_Angeles")
    days = days_from_pattern(MONDAY, PATTERN, MONDAY)
    before_start = datetime(2026, 11, 3, 1, 0, tzinfo=UTC)  # Monday 17:00 local
    after_start = datetime(2026, 11, 3, 3, 0, tzinfo=UTC)  # Monday 19:00 local
    open_plan = run(make_inputs(today=MONDAY, days=days, prof=prof, now=before_start))
    closed_plan = run(make_inputs(today=MONDAY, days=days, prof=prof, now=after_start))
    assert MONDAY in {s.local_date for s in live(open_plan.plan.sessions)}
    assert MONDAY not in {s.local_date for s in live(closed_plan.plan.sessions)}
