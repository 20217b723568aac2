"""The global options every command reads (`--home`, `--config`, `--athlete`, `--debug`).

Kept apart from `cli/common.py`, which opens the application API, so that the
root command (`--help`, `--version`) and the plan/today fast path load neither
the API nor the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

AthleteOption = Annotated[
    str | None,
    typer.Option(
        "--athlete",
        "-a",
        help="Athlete name (default: the only one, or the default).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        help="Home folder (default: SYNCSVC_HOME, else the platform data folder).",
        show_default=False,
        file_okay=False,
    ),
]


@dataclass
class GlobalOptions:
    home: Path | None = None
    config_file: Path | None = None
    athlete: str | None = None
    debug: bool = False


def global_options(ctx: typer.Context) -> GlobalOptions:
    root = ctx.find_root()
    if not isinstance(root.obj, GlobalOptions):
        root.obj = GlobalOptions()
    return root.obj
