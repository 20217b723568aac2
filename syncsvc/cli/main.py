"""The console script's entry point: `--version` at once, everything else through Typer.

A front door: `syncsvc --version` is answered before Typer, Rich or any command
module is imported; a plain `plan` or `today` is shown from the stored plan
without Typer (`cli/quick_read.py`), which hands over whenever it cannot. The
Typer app lives in `cli/root.py` and loads only for the other commands
(tests/foundation/test_cli_startup.py pins the import budget).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

from syncsvc import __version__

_VALUED = frozenset({"--home", "--config", "--athlete", "-a"})
"""The root options that take a value (`--home DIR`)."""
_FLAGS = frozenset({"--debug"})


def asks_for_version(args: Sequence[str]) -> bool:
    """True when Typer would print the version: `--version` among the root options,
    before any command, after no option it would reject or act on first (`--help`)."""
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--version":
            return True
        if arg in _VALUED:
            index += 2
        elif arg in _FLAGS or (arg.split("=", 1)[0] in _VALUED and "=" in arg):
            index += 1
        else:
            return False
    return False


def run() -> None:
    """Console-script entry point."""
    os.umask(0o077)  # every file syncsvc writes is owner-only: the store and key hold secrets
    if asks_for_version(sys.argv[1:]):
        sys.stdout.write(f"syncsvc {__version__}\n")
        sys.stdout.flush()
        return
    if not {"plan", "today"}.isdisjoint(sys.argv[1:]):
        from syncsvc.cli.quick_read import answer  # the front door for plan and today

        if answer(sys.argv[1:]):
            return
    from syncsvc.cli.root import app  # the front door: Typer and the command table

    app()


def __getattr__(name: str) -> Any:
    """`syncsvc.cli.main.app` still names the Typer app, loaded on first use."""
    if name == "app":
        from syncsvc.cli.root import app  # the front door: Typer and the command table

        return app
    raise AttributeError(name)
