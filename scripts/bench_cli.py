#!/usr/bin/env python3
"""Cold start of `syncsvc plan` on a store with 10 years of history, and the demo end to end.

    .venv/bin/python scripts/bench_cli.py [--runs 7]

Builds (once) a home with ~10 years of seeded running in /tmp/syncsvc-bench-10y, runs
the pipeline, then times fresh `syncsvc plan` processes: on the day of the last
pipeline run (the day classes are in the store) and weeks later without a run
since (they are stale, so pandas loads once to compute them in memory). Times
`syncsvc demo` in a clean home.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
HOME = Path("/tmp/syncsvc-bench-10y")
NOW = datetime(2026, 11, 23, 5, 30, tzinfo=UTC)
SYNCSVC = str(Path(sys.executable).with_name("syncsvc"))


def build_home() -> None:
    from syncsvc import clock
    from syncsvc.api.athletes import initialise
    from syncsvc.api.demo import source_records
    from syncsvc.api.pipeline import refresh_athlete
    from syncsvc.domain import Profile
    from syncsvc.runtime import Runtime
    from syncsvc.sources.ingest import store_records
    from syncsvc.sources.settings import MergeSettings
    from syncsvc.testing.history import HistorySpec, generate_history

    clock.set_now(NOW)
    runtime = Runtime.create(home=HOME, athlete_name="bench")
    athlete = initialise(runtime, "bench", Profile(timezone="Europe/Berlin", hr_rest=50)).athlete
    spec = HistorySpec(weeks=522, end=date(2026, 11, 22), strength_every_days=5, seed=10)
    runs = []
    for run in generate_history(spec):
        runs.append(
            {
                "kind": run.kind,
                "sport": run.sport.value,
                "sport_raw": run.sport_raw,
                "start_utc": run.start_utc.isoformat(),
                "timezone": run.timezone,
                "utc_offset_s": run.utc_offset_s,
                "moving_s": run.moving_s,
                "elapsed_s": run.elapsed_s,
                "distance_m": run.distance_m,
                "avg_hr": run.avg_hr,
                "max_hr": run.max_hr,
                "elevation_gain_m": run.elevation_gain_m,
                "workout_type": run.workout_type,
                "garmin_id": run.garmin_id,
                "strava_id": run.strava_id,
            }
        )
    for source, records in source_records(tuple(runs)).items():
        for start in range(0, len(records), 500):
            store_records(
                runtime.store, athlete.id, source, records[start : start + 500], [], MergeSettings()
            )
    refresh_athlete(runtime, athlete.id, trigger="bench", sync=False)
    runtime.close()
    print(f"built {HOME}: {len(runs)} activities", file=sys.stderr)


def timed(args: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    subprocess.run(args, env=env, check=True, capture_output=True)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true")
    options = parser.parse_args()
    if options.rebuild and HOME.exists():
        shutil.rmtree(HOME)
    if not HOME.exists():
        build_home()
    from bench_reference import compile_sources

    compile_sources()  # the bytecode an installed copy has (bench_reference says why)
    env = {**os.environ, "SYNCSVC_NOW": NOW.isoformat()}
    plan = [SYNCSVC, "--home", str(HOME), "plan"]
    subprocess.run(plan, env=env, check=True, capture_output=True)  # warm the OS file cache
    warm = [timed(plan, env) for _ in range(options.runs)]
    weeks_later = {**env, "SYNCSVC_NOW": (NOW + timedelta(days=25)).isoformat()}
    cold = [timed(plan, weeks_later) for _ in range(max(1, options.runs // 2))]
    demo = []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as folder:
            demo.append(timed([SYNCSVC, "demo", "--home", folder + "/d"], dict(os.environ)))
    print(
        f"syncsvc plan, day classes stored:     median {statistics.median(warm):.3f} s "
        f"(min {min(warm):.3f}, max {max(warm):.3f}, n={len(warm)})"
    )
    print(
        f"syncsvc plan, day classes stale:      median {statistics.median(cold):.3f} s "
        f"(n={len(cold)})"
    )
    print(
        f"syncsvc demo, clean home:            median {statistics.median(demo):.3f} s "
        f"(min {min(demo):.3f}, max {max(demo):.3f}, n={len(demo)})"
    )


if __name__ == "__main__":
    main()
