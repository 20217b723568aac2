"""What every command shares: its options, and the application API it calls.

Output goes through `cli/output.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from syncsvc.api.app import AthleteApi, Syncsvc

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


@contextmanager
def open_app(
    ctx: typer.Context, *, home: Path | None = None, athlete: str | None = None
) -> Iterator[Syncsvc]:
    """The application API for this command's home folder and settings; closed after."""
    options = global_options(ctx)
    with Syncsvc.open(
        home=home or options.home,
        config_file=options.config_file,
        athlete=athlete or options.athlete,
    ) as app:
        yield app


@contextmanager
def athlete_api(
    ctx: typer.Context, *, athlete: str | None = None, home: Path | None = None
) -> Iterator[AthleteApi]:
    """The handle of the athlete this command is about (`--athlete`, else the default)."""
    with open_app(ctx, home=home) as app:
        yield app.athlete(athlete)
