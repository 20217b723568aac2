"""How the programme progresses: one small step in one dimension per cycle (P1-P3, P6, P7)."""

from __future__ import annotations

import itertools
from datetime import date, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from syncsvc.domain import (
    Session,
    SessionContent,
    SessionKind,
    SessionStatus,
    StrengthLevel,
    WeekLoad,
)
from syncsvc.programme.catalogue import load_catalogue
from syncsvc.programme.content import ContentRequest, build_content
from syncsvc.programme.cycle import Decision, WeekState, programme_weeks
from syncsvc.programme.progression import Dose, describe_dose, next_doses, schedule, volume
from syncsvc.programme.settings import ProgrammeSettings

CATALOGUE = load_catalogue()
SETTINGS = ProgrammeSettings()
START = date(2026, 1, 5)  # a Monday


def _sessions(week: date, statuses: list[SessionStatus]) -> list[Session]:
    kinds = [SessionKind.CORE, SessionKind.HIP, SessionKind.CORE, SessionKind.HIP]
    return [
        Session(
            id=f"{week.isoformat()}-{n}",
            athlete_id=1,
            kind=kinds[n % 4],
            local_date=week + timedelta(days=n * 2),
            start_time=time(18),
            minutes=25,
            status=status,
        )
        for n, status in enumerate(statuses)
    ]


def _states(
    weeks: int,
    statuses: dict[int, list[SessionStatus]] | None = None,
    loads: dict[int, WeekLoad] | None = None,
    level: StrengthLevel = StrengthLevel.BEGINNER,
) -> list[WeekState]:
    statuses = statuses or {}
    by_week = {
        START + timedelta(days=7 * n): _sessions(
            START + timedelta(days=7 * n), statuses.get(n, [SessionStatus.DONE] * 4)
        )
        for n in range(weeks)
    }
    week_loads = {START + timedelta(days=7 * n): load for n, load in (loads or {}).items()}
    result = programme_weeks(
        start=START,
        until=START + timedelta(days=7 * (weeks - 1)),
        sessions_by_week=by_week,
        week_loads=week_loads,
        day_loads={},
        today=START + timedelta(days=7 * weeks),
        level=level,
        catalogue=CATALOGUE,
        settings=SETTINGS,
    )
    return [result[week] for week in sorted(result)]


def _content(state: WeekState, kind: SessionKind, level: StrengthLevel) -> SessionContent:
    request = ContentRequest(kind=kind, level=level, state=state, minutes=25, exercise_count=5)
    return build_content(request, CATALOGUE, SETTINGS)[0]


def _session_volume(content: SessionContent, only: set[str]) -> float:
    """Volume of the exercises in `only` (a rotated-in substitute is a new exercise)."""
    total = 0.0
    for item in content.exercises:
        if item.exercise_id in only:
            exercise = CATALOGUE.exercise(item.exercise_id)
            dose = Dose(item.sets, item.reps, item.hold_s, item.band)
            total += volume(exercise, dose, SETTINGS)
    return total


def _one_small_step(before: SessionContent, after: SessionContent) -> int:
    """How many exercises changed (same exercise, same slot); asserts each change is one step."""
    changed = 0
    for old, new in zip(before.exercises, after.exercises, strict=True):
        if old.exercise_id != new.exercise_id:
            continue  # rotated in (P7) or swapped: a different exercise, not a dose step
        diffs = {
            "sets": (old.sets, new.sets),
            "reps": (old.reps, new.reps),
            "hold_s": (old.hold_s, new.hold_s),
            "band": (old.band, new.band),
        }
        moved = {name: pair for name, pair in diffs.items() if pair[0] != pair[1]}
        if not moved:
            continue
        changed += 1
        assert len(moved) == 1, f"two dimensions at once: {old} -> {new}"
        ((name, (a, b)),) = moved.items()
        if name == "band":
            assert isinstance(a, str)
            assert isinstance(b, str)
            assert SETTINGS.bands.index(b) == SETTINGS.bands.index(a) + 1
        else:
            assert isinstance(a, int)
            assert isinstance(b, int)
            step = {"sets": SETTINGS.set_step, "reps": SETTINGS.reps_step}
            assert b == a + step.get(name, SETTINGS.hold_step_s)
    assert changed <= 1, "more than one exercise stepped in one cycle"
    return changed


