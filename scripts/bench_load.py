#!/usr/bin/env python
"""Benchmark the load model: median time of `analyse_load` over 1, 5 and 10 years.

Builds a seeded synthetic history (about 500 activities a year: runs most days,
some rides, walks and strength sessions; most with heart rate, some pace-only,
some with neither) and times the whole recomputation: per-activity load,
parameters, the daily series, classes, forecast, weeks and the DataFrame.

    .venv/bin/python scripts/bench_load.py [--repeat 25]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from syncsvc.domain import Activity, Profile, Sex, Source, Sport
from syncsvc.load.analysis import analyse_load
from syncsvc.load.settings import LoadSettings

TODAY = date(2026, 11, 24)
ACTIVITIES_PER_YEAR = 500


def synthetic_history(years: int, seed: int = 4) -> list[Activity]:
    rng = random.Random(seed)
    count = ACTIVITIES_PER_YEAR * years
    first = datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=UTC) - timedelta(days=365 * years)
    span_s = 365 * years * 86400
    activities: list[Activity] = []
    for number in range(count):
        start = first + timedelta(seconds=rng.randrange(span_s))
        roll = rng.random()
        sport = (
            Sport.RUN
            if roll < 0.75
            else Sport.RIDE
            if roll < 0.85
            else Sport.STRENGTH
            if roll < 0.95
            else Sport.WALK
        )
        moving_s = rng.uniform(1200, 7200) if sport is not Sport.STRENGTH else 1800.0
        pace = rng.uniform(240, 390)
        has_hr = rng.random() < 0.8
        avg_hr = rng.uniform(120, 175) if has_hr else None
        activities.append(
            Activity(
                source=Source.STRAVA,
                source_id=str(number),
                start_utc=start,
                sport=sport,
                sport_raw=sport.value,
                utc_offset_s=rng.choice((0, 3600, 7200, -18000)),
                name=f"activity {number}",
                distance_m=moving_s / pace * 1000 if sport is Sport.RUN else None,
                moving_s=moving_s,
                avg_hr=avg_hr,
                max_hr=avg_hr + rng.uniform(5, 20) if avg_hr else None,
                elevation_gain_m=rng.uniform(0, 300) if rng.random() < 0.5 else None,
                workout_type=rng.choice((None, 0, 0, 0, 1, 3)),
                suffer_score=rng.uniform(10, 200) if has_hr else None,
                id=number + 1,
                athlete_id=1,
            )
        )
    return sorted(activities, key=lambda a: a.start_utc)


def median_ms(activities: list[Activity], repeat: int) -> float:
    settings = LoadSettings()
    profile = Profile(timezone="Europe/Berlin", hr_rest=50, sex=Sex.FEMALE, hard_days=(1, 3))
    analyse_load(activities, profile, settings, TODAY)
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        analyse_load(activities, profile, settings, TODAY)
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=25)
    args = parser.parse_args()
    print(f"{'years':>5} {'activities':>10} {'days':>6} {'median ms':>10} {'µs/day':>7}")
    for years in (1, 5, 10):
        activities = synthetic_history(years)
        analysis = analyse_load(activities, Profile(), LoadSettings(), TODAY)
        days = len(analysis.days)
        elapsed = median_ms(activities, args.repeat)
        per_day_us = elapsed * 1000 / days
        print(f"{years:>5} {len(activities):>10} {days:>6} {elapsed:>10.1f} {per_day_us:>7.2f}")


if __name__ == "__main__":
    main()
