"""What the CLI renders: the `--json` rows, a cheap import, and the `--plot` PNG."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, time, timedelta
from pathlib import Path

from load_factories import activity, easy_weeks

from syncsvc.domain import Profile, Session, SessionKind, Sport
from syncsvc.load import analyse_load, analysis_to_json, plot_load
from syncsvc.load.settings import LoadSettings

TODAY = date(2026, 11, 24)
REQUIRED = {
    "date",
    "load",
    "distance_km",
    "class",
    "reason",
    "atl",
    "ctl",
    "tsb",
    "acwr",
    "forecast",
}


def test_json_rows_hold_the_issue_fields_with_forecast_days_last() -> None:
    analysis = analyse_load(
        easy_weeks(TODAY - timedelta(days=1), 8), Profile(), LoadSettings(), TODAY
    )
    rows = analysis_to_json(analysis, days=10)
    assert all(row.keys() >= REQUIRED for row in rows)
    assert [row["forecast"] for row in rows] == [False] * 10 + [True] * 15
    assert rows[10]["date"] == TODAY.isoformat()
    assert rows[0]["date"] == (TODAY - timedelta(days=10)).isoformat()
    json.dumps(rows)  # plain JSON values only
    monday = next(row for row in rows if row["date"] == "2026-11-23")
    assert monday["distance_km"] == round(40 / 6, 2)
    assert monday["class"] in {"easy", "moderate", "hard"}


def test_json_days_none_gives_the_whole_past() -> None:
    analysis = analyse_load([], Profile(), LoadSettings(), TODAY, horizon_days=3)
    rows = analysis_to_json(analysis)
    assert len(rows) == len(analysis.days)
    assert analysis_to_json(analysis, days=0) == rows[-4:]


def test_importing_the_package_does_not_import_pandas() -> None:
    code = "import sys, syncsvc.load; print('pandas' in sys.modules, 'numpy' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]


def test_plot_writes_a_png_with_strength_sessions_marked(tmp_path: Path) -> None:
    history = [
        *easy_weeks(TODAY - timedelta(days=1), 10),
        activity(TODAY - timedelta(days=2), 30, sport=Sport.STRENGTH),
    ]
    analysis = analyse_load(history, Profile(), LoadSettings(), TODAY)
    planned = Session(
        id="s1",
        athlete_id=1,
        kind=SessionKind.HIP,
        local_date=TODAY + timedelta(days=2),
        start_time=time(18),
        minutes=25,
    )
    out = plot_load(analysis, tmp_path / "load.png", sessions=[planned])
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 10_000
