#!/usr/bin/env python3
"""Replanning every athlete of a club on SQLite, alone (scripts/bench.py runs it too).

    .venv/bin/python scripts/bench_replan_all.py [--athletes 1000]

Builds a store of `--athletes` athletes with a year of synthetic history each
(Strava and Garmin records, merged), plans them once, then times the replan of
all of them three ways in the same run: one `refresh_athlete` each (the reference,
a read per athlete) and `replan_all` (contexts read in batches of 200), in one
process and then with one worker process per CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--athletes", type=int, default=1000)
    arguments = parser.parse_args()
    from syncsvc import clock

    clock.set_now(bench.NOW)
    with tempfile.TemporaryDirectory() as folder:
        figures = bench.many_athletes(Path(folder), arguments.athletes)
    figures["load_average"] = [round(load, 2) for load in os.getloadavg()]
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