def test_beginner_walks_from_week_one_to_the_last_block_one_small_step_at_a_time() -> None:
    level = StrengthLevel.BEGINNER
    states = _states(20, level=level)
    assert states[0].block_index == 0
    assert states[0].block_week == 1
    assert states[-1].block_index == len(CATALOGUE.blocks) - 1
    steps = 0
    for previous, state in itertools.pairwise(states):
        if state.decision is Decision.NEXT_BLOCK:
            assert state.block_index == previous.block_index + 1
            assert state.block_week == 1
            assert state.step == 0
            continue
        assert state.decision is Decision.PROGRESS
        assert state.block_index == previous.block_index
        for kind in SessionKind:
            before, after = _content(previous, kind, level), _content(state, kind, level)
            steps += _one_small_step(before, after)
            same = {e.exercise_id for e in before.exercises} & {
                e.exercise_id for e in after.exercises
            }
            if not same:
                continue
            growth = _session_volume(after, same) / _session_volume(before, same) - 1
            assert growth <= SETTINGS.max_volume_step + 1e-9
    assert steps >= 20


def test_intermediate_walk_also_moves_one_dimension_at_a_time() -> None:
    level = StrengthLevel.INTERMEDIATE
    states = _states(16, level=level)
    for previous, state in itertools.pairwise(states):
        if state.decision is Decision.PROGRESS:
            for kind in SessionKind:
                _one_small_step(_content(previous, kind, level), _content(state, kind, level))


@settings(max_examples=60, deadline=None)
@given(
    exercise_id=st.sampled_from(sorted(CATALOGUE.exercises)),
    steps=st.integers(min_value=0, max_value=12),
)
def test_every_next_dose_is_one_step_in_one_dimension(exercise_id: str, steps: int) -> None:
    exercise = CATALOGUE.exercise(exercise_id)
    doses, _ = schedule([exercise], steps, SETTINGS)
    dose = doses[0]
    assert dose.sets <= exercise.sets_max
    assert dose.reps is None or dose.reps <= exercise.rep_ceiling
    for dimension, candidate in next_doses(exercise, dose, SETTINGS):
        changed = [
            f
            for f in ("sets", "reps", "hold_s", "band")
            if getattr(candidate, f) != getattr(dose, f)
        ]
        assert changed == [{"hold": "hold_s"}.get(dimension, dimension)]


def test_the_one_step_property_is_never_vacuous_every_exercise_can_step_from_its_start() -> None:
    """Guard of the property above: with no next dose at all it would pass on nothing."""
    for exercise_id in sorted(CATALOGUE.exercises):
        exercise = CATALOGUE.exercise(exercise_id)
        doses, _ = schedule([exercise], 0, SETTINGS)
        assert list(next_doses(exercise, doses[0], SETTINGS)), exercise_id


def test_a_session_never_grows_more_than_a_quarter_in_one_cycle() -> None:
    for block in CATALOGUE.blocks:
        for level in StrengthLevel:
            for kind in SessionKind:
                exercises = [CATALOGUE.exercise(i) for i in block.for_level(level).main(kind)[:6]]
                previous = None
                for steps in range(15):
                    doses, _ = schedule(exercises, steps, SETTINGS)
                    total = sum(
                        volume(e, d, SETTINGS) for e, d in zip(exercises, doses, strict=False)
                    )
                    if previous is not None:
                        assert total <= previous * (1 + SETTINGS.max_volume_step) + 1e-9
                    previous = total


def test_beginner_stays_in_a_block_until_sessions_are_done_consistently() -> None:
    """P2: at least 80 % done over the last 2 weeks before the next block."""
    missed = [SessionStatus.DONE, SessionStatus.MISSED, SessionStatus.DONE, SessionStatus.MISSED]
    states = _states(6, statuses={1: missed, 2: missed})
    assert states[3].decision is Decision.STAY
    assert states[3].block_index == 0
    assert "50 %" in states[3].reason or "50%" in states[3].reason
    assert states[5].block_index == 1  # weeks 3-4 complete: on to the next block


