"""The `syncsvc` command: global options, command groups, and error mapping.

Every failure becomes one line on stderr and an exit code (2 for a bad value or
usage, 1 for a failure); a traceback only with `--debug`.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer._click import core as click_core  # Typer vendors click; its Context type
from typer._click import exceptions as click_exceptions
from typer.core import TyperGroup, TyperOption
from typer.exceptions import TyperException

from syncsvc import __version__
from syncsvc.cli.common import GlobalOptions
from syncsvc.cli.output import error_console
from syncsvc.errors import SyncsvcError

_LIBRARY_WORDS = (
    (re.compile(r"Input should be a valid integer[^.']*"), "expected a whole number"),
    (re.compile(r"Input should be a valid number[^.']*"), "expected a number"),
    (re.compile(r"Input should be a valid boolean[^.']*"), "expected true or false"),
    (re.compile(r"Input should be greater than or equal to"), "must be at least"),
    (re.compile(r"Input should be less than or equal to"), "must be at most"),
    (re.compile(r"Input should be greater than"), "must be more than"),
    (re.compile(r"Input should be less than"), "must be less than"),
    (re.compile(r"Input should be "), "expected "),
    (re.compile(r"Value error, "), ""),
)


def usage_line(error: click_exceptions.ClickException) -> str:
    """A usage slip as one line in our words: no frame, no validation-library phrases."""
    text = " ".join(error.format_message().split())
    for pattern, words in _LIBRARY_WORDS:
        text = pattern.sub(words, text)
    ctx = getattr(error, "ctx", None)
    command = ctx.command_path if ctx is not None else "syncsvc"
    text = text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text
    return f"error: {text.rstrip('.')} (see {command} --help)"


def _slip(error: click_exceptions.ClickException) -> typer.Exit:
    error_console.print(usage_line(error), markup=False, highlight=False)
    return typer.Exit(2 if isinstance(error, click_exceptions.UsageError) else error.exit_code)


class SyncsvcGroup(TyperGroup):
    """The root group: maps our errors to one line and an exit code."""

    def make_context(self, *args: Any, **kwargs: Any) -> click_core.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click_exceptions.NoArgsIsHelpError:
            raise
        except click_exceptions.ClickException as error:
            raise _slip(error) from None

    def invoke(self, ctx: click_core.Context) -> object:
        try:
            return super().invoke(ctx)
        except click_exceptions.NoArgsIsHelpError:
            raise
        except click_exceptions.ClickException as error:
            raise _slip(error) from None
        except (TyperException, typer.Exit, typer.Abort):
            raise
        except SyncsvcError as error:
            if _debugging(ctx):
                raise
            error_console.print(f"error: {error.one_line()}", markup=False)
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            error_console.print("interrupted")
            raise typer.Exit(130) from None
        except Exception as error:
            if _debugging(ctx):
                raise
            error_console.print(
                f"error: unexpected failure ({type(error).__name__}: {error}); "
                "run again with --debug for details",
                markup=False,
            )
            raise typer.Exit(1) from None


def _debugging(ctx: click_core.Context) -> bool:
    return isinstance(ctx.obj, GlobalOptions) and ctx.obj.debug


def _flag_display_type(self: TyperOption, ctx: click_core.Context) -> str | None:
    """Flags (--debug, --help, --json) take no value: help shows no `<bool>` for them."""
    if self.is_flag:
        return None
    return _display_type(self, ctx)


_display_type = TyperOption.display_type
TyperOption.display_type = _flag_display_type  # type: ignore[method-assign,assignment]


app = typer.Typer(
    cls=SyncsvcGroup,
    name="syncsvc",
    help="Core and hip strength sessions on the right days of your running week.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"syncsvc {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            help="Home folder (default: SYNCSVC_HOME, else the platform data folder).",
            show_default=False,
            file_okay=False,
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Settings file (default: settings.toml in the home folder).",
            show_default=False,
            dir_okay=False,
        ),
    ] = None,
    athlete: Annotated[
        str | None,
        typer.Option(
            "--athlete",
            "-a",
            help="Athlete name, for stores with several athletes.",
            show_default=False,
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """syncsvc: core and hip sessions placed on your easy and rest days, as a calendar feed."""
    ctx.obj = GlobalOptions(home=home, config_file=config, athlete=athlete, debug=debug)
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _register() -> None:
    """Every command group, in the order `--help` lists them."""
    from syncsvc.cli import (
        athlete_commands,
        checkin_commands,
        demo_commands,
        feed_commands,
        load_commands,
        plan_commands,
        service_commands,
        setup_commands,
        store_commands,
        sync_commands,
    )

    for module in (
        setup_commands,
        athlete_commands,
        store_commands,
        sync_commands,
        plan_commands,
        checkin_commands,
        load_commands,
        feed_commands,
        demo_commands,
        service_commands,
    ):
        module.register(app)


_register()


def run() -> None:
    """Console-script entry point."""
    os.umask(0o077)  # every file syncsvc writes is owner-only: the store and key hold secrets
    app()
