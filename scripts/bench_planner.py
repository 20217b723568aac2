"""Planner figures: time of one full replan, and sessions moved per replan over a season.

Run: .venv/bin/python scripts/bench_planner.py [--runs 200] [--json]

1. A full replan for one athlete with a 2-week horizon and 10 years of daily
   load (3,650 days + forecast), 520 weekly figures and 10 years of stored
   sessions, overrides and check-ins. Target: under 20 ms (median). The loaded
   inputs are moved out of the cyclic GC's reach first (`gc.freeze()`), as a
   long-running service can do after loading; otherwise a full collection over
   10 years of objects lands in about one replan in ten (+10 ms).
2. A simulated 16-week season with a replan every morning: the forecast shifts
   now and then (a swapped workout, a new race), the runner does most sessions,
   sometimes skips or moves one. Reports sessions moved per replan (lower is
   better) and the share of planned sessions that ever moved.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import time as clock
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from syncsvc.domain import (
    CheckIn,
    DayClass,
    DayLoad,
    Override,
    OverrideAction,
    Profile,
    Session,
    SessionKind,
    SessionStatus,
    WeekLoad,
)
from syncsvc.planner.model import PlanInputs, session_id
from syncsvc.planner.replan import replan
from syncsvc.planner.settings import PlannerSettings
from syncsvc.programme.catalogue import load_catalogue

CLASSES = {
    "R": DayClass.REST,
    "E": DayClass.EASY,
    "M": DayClass.MODERATE,
    "H": DayClass.HARD,
    "L": DayClass.LONG,
    "X": DayClass.RACE,
}
LOADS = {"R": 0.0, "E": 45.0, "M": 70.0, "H": 110.0, "L": 160.0, "X": 220.0}
BASE_WEEK = (
    "RHEMELE"[:6] + "L"
)  # Mon rest, Tue intervals, Wed easy, Thu steady, Fri easy, Sat easy, Sun long


def _day(day: date, letter: str, today: date) -> DayLoad:
    return DayLoad(
        day=day,
        load=LOADS[letter],
        day_class=CLASSES[letter],
        reason="",
        forecast=day >= today,
        distance_m=LOADS[letter] * 90,
        acwr=1.0,
    )


def history_inputs(today: date) -> PlanInputs:
    start = today - timedelta(days=3650)
    start -= timedelta(days=start.weekday())
    rng = random.Random(1)
    days, weeks, sessions, overrides, checkins = [], [], [], [], []
    day = start
    while day < today + timedelta(days=21):
        letter = BASE_WEEK[day.weekday()]
        if rng.random() < 0.1 and letter in "EM":
            letter = rng.choice("REM")
        days.append(_day(day, letter, today))
        day += timedelta(days=1)
    week = start
    while week < today - timedelta(days=today.weekday()):
        weeks.append(WeekLoad(week, 50000.0, 0.02, 0.0, 1.2, 300.0, 1.05))
        for kind, offsets in ((SessionKind.CORE, (0, 3)), (SessionKind.HIP, (2, 4))):
            for ordinal, offset in enumerate(offsets, start=1):
                sid = session_id(1, week, kind, ordinal)
                status = SessionStatus.DONE if rng.random() < 0.85 else SessionStatus.MISSED
                sessions.append(
                    Session(
                        id=sid,
                        athlete_id=1,
                        kind=kind,
                        local_date=week + timedelta(days=offset),
                        start_time=time(18),
                        minutes=25,
                        status=status,
                        version=2,
                    )
                )
                if status is SessionStatus.DONE and rng.random() < 0.3:
                    overrides.append(
                        Override(
                            1,
                            OverrideAction.DONE,
                            datetime.combine(week + timedelta(days=offset), time(20), tzinfo=UTC),
                            session_id=sid,
                            rpe=5,
                        )
                    )
        if rng.random() < 0.2:
            checkins.append(CheckIn(1, datetime.combine(week, time(7), tzinfo=UTC), 2))
        week += timedelta(days=7)
    return PlanInputs(
        athlete_id=1,
        profile=Profile(timezone="Europe/Paris"),
        now=datetime.combine(today, time(7), tzinfo=UTC),
        today=today,
        days=tuple(days),
        weeks=tuple(weeks),
        current=tuple(sessions),
        overrides=tuple(overrides),
        checkins=tuple(checkins),
        horizon_weeks=2,
    )


def bench_replan(runs: int) -> dict[str, float]:
    catalogue = load_catalogue()
    settings = PlannerSettings()
    today = date(2026, 11, 24)
    inputs = history_inputs(today)
    first = replan(inputs, settings, catalogue)
    steady = replace(inputs, current=first.plan.sessions)
    # The inputs stay alive across runs, as in the service; freeze them out of the cyclic
    # GC so a full collection over 10 years of objects does not land inside a timing.
    gc.collect()
    gc.freeze()
    timings = []
    for _ in range(runs):
        started = clock.perf_counter()
        replan(steady, settings, catalogue)
        timings.append((clock.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "days": len(inputs.days),
        "stored_sessions": len(first.plan.sessions),
        "median_ms": statistics.median(timings),
        "p95_ms": timings[int(0.95 * len(timings)) - 1],
        "min_ms": timings[0],
    }


def bench_season(seed: int = 7) -> dict[str, float]:
    catalogue = load_catalogue()
    settings = PlannerSettings()
    rng = random.Random(seed)
    start = date(2026, 3, 2)
    season_days = 16 * 7
    plan_letters = {start + timedelta(days=n): BASE_WEEK[n % 7] for n in range(season_days + 21)}
    race_day = start + timedelta(days=season_days - 1)
    current: tuple[Session, ...] = ()
    overrides: list[Override] = []
    moved_per_replan: list[int] = []
    ever_moved: set[str] = set()
    for offset in range(season_days):
        today = start + timedelta(days=offset)
        now = datetime.combine(today, time(6), tzinfo=UTC)
        # The plan source changes now and then: a workout swapped inside the coming week.
        if rng.random() < 0.15:
            a = today + timedelta(days=rng.randint(2, 9))
            b = a + timedelta(days=rng.choice((-1, 1)))
            plan_letters[a], plan_letters[b] = plan_letters[b], plan_letters[a]
        if today + timedelta(days=14) >= race_day:
            plan_letters[race_day] = "X"
        for session in current:
            if (
                session.local_date == today - timedelta(days=1)
                and session.status is SessionStatus.PLANNED
            ):
                roll = rng.random()
                action = OverrideAction.DONE if roll < 0.85 else OverrideAction.SKIP
                overrides.append(
                    Override(1, action, now - timedelta(hours=1), session_id=session.id)
                )
        if rng.random() < 0.03:
            future = [
                s
                for s in current
                if s.local_date > today + timedelta(days=1) and s.status is SessionStatus.PLANNED
            ]
            if future:
                pick = rng.choice(future)
                overrides.append(
                    Override(1, OverrideAction.PIN, now - timedelta(minutes=5), session_id=pick.id)
                )
        days = [
            _day(day, letter, today)
            for day, letter in plan_letters.items()
            if day <= today + timedelta(days=21)
        ]
        inputs = PlanInputs(
            athlete_id=1,
            profile=Profile(),
            now=now,
            today=today,
            days=days,
            current=current,
            overrides=tuple(overrides),
            horizon_weeks=2,
        )
        result = replan(inputs, settings, catalogue)
        moved_per_replan.append(len(result.moved))
        ever_moved.update(result.moved)
        current = result.plan.sessions
    planned = [s for s in current if s.status is not SessionStatus.CANCELLED]
    return {
        "replans": len(moved_per_replan),
        "moves_total": sum(moved_per_replan),
        "moved_per_replan_mean": statistics.mean(moved_per_replan),
        "moved_per_replan_max": max(moved_per_replan),
        "replans_with_a_move": sum(1 for m in moved_per_replan if m),
        "sessions": len(planned),
        "share_of_sessions_ever_moved": len(ever_moved & {s.id for s in planned}) / len(planned),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = {"replan": bench_replan(args.runs), "season": bench_season()}
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    r, s = figures["replan"], figures["season"]
    print(f"full replan, {r['days']} days of history, {r['stored_sessions']} stored sessions:")
    print(f"  median {r['median_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms (target < 20 ms)")
    print(f"16-week season, {s['replans']} daily replans, {s['sessions']} sessions:")
    mean, most = s["moved_per_replan_mean"], s["moved_per_replan_max"]
    print(f"  moved per replan: mean {mean:.3f}, max {most}")
    print(f"  replans that moved anything: {s['replans_with_a_move']}; moves: {s['moves_total']}")
    share = s["share_of_sessions_ever_moved"]
    print(f"  share of sessions that ever moved: {share:.1%} (target <= 25 %)")


if __name__ == "__main__":
    main()
