"""What every command shares: options, the runtime, and output (rich or --json)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from syncsvc.runtime import Runtime

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


console = Console(highlight=False, soft_wrap=False)
error_console = Console(stderr=True, highlight=False, soft_wrap=True)


def global_options(ctx: typer.Context) -> GlobalOptions:
    root = ctx.find_root()
    if not isinstance(root.obj, GlobalOptions):
        root.obj = GlobalOptions()
    return root.obj


@contextmanager
def runtime_for(
    ctx: typer.Context, *, athlete: str | None = None, home: Path | None = None
) -> Iterator[Runtime]:
    options = global_options(ctx)
    runtime = Runtime.create(
        home=home or options.home,
        config_file=options.config_file,
        athlete_name=athlete or options.athlete,
    )
    try:
        yield runtime
    finally:
        runtime.close()


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot print {type(value).__name__} as JSON")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default) + "\n")
    sys.stdout.flush()


def say(message: str) -> None:
    console.print(message)
