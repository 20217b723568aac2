#!/usr/bin/env python3
"""Regenerate syncsvc/data/demo_history.json, the bundled history `syncsvc demo` loads.

Made by the project's seeded generator (syncsvc.testing.history), not copied from
anywhere: 12 weeks of a runner in Europe/Berlin ending the day before the demo's
clock, with easy runs, Tuesday intervals, a Sunday long run, a Friday rest day,
a 25 % mileage jump three weeks before the end, some runs without heart rate, and
runs recorded by Garmin, by Strava or by both (the merge counts those once).

    .venv/bin/python scripts/make_demo_history.py
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from syncsvc.testing.history import HistorySpec, generate_history  # noqa: E402

OUT = REPO / "syncsvc" / "data" / "demo_history.json"
DEMO_NOW = datetime(2026, 11, 23, 5, 30, tzinfo=UTC)
"""The demo's clock: Monday 23 November 2026, 06:30 in Berlin."""
TIMEZONE = "Europe/Berlin"
PATTERN = {0: "easy", 1: "intervals", 2: "easy", 3: "easy", 4: "rest", 5: "easy", 6: "long"}


def build() -> dict[str, object]:
    spec = HistorySpec(
        weeks=12,
        end=date(2026, 11, 22),
        timezone=TIMEZONE,
        seed=2026,
        pattern=PATTERN,
        start_time=time(7, 0),
        heart_rate_share=0.75,
        both_sources_share=0.6,
        strava_only_share=0.2,
        jump_week=9,
        jump_factor=1.25,
        hr_rest=50,
        hr_max=188,
        athlete_key="demo",
    )
    runs = []
    for run in generate_history(spec):
        item = asdict(run)
        item["sport"] = run.sport.value
        item["start_utc"] = run.start_utc.isoformat()
        runs.append(item)
    return {
        "about": "Synthetic demo history made by scripts/make_demo_history.py (seeded).",
        "now": DEMO_NOW.isoformat(),
        "athlete": {
            "name": "demo",
            "timezone": TIMEZONE,
            "hr_rest": spec.hr_rest,
            "sex": "f",
            "session_time": "18:00",
            "session_minutes": 25,
        },
        "first_day": (spec.end - timedelta(days=7 * spec.weeks - 1)).isoformat(),
        "last_day": spec.end.isoformat(),
        "runs": runs,
    }


def main() -> None:
    data = build()
    OUT.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    runs = data["runs"]
    assert isinstance(runs, list)
    print(f"wrote {OUT.relative_to(REPO)}: {len(runs)} runs")


if __name__ == "__main__":
    main()
