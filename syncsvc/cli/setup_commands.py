"""`syncsvc init` and `syncsvc status`."""

from __future__ import annotations

from datetime import time
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from typer._click.core import ParameterSource

from syncsvc.cli.common import AthleteOption, HomeOption, JsonOption, athlete_api, open_app
from syncsvc.cli.output import console, emit, status_json, status_rows
from syncsvc.domain import Profile, Sex, StrengthLevel
from syncsvc.profiles import (
    HR_MAX_RANGE,
    HR_REST_RANGE,
    SESSION_MINUTES_RANGE,
    check_profile,
    parse_time_of_day,
    parse_timezone,
)
from syncsvc.reasons import plain


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("status")(status)


def init(
    ctx: typer.Context,
    athlete: AthleteOption = None,
    timezone: Annotated[
        str, typer.Option("--timezone", "--tz", help="IANA time zone, e.g. Europe/Berlin.")
    ] = "UTC",
    hr_rest: Annotated[
        int | None,
        typer.Option(
            "--hr-rest", min=HR_REST_RANGE[0], max=HR_REST_RANGE[1], help="Resting heart rate, bpm."
        ),
    ] = None,
    hr_max: Annotated[
        int | None,
        typer.Option(
            "--hr-max",
            min=HR_MAX_RANGE[0],
            max=HR_MAX_RANGE[1],
            help="Maximum heart rate (estimated from your data when not given).",
        ),
    ] = None,
    sex: Annotated[
        Sex | None, typer.Option("--sex", help="f or m, for the heart-rate load weighting.")
    ] = None,
    level: Annotated[
        StrengthLevel, typer.Option("--level", help="Strength level.")
    ] = StrengthLevel.BEGINNER,
    session_time: Annotated[
        str, typer.Option("--session-time", help="Preferred start, HH:MM.")
    ] = "18:00",
    session_minutes: Annotated[
        int,
        typer.Option(
            "--session-minutes",
            min=SESSION_MINUTES_RANGE[0],
            max=SESSION_MINUTES_RANGE[1],
            help="Preferred session length.",
        ),
    ] = 25,
    home: HomeOption = None,
) -> None:
    """Create the home folder, settings, store and first athlete; safe to run twice.

    Example: syncsvc init --athlete ana --timezone Europe/Berlin --hr-rest 52
    """
    profile = Profile(
        timezone=parse_timezone(timezone),
        hr_rest=hr_rest,
        hr_max=hr_max,
        sex=sex,
        level=level,
        session_time=parse_time_of_day(session_time),
        session_minutes=session_minutes,
    )
    check_profile(profile)
    with open_app(ctx, athlete=athlete, home=home) as app:
        name = app.default_athlete_name or "me"
        result = app.init(name, profile)
        if not result.changed:
            console.print(
                f"Already set up in {app.home} (athlete {result.athlete.name!r}); "
                "nothing changed: init does not change an existing setup.",
                markup=False,
            )
            for line in _differences(ctx, result.athlete.profile, profile):
                console.print(line, markup=False)
            return
        console.print(f"Home folder: {app.home}")
        if result.created_store:
            console.print(f"Store: {app.database_url.split('///')[-1]} (created)")
        if result.created_settings:
            console.print("Settings: settings.toml (created, every key commented)")
        if result.created_athlete:
            console.print(f"Athlete: {result.athlete.name} ({result.athlete.profile.timezone})")
        console.print("Next: syncsvc status, or connect an account: syncsvc auth strava")


def status(
    ctx: typer.Context,
    athlete: AthleteOption = None,
    json_output: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Accounts, last syncs, budget, today's and tomorrow's class, next sessions, feed URL.

    Example: syncsvc status --json
    """
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        report = api.status()

    def show() -> None:
        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column(style="bold")
        table.add_column()
        for key, value in status_rows(report):
            table.add_row(key, value)
        console.print(table)
        for item in report.attention:
            console.print(f"[yellow]![/yellow] {escape(plain(item))}")

    emit(json_output, lambda: status_json(report), show)


_PROFILE_OPTIONS = (
    ("timezone", "timezone"),
    ("hr_rest", "hr_rest"),
    ("hr_max", "hr_max"),
    ("sex", "sex"),
    ("level", "level"),
    ("session_time", "session_time"),
    ("session_minutes", "session_minutes"),
)


def _shown(value: object) -> str:
    if isinstance(value, time):
        return f"{value:%H:%M}"
    return str(getattr(value, "value", value))


def _differences(ctx: typer.Context, stored: Profile, given: Profile) -> list[str]:
    """What the runner typed that differs from the stored profile, and how to change it."""
    lines: list[str] = []
    for option, field in _PROFILE_OPTIONS:
        if ctx.get_parameter_source(option) is not ParameterSource.COMMANDLINE:
            continue
        old, new = getattr(stored, field), getattr(given, field)
        if old != new:
            lines.append(
                f"  {field} is {_shown(old)}, you gave {_shown(new)}: "
                f"syncsvc profile set {field} {_shown(new)}"
            )
    if lines:
        lines.insert(0, "These differ from what you gave; change them with profile set:")
    return lines
