"""Slips get one honest line: `error: ...`, exit 2, no frame, no library words."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncsvc.testing.cli import run_subprocess
from tests.cli.conftest import run


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("init", "--level", "expert"), "'expert' is not one of 'beginner', 'intermediate'"),
        (("init", "--hr-rest", "abc"), "'--hr-rest': expected a whole number"),
        (("init", "--hr-rest", "5"), "'--hr-rest': must be at least 25"),
        (("plan", "--weeks", "x"), "expected a whole number"),
        (("--bogus",), "no such option: --bogus"),
        (("plan", "move"), "missing argument"),
    ],
)
def test_every_usage_slip_is_one_error_line_and_exit_2(
    tmp_path: Path, args: tuple[str, ...], said: str
) -> None:
    result = run(tmp_path / "home", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert said in lines[0]
    for library in ("Value error", "Input should be", "╭", "│"):
        assert library not in result.stderr


def test_flags_are_not_shown_as_bool_in_help(tmp_path: Path) -> None:
    result = run_subprocess(["--help"], env={"COLUMNS": "100"}, console_script=True)
    assert result.exit_code == 0
    assert "--debug" in result.stdout
    assert "<bool>" not in result.stdout
    plan_help = run(tmp_path, "plan", "--help")
    assert "--json" in plan_help.stdout
    assert "<bool>" not in plan_help.stdout
    assert "<int>" in plan_help.stdout or "INTEGER" in plan_help.stdout


def test_a_second_init_with_other_values_says_which_differ_and_how_to_change_them(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    assert run(home, "init", "--timezone", "Europe/Berlin").exit_code == 0
    again = run(home, "init", "--timezone", "Europe/Paris", "--level", "intermediate")
    assert again.exit_code == 0, again.output
    out = " ".join(again.stdout.split())
    assert "init does not change an existing setup" in out
    assert "timezone is Europe/Berlin, you gave Europe/Paris" in out
    assert "syncsvc profile set timezone Europe/Paris" in out
    assert "syncsvc profile set level intermediate" in out
    assert "session_time" not in out  # not given: not compared
    same = run(home, "init", "--timezone", "Europe/Berlin")
    assert "differ" not in same.stdout


def test_a_damaged_store_gets_one_line_saying_what_to_do(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run(home, "init").exit_code == 0
    (home / "syncsvc.db").write_bytes(b"SQLite format 3\0" + b"garbage" * 100)
    result = run(home, "plan")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "is damaged or not a syncsvc store" in lines[0]
    assert "restore a backup" in lines[0]
    assert "sqlalche.me" not in result.stderr
    assert "unexpected failure" not in result.stderr
