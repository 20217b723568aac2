"""The installed `syncsvc` console script in a real child process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from syncsvc.testing.cli import run_subprocess, snapshot
from tests.cli.conftest import DEMO_NOW

NOW = {"SYNCSVC_NOW": DEMO_NOW.isoformat()}


def test_plan_json_through_the_installed_console_script(demo_home: Path) -> None:
    result = run_subprocess(
        ["--home", str(demo_home), "plan", "--json"], env=NOW, console_script=True
    )
    assert result.exit_code == 0, result.stderr
    sessions = json.loads(result.stdout)
    assert sessions
    assert {s["kind"] for s in sessions} == {"core", "hip"}
    assert sessions[0]["date"] == "2026-11-23"


def test_a_bad_session_id_in_a_child_process_is_one_line_and_exit_2(demo_home: Path) -> None:
    before = snapshot(demo_home)
    result = run_subprocess(
        ["--home", str(demo_home), "plan", "move", "zzzz", "tomorrow"],
        env=NOW,
        console_script=True,
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: no session with id 'zzzz' (syncsvc plan lists the session ids)"
    )
    assert snapshot(demo_home) == before


def test_syncsvc_plan_loads_no_heavy_library(demo_home: Path) -> None:
    """Cold start: pandas, numpy, icalendar, stravalib, matplotlib stay unloaded for `plan`."""
    probe = (
        "import sys\n"
        "from syncsvc.cli.main import app\n"
        "try:\n"
        f"    app(['--home', {str(demo_home)!r}, 'plan'], standalone_mode=False)\n"
        "finally:\n"
        "    heavy = ('pandas', 'numpy', 'icalendar', 'stravalib', 'garminconnect',\n"
        "             'matplotlib', 'recurring_ical_events', 'uvicorn', 'fitdecode')\n"
        "    print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe],
        env={"SYNCSVC_NOW": DEMO_NOW.isoformat(), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "Plan of demo" in completed.stdout
    assert completed.stderr.strip().splitlines()[-1] == "[]"
