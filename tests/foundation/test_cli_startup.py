"""The CLI's front door stays light: `--version` and `--help` load no heavy library,
and the command table `--help` lists from is the commands themselves."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest
import typer

from syncsvc import __version__
from syncsvc.cli import (
    athlete_commands,
    checkin_commands,
    demo_commands,
    feed_commands,
    load_commands,
    plan_commands,
    push_commands,
    service_commands,
    setup_commands,
    store_commands,
    sync_commands,
    web_commands,
)
from syncsvc.cli.main import asks_for_version
from syncsvc.cli.root import COMMANDS
from syncsvc.testing.cli import invoke

FRONT_DOOR_FORBIDDEN = (
    "sqlalchemy",
    "pydantic_settings",
    "pandas",
    "icalendar",
    "stravalib",
    "garminconnect",
    "uvicorn",
)


def loaded_by(args: list[str], forbidden: tuple[str, ...]) -> tuple[list[str], str]:
    """Run the console script's entry point in a fresh interpreter; the forbidden
    modules it loaded (top-level packages and their submodules), and its stdout."""
    probe = (
        "import sys\n"
        f"sys.argv = ['syncsvc', *{args!r}]\n"
        "from syncsvc.cli.main import run\n"
        "try:\n"
        "    run()\n"
        "except SystemExit:\n"
        "    pass\n"
        "finally:\n"
        f"    names = {forbidden!r}\n"
        "    found = sorted({n for n in names for m in sys.modules"
        " if m == n or m.startswith(n + '.')})\n"
        "    print('LOADED', found, file=sys.stderr)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "80"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    line = next(x for x in completed.stderr.splitlines() if x.startswith("LOADED "))
    return eval(line.removeprefix("LOADED ")), completed.stdout


@pytest.mark.parametrize("args", [["--version"], ["--help"], []])
def test_the_front_door_loads_no_heavy_library(args: list[str]) -> None:
    found, stdout = loaded_by(args, FRONT_DOOR_FORBIDDEN)
    assert found == []
    assert stdout.startswith("syncsvc ") if args == ["--version"] else "Commands" in stdout


def test_version_is_answered_as_typer_would() -> None:
    _, stdout = loaded_by(["--version"], ())
    assert stdout == f"syncsvc {__version__}\n"
    assert invoke(["--version"]).stdout == stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--version"], True),
        (["--debug", "--version"], True),
        (["--home", "/x", "-a", "ann", "--version"], True),
        (["--home=/x", "--version"], True),
        (["plan", "--version"], False),
        (["--help", "--version"], False),
        (["--bogus", "--version"], False),
        (["--home", "--version"], False),
        ([], False),
    ],
)
def test_which_arguments_ask_for_the_version(args: list[str], expected: bool) -> None:
    assert asks_for_version(args) is expected


def test_the_command_table_is_the_commands() -> None:
    """Names, order and short help of `COMMANDS` are what the modules register."""
    room = typer.Typer(rich_markup_mode="rich")
    for module in (
        setup_commands,
        athlete_commands,
        store_commands,
        sync_commands,
        plan_commands,
        checkin_commands,
        load_commands,
        feed_commands,
        push_commands,
        demo_commands,
        service_commands,
        web_commands,
    ):
        module.register(room)
    commands = typer.main.get_group(room).commands
    assert list(COMMANDS) == list(commands)
    for name, command in commands.items():
        module, short_help = COMMANDS[name]
        if command.callback is not None:
            assert command.callback.__module__ == f"syncsvc.cli.{module}", name
        first = inspect.cleandoc(command.help or "").split("\n\n")[0].strip()
        assert short_help == first, name


def test_help_lists_every_command_with_its_help() -> None:
    result = invoke(["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert f"│ {name} " in result.stdout


def test_a_mistyped_command_gets_suggestions() -> None:
    result = invoke(["replna"])
    assert result.exit_code == 2
    assert "Did you mean 'replan', 'plan'?" in result.stderr
