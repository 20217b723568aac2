"""`syncsvc athlete ...` and `syncsvc profile ...`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from syncsvc.cli.common import AthleteOption, HomeOption, JsonOption, athlete_api, open_app
from syncsvc.cli.output import console, emit, print_json
from syncsvc.domain import Profile
from syncsvc.private_files import write_private
from syncsvc.profiles import parse_timezone, profile_rows

athlete_app = typer.Typer(
    help="Manage the athletes of this store (a coach, a family, a club).", no_args_is_help=True
)
profile_app = typer.Typer(help="Show or change an athlete's profile.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(athlete_app, name="athlete")
    app.add_typer(profile_app, name="profile")


@athlete_app.command("add")
def athlete_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A unique name.")],
    timezone: Annotated[str, typer.Option("--timezone", "--tz", help="IANA time zone.")] = "UTC",
    home: HomeOption = None,
) -> None:
    """Add an athlete. Example: syncsvc athlete add sam --timezone America/New_York"""
    with open_app(ctx, home=home) as app:
        athlete = app.add_athlete(name, Profile(timezone=parse_timezone(timezone)))
    console.print(f"Added athlete {athlete.name!r} ({athlete.profile.timezone}).")


@athlete_app.command("list")
def athlete_list(
    ctx: typer.Context, json_output: JsonOption = False, home: HomeOption = None
) -> None:
    """List athletes. Example: syncsvc athlete list --json"""
    with open_app(ctx, home=home) as app:
        athletes = app.athletes()

    def show() -> None:
        table = Table("name", "time zone", "default")
        for a in athletes:
            table.add_row(a.name, a.profile.timezone, "yes" if a.is_default else "")
        console.print(table)

    emit(
        json_output,
        lambda: [
            {"id": a.id, "name": a.name, "timezone": a.profile.timezone, "default": a.is_default}
            for a in athletes
        ],
        show,
    )


@athlete_app.command("remove")
def athlete_remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The athlete to remove, with everything stored.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    keep_events: Annotated[
        bool,
        typer.Option(
            "--keep-events", help="Leave what their push channels put in calendars where it is."
        ),
    ] = False,
    home: HomeOption = None,
) -> None:
    """Remove an athlete and all their data, and what was pushed to their calendars.

    Example: syncsvc athlete remove sam --yes
    """
    with open_app(ctx, home=home) as app:
        athlete = app.find_athlete(name)
        if not yes and not typer.confirm(
            f"Remove {athlete.name!r} and everything stored about them?"
        ):
            raise typer.Exit(1)
        removals = app.remove_athlete(athlete, keep_events=keep_events)
    console.print(f"Removed athlete {athlete.name!r}.")
    for removal in removals:
        if removal.error:
            console.print(
                f"Push channel {removal.channel_id}: its events stay ({removal.error}).",
                markup=False,
            )


@athlete_app.command("default")
def athlete_default(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The athlete commands use without --athlete.")],
    home: HomeOption = None,
) -> None:
    """Set the default athlete. Example: syncsvc athlete default ana"""
    with open_app(ctx, home=home) as app:
        athlete = app.set_default_athlete(name)
    console.print(f"{athlete.name!r} is now the default athlete.")


@athlete_app.command("export")
def athlete_export(
    ctx: typer.Context,
    name: Annotated[
        str | None, typer.Argument(help="The athlete (default: the current one).")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to a file instead of stdout.", dir_okay=False),
    ] = None,
    athlete: AthleteOption = None,
    home: HomeOption = None,
) -> None:
    """Everything stored about one athlete, as JSON.

    Example: syncsvc athlete export ana -o ana.json
    """
    with open_app(ctx, home=home) as app:
        data = app.export_athlete(app.athlete(name or athlete).athlete)
    if output is None:
        print_json(data)
        return
    write_private(output, json.dumps(data, indent=2, ensure_ascii=False).encode())
    console.print(f"Wrote {output}")


@profile_app.command("show")
def profile_show(
    ctx: typer.Context,
    athlete: AthleteOption = None,
    json_output: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Show the profile, and which values are estimated from data. Example: syncsvc profile show"""
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        report = api.profile()
    current, estimates = report.athlete, report.estimated
    rows = profile_rows(current.profile)

    def show() -> None:
        table = Table("key", "value", "meaning", title=f"Profile of {current.name}")
        for key, value, meaning in rows:
            if key in estimates:
                value = f"{value} (using {estimates[key]})"
            table.add_row(key, value, meaning)
        console.print(table)

    emit(
        json_output,
        lambda: {
            "athlete": current.name,
            "profile": {key: value for key, value, _ in rows},
            "estimated": estimates,
        },
        show,
    )


@profile_app.command("set")
def profile_set(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="A profile key (syncsvc profile show lists them).")],
    value: Annotated[str, typer.Argument(help="The new value; 'none' clears an optional one.")],
    athlete: AthleteOption = None,
    home: HomeOption = None,
) -> None:
    """Change one profile value. Example: syncsvc profile set hard_days tue,thu"""
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        change = api.set_profile(key, value)
    if not change.changed:
        console.print("No change.")
        return
    console.print(f"{key} set." + (f" {change.replanned}" if change.replanned else ""))
