"""`syncsvc plan` and `syncsvc today` read the stored plan without the ORM, the
settings model or the heavy libraries, and fall back to the full read when that
stored plan cannot stand in for it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from syncsvc.api.app import Syncsvc
from syncsvc.api.plan_reader import ReadSettings, full_view, stored_view
from syncsvc.cli.quick_read import QuickRead, parse
from syncsvc.testing.cli import invoke
from tests.cli.conftest import DEMO_NOW

FORBIDDEN = (
    "sqlalchemy.orm",
    "pydantic_settings",
    "pandas",
    "icalendar",
    "stravalib",
    "garminconnect",
    "uvicorn",
)
QUICK_FORBIDDEN = (*FORBIDDEN, "typer", "pydantic")
"""The quick front door (`cli/quick_read.py`) answers a plain plan or today without Typer."""


def loaded_by(
    home: Path, args: list[str], forbidden: tuple[str, ...] = FORBIDDEN
) -> tuple[list[str], str]:
    probe = (
        "import sys\n"
        f"sys.argv = ['syncsvc', '--home', {str(home)!r}, *{args!r}]\n"
        "from syncsvc.cli.main import run\n"
        "try:\n"
        "    run()\n"
        "finally:\n"
        f"    names = {forbidden!r}\n"
        "    found = sorted({n for n in names for m in sys.modules"
        " if m == n or m.startswith(n + '.')})\n"
        "    print('LOADED', ' '.join(found), file=sys.stderr)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe],
        env={"SYNCSVC_NOW": DEMO_NOW.isoformat(), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    line = next(x for x in completed.stderr.splitlines() if x.startswith("LOADED"))
    return line.removeprefix("LOADED").split(), completed.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["plan"],
        ["today"],
        ["plan", "--json"],
        ["today", "--json"],
        ["--athlete", "demo", "plan", "-w", "1"],
        ["plan", "--weeks=3", "--json", "-a", "demo"],
    ],
)
def test_plan_and_today_stay_off_the_orm_and_typer(demo_home: Path, args: list[str]) -> None:
    """Off the ORM, the settings model and Typer, and printing what Typer's command prints."""
    found, stdout = loaded_by(demo_home, args, QUICK_FORBIDDEN)
    assert found == []
    assert stdout
    assert stdout == invoke(["--home", str(demo_home), *args]).stdout


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--help"],
        ["plan", "--weeks", "9"],
        ["plan", "--json", "--json"],
        ["plan", "--bogus"],
        ["plan", "move", "abc"],
        ["--debug", "plan"],
        ["today", "--weeks", "2"],
        ["-a=demo", "plan"],
        ["plan", "--athlete"],
    ],
)
def test_anything_but_a_plain_invocation_is_left_to_typer(args: list[str]) -> None:
    assert parse(args) is None


def test_the_quick_front_door_reads_options_as_typer_does(tmp_path: Path) -> None:
    read = parse(["--home", str(tmp_path), "-a", "ana", "plan", "--json", "-w", "3"])
    assert read == QuickRead("plan", tmp_path, None, "ana", 3, json_output=True)
    read = parse(["--athlete=ana", "today", "--athlete", "bo"])
    assert read == QuickRead("today", None, None, "bo", None, json_output=False)


def test_a_slip_reaches_typer_and_its_one_line(demo_home: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "syncsvc", "--home", str(demo_home), "plan", "--weeks", "9"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stderr.strip() == "error: --weeks 9 is out of range: show 1 to 8 weeks"


def test_a_store_of_another_schema_takes_the_full_path(demo_home: Path) -> None:
    """The full path migrates or refuses; the quick read never reads an unknown schema."""
    with sqlite3.connect(demo_home / "syncsvc.db") as db:
        db.execute("UPDATE alembic_version SET version_num = 'from_the_future'")
    found, _ = loaded_by(demo_home, ["plan"])
    assert "sqlalchemy.orm" in found
    result = invoke(["--home", str(demo_home), "plan"])
    assert result.exit_code == 1
    assert "newer than this syncsvc understands" in result.stderr


def test_stale_day_classes_take_the_full_path(demo_home: Path) -> None:
    """No pipeline run since midnight: the days are computed afresh, not shown stale."""
    before = invoke(["--home", str(demo_home), "plan", "--json"]).stdout
    with sqlite3.connect(demo_home / "syncsvc.db") as db:
        db.execute("DELETE FROM day_classes")
    found, stdout = loaded_by(demo_home, ["plan", "--json"])
    assert "pandas" in found
    assert stdout == before


def test_the_quick_read_and_the_full_read_give_the_same_view(demo_home: Path) -> None:
    with Syncsvc.open(home=demo_home) as app:
        handle = app.athlete()
        athlete = handle.athlete
        for weeks, past_days in ((None, 7), (1, 0), (8, 30)):
            quick = stored_view(
                ReadSettings.of(app.runtime.settings), athlete, weeks=weeks, past_days=past_days
            )
            assert quick is not None
            assert quick == full_view(app.runtime, athlete, weeks, past_days)
        assert handle.plan().sessions
