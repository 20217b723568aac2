"""The `syncsvc` Typer app: global options, the command table, and error mapping.

Every failure becomes one line on stderr and an exit code (2 for a bad value or
usage, 1 for a failure); a traceback only with `--debug`.

A front door: each command's module (with the API, the store and their libraries
behind it) is imported only when that command runs. `COMMANDS` names them with
the short help `--help` lists, so `syncsvc --help` imports none of them
(tests/foundation/test_cli_startup.py pins the import budget and the table).
`cli/main.py` answers `--version` before this module loads.
"""

from __future__ import annotations

import importlib
import logging
import re
import sys
from difflib import get_close_matches
from pathlib import Path
from typing import Annotated, Any

import typer
from typer._click import core as click_core  # Typer vendors click; its Context type
from typer._click import exceptions as click_exceptions
from typer._click.exceptions import UsageError as ClickUsageError
from typer._click.formatting import HelpFormatter
from typer.core import TyperCommand, TyperGroup, TyperOption
from typer.exceptions import TyperException

from syncsvc import __version__
from syncsvc.cli.options import GlobalOptions
from syncsvc.cli.output import error_console
from syncsvc.errors import SyncsvcError
from syncsvc.server.redaction import redact_root_handlers

COMMANDS: dict[str, tuple[str, str]] = {
    # name: (module in syncsvc.cli, the first paragraph of its help), in `--help` order
    "init": (
        "setup_commands",
        "Create the home folder, settings, store and first athlete; safe to run twice.",
    ),
    "status": (
        "setup_commands",
        "Accounts, last syncs, budget, today's and tomorrow's class, next sessions, feed URL.",
    ),
    "sync": (
        "sync_commands",
        "Fetch new activities from Strava and Garmin. Example: syncsvc sync --source strava --json",
    ),
    "import": (
        "sync_commands",
        "Import activity files and bulk exports. Example: syncsvc import export_12345.zip",
    ),
    "today": (
        "plan_commands",
        "Today's session (or the next one) in full: warm-up, exercises with cues, why today.",
    ),
    "replan": (
        "plan_commands",
        "Run the pipeline now (no sync) and show what moved and why. Example: syncsvc replan",
    ),
    "checkin": (
        "checkin_commands",
        "Tell the programme how your low back feels; the next sessions adapt at once (P4, P5).",
    ),
    "load": (
        "load_commands",
        "Recent days with load, class, acute and chronic load, form and ratio; then the forecast.",
    ),
    "demo": (
        "demo_commands",
        "A demo runner's 12 weeks of running, planned and published as a calendar feed.",
    ),
    "serve": (
        "service_commands",
        "Run the feed, the webhook and the scheduler. Example: syncsvc serve --port 8765",
    ),
    "worker": (
        "service_commands",
        "Run jobs of the distributed engine (service.mode web or worker, PostgreSQL).",
    ),
    "athlete": (
        "athlete_commands",
        "Manage the athletes of this store (a coach, a family, a club).",
    ),
    "profile": ("athlete_commands", "Show or change an athlete's profile."),
    "store": (
        "store_commands",
        "Move the store between databases; bring its schema up to date.",
    ),
    "auth": ("sync_commands", "Connect Strava or Garmin Connect."),
    "activities": ("sync_commands", "List merged activities, or undo a wrong merge."),
    "plan": (
        "plan_commands",
        "The sessions ahead and the last 7 days, with the day's running class and the reasons;\n"
        "and your decisions about them (move, pin, unpin, skip, done, add, reset).",
    ),
    "feed": ("feed_commands", "The calendar feed your calendar app subscribes to."),
    "plan-source": (
        "feed_commands",
        "Training plans (iCalendar URL or file) that tell the planner your hard days ahead.",
    ),
    "push": (
        "push_commands",
        "Write each session into the calendars you look at (CalDAV, Garmin, Google) and keep it "
        "there as the plan moves.",
    ),
    "strava": ("service_commands", "Strava's application settings."),
    "web": ("web_commands", "The web page served by syncsvc serve at /."),
}


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
    """The root group: loads a command's module on first use, and maps our errors
    to one line and an exit code."""

    _listing = False
    """True while `--help` lists the commands: they are shown from `COMMANDS`, unloaded."""

    def list_commands(self, ctx: click_core.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click_core.Context, cmd_name: str) -> click_core.Command | None:
        if cmd_name not in COMMANDS:
            return None
        if self._listing and cmd_name not in self.commands:
            return TyperCommand(name=cmd_name, help=COMMANDS[cmd_name][1])
        if cmd_name not in self.commands:
            self._load(COMMANDS[cmd_name][0])
        return self.commands.get(cmd_name)

    def _load(self, module_name: str) -> None:
        """Import one command module and add every command it registers."""
        module = importlib.import_module(f"syncsvc.cli.{module_name}")
        room = typer.Typer(rich_markup_mode="rich", pretty_exceptions_enable=False)
        module.register(room)
        for name, command in typer.main.get_group(room).commands.items():
            self.commands[name] = command

    def format_help(self, ctx: click_core.Context, formatter: HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def resolve_command(
        self, ctx: click_core.Context, args: list[str]
    ) -> tuple[str | None, click_core.Command | None, list[str]]:
        try:
            return self._click_resolve_command(ctx, args)
        except ClickUsageError as error:
            matches = get_close_matches(args[0], list(COMMANDS)) if args else []
            if matches:
                suggestions = ", ".join(f"{match!r}" for match in matches)
                error.message = f"{error.message.rstrip('.')}. Did you mean {suggestions}?"
            raise

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
    """Flags (--debug, --help, --json) take no value: help shows no `<bool>` for them.

    Typer's rich help prints every option's type; a flag has none worth showing, and
    Typer has no setting for it, so its one method is wrapped here.
    """
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
    redact_root_handlers()  # the same redaction as `serve`: --debug shows urllib3's URLs
