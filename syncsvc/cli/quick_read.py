"""The quick front door for `syncsvc plan` and `syncsvc today`, the two commands a runner
types most: the stored plan, read and shown without Typer.

Typer builds a pydantic validator for every option it parses, which is most of what
`plan` cost once the store was read with `sqlite3` (issue 19: about half of the
command's instructions). So `cli/main.py` hands these two commands here first.
This is not a second parser: it recognises only the plain spellings of their
options and hands anything else (`--help`, a value out of range, an option it does
not know, `--debug`) to Typer untouched, which then parses, validates and explains
as always. It also hands over when the stored plan cannot stand in for the full
read (`api/plan_reader.py` says when), so what is printed is always what Typer's
command prints: the same `cli/plan_display.py` renders both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from syncsvc.api.plan_reader import quick_plan
from syncsvc.api.plan_view import next_session
from syncsvc.cli.plan_display import show_plan, show_today

_ROOT_VALUED = {"--home": "home", "--config": "config", "--athlete": "athlete", "-a": "athlete"}
_COMMAND_VALUED = {
    "plan": {
        "--home": "home",
        "--athlete": "athlete",
        "-a": "athlete",
        "--weeks": "weeks",
        "-w": "weeks",
    },
    "today": {"--home": "home", "--athlete": "athlete", "-a": "athlete"},
}


@dataclass(frozen=True, slots=True)
class QuickRead:
    """A plain `plan` or `today` invocation, as Typer would have parsed it."""

    command: str
    home: Path | None
    config: Path | None
    athlete: str | None
    weeks: int | None
    json_output: bool


def _options(args: Sequence[str], valued: dict[str, str]) -> tuple[dict[str, str], int] | None:
    """The `--name value` and `--name=value` pairs at the head of `args`, and where
    they stop; None on anything else Typer should see."""
    found: dict[str, str] = {}
    index = 0
    while index < len(args):
        name, has_value, value = args[index].partition("=")
        if name not in valued or (has_value and not name.startswith("--")):
            break
        if not has_value:
            if index + 1 >= len(args):
                return None
            value = args[index + 1]
            index += 1
        if not value or valued[name] in found:
            return None  # empty or given twice: Typer's rules decide
        found[valued[name]] = value
        index += 1
    return found, index


def parse(args: Sequence[str]) -> QuickRead | None:
    """The invocation when it is plainly `[root options] plan|today [options]`."""
    root = _options(args, _ROOT_VALUED)
    if root is None or root[1] >= len(args) or args[root[1]] not in _COMMAND_VALUED:
        return None
    root_options, at = root
    command, given = args[at], args[at + 1 :]
    rest = [arg for arg in given if arg != "--json"]
    if len(given) - len(rest) > 1:
        return None  # --json twice
    own = _options(rest, _COMMAND_VALUED[command])
    if own is None or own[1] != len(rest):
        return None
    options = own[0]
    weeks = options.get("weeks")
    if weeks is not None and not (weeks.isdigit() and 1 <= int(weeks) <= 8):
        return None
    home = options.get("home") or root_options.get("home")
    config = root_options.get("config")
    if (home and Path(home).is_file()) or (config and Path(config).is_dir()):
        return None  # Typer refuses these with its own words
    return QuickRead(
        command,
        Path(home) if home else None,
        Path(config) if config else None,
        options.get("athlete") or root_options.get("athlete"),
        int(weeks) if weeks else None,
        json_output=len(rest) < len(given),
    )


def answer(args: Sequence[str]) -> bool:
    """Show the plan or today's session when the stored plan can; False hands over to Typer."""
    read = parse(args)
    if read is None:
        return False
    try:
        view = quick_plan(
            read.home,
            read.config,
            read.athlete,
            weeks=read.weeks,
            past_days=7 if read.command == "plan" else 0,
        )
    except Exception:
        return False
    if view is None:
        return False
    if read.command == "plan":
        show_plan(view, read.json_output)
    else:
        show_today(next_session(view), read.json_output)
    return True
