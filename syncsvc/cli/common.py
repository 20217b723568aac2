"""What every command shares: its options, and the application API it calls.

Output goes through `cli/output.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from syncsvc.api.app import AthleteApi, Syncsvc
from syncsvc.cli.options import (
    AthleteOption,
    GlobalOptions,
    HomeOption,
    JsonOption,
    global_options,
)

__all__ = [
    "AthleteOption",
    "GlobalOptions",
    "HomeOption",
    "JsonOption",
    "athlete_api",
    "global_options",
    "open_app",
]


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