def test_intermediate_moves_on_after_the_block_length_regardless_of_completion() -> None:
    missed = [SessionStatus.DONE, SessionStatus.MISSED, SessionStatus.DONE, SessionStatus.MISSED]
    states = _states(5, statuses={1: missed, 2: missed}, level=StrengthLevel.INTERMEDIATE)
    assert states[3].decision is Decision.NEXT_BLOCK


def _load(week: int, change: float | None = None, acwr: float | None = None) -> WeekLoad:
    return WeekLoad(START + timedelta(days=7 * week), 40000, change, None, None, None, acwr)


def test_progression_holds_when_weekly_distance_jumps_more_than_ten_percent() -> None:
    states = _states(3, loads={2: _load(2, change=0.18)})
    assert states[2].decision is Decision.HOLD
    assert states[2].step == states[1].step
    assert "18 %" in states[2].reason or "18%" in states[2].reason
    assert "P3" in states[2].reason


def test_progression_holds_when_acute_chronic_ratio_passes_one_point_three() -> None:
    states = _states(3, loads={2: _load(2, acwr=1.35)})
    assert states[2].decision is Decision.HOLD


def test_dose_steps_back_when_acute_chronic_ratio_passes_one_point_five() -> None:
    states = _states(4, loads={3: _load(3, acwr=1.6)})
    assert states[3].decision is Decision.STEP_BACK
    assert states[3].step == states[2].step - 1


def test_two_missed_sessions_in_a_row_repeat_the_week() -> None:
    """P6: no doubling to make up, and no progression after two misses in a row."""
    tail = [SessionStatus.DONE, SessionStatus.DONE, SessionStatus.MISSED, SessionStatus.MISSED]
    states = _states(3, statuses={1: tail})
    assert states[2].decision is Decision.REPEAT
    assert (states[2].block_week, states[2].step) == (states[1].block_week, states[1].step)


def test_one_missed_session_does_not_repeat_the_week() -> None:
    tail = [SessionStatus.DONE, SessionStatus.MISSED, SessionStatus.DONE, SessionStatus.DONE]
    states = _states(3, statuses={1: tail})
    assert states[2].decision is Decision.PROGRESS


def test_a_substitute_rotates_in_after_three_weeks_on_the_same_exercise() -> None:
    """P7: same muscle group, same level, after 3 weeks."""
    weak = [SessionStatus.MISSED, SessionStatus.DONE] * 2
    states = _states(6, statuses={n: weak for n in range(6)})
    level = StrengthLevel.BEGINNER
    early = _content(states[2], SessionKind.CORE, level)  # block week 3
    later = _content(states[3], SessionKind.CORE, level)  # block week 4
    assert states[3].block_index == 0
    swapped = [
        (a, b)
        for a, b in zip(early.exercises, later.exercises, strict=False)
        if a.exercise_id != b.exercise_id
    ]
    assert swapped
    for a, b in swapped:
        old, new = CATALOGUE.exercise(a.exercise_id), CATALOGUE.exercise(b.exercise_id)
        assert new.muscle_group == old.muscle_group
        assert new.level is old.level
        assert "P7" in b.note


def test_doses_read_plainly() -> None:
    side_plank = CATALOGUE.exercise("side_plank")
    doses, _ = schedule([side_plank], 1, SETTINGS)
    assert describe_dose(side_plank, doses[0]) == "3 × 25 s hold each side"
    monster = CATALOGUE.exercise("monster_walk")
    assert describe_dose(monster, schedule([monster], 0, SETTINGS)[0][0]) == (
        "3 × 10 steps each way, light band"
    )


def test_a_week_without_sessions_holds_the_doses() -> None:
    states = _states(4, statuses={1: []})
    assert states[2].decision is Decision.HOLD
    assert states[2].step == states[1].step
