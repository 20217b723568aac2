"""`syncsvc athlete ...` and `syncsvc profile ...`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from syncsvc.api.athletes import add_athlete, export_athlete
from syncsvc.api.profile_edits import estimated_values, update_profile
from syncsvc.cli.common import (
    AthleteOption,
    HomeOption,
    JsonOption,
    console,
    print_json,
    runtime_for,
)
from syncsvc.domain import Profile
from syncsvc.private_files import write_private
from syncsvc.profiles import parse_timezone, profile_rows, set_profile_value

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
    with runtime_for(ctx, home=home) as runtime:
        athlete = add_athlete(runtime, name, Profile(timezone=parse_timezone(timezone)))
    console.print(f"Added athlete {athlete.name!r} ({athlete.profile.timezone}).")


@athlete_app.command("list")
def athlete_list(
    ctx: typer.Context, json_output: JsonOption = False, home: HomeOption = None
) -> None:
    """List athletes. Example: syncsvc athlete list --json"""
    with runtime_for(ctx, home=home) as runtime, runtime.store.read() as tx:
        athletes = tx.athletes.all()
    if json_output:
        print_json(
            [
                {
                    "id": a.id,
                    "name": a.name,
                    "timezone": a.profile.timezone,
                    "default": a.is_default,
                }
                for a in athletes
            ]
        )
        return
    table = Table("name", "time zone", "default")
    for a in athletes:
        table.add_row(a.name, a.profile.timezone, "yes" if a.is_default else "")
    console.print(table)


@athlete_app.command("remove")
def athlete_remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The athlete to remove, with everything stored.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    home: HomeOption = None,
) -> None:
    """Remove an athlete and all their data. Example: syncsvc athlete remove sam --yes"""
    with runtime_for(ctx, home=home) as runtime:
        with runtime.store.read() as tx:
            athlete = tx.athletes.resolve(name)
        if not yes and not typer.confirm(
            f"Remove {athlete.name!r} and everything stored about them?"
        ):
            raise typer.Exit(1)
        with runtime.store.write() as tx:
            tx.athletes.remove(athlete.id)
    console.print(f"Removed athlete {athlete.name!r}.")


@athlete_app.command("default")
def athlete_default(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The athlete commands use without --athlete.")],
    home: HomeOption = None,
) -> None:
    """Set the default athlete. Example: syncsvc athlete default ana"""
    with runtime_for(ctx, home=home) as runtime, runtime.store.write() as tx:
        athlete = tx.athletes.resolve(name)
        tx.athletes.set_default(athlete.id)
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
    import json

    with runtime_for(ctx, athlete=name or athlete, home=home) as runtime:
        data = export_athlete(runtime, runtime.athlete())
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
    with runtime_for(ctx, athlete=athlete, home=home) as runtime:
        current = runtime.athlete()
        estimates = estimated_values(runtime, current)
    rows = profile_rows(current.profile)
    if json_output:
        print_json(
            {
                "athlete": current.name,
                "profile": {key: value for key, value, _ in rows},
                "estimated": estimates,
            }
        )
        return
    table = Table("key", "value", "meaning", title=f"Profile of {current.name}")
    for key, value, meaning in rows:
        if key in estimates:
            value = f"{value} (using {estimates[key]})"
        table.add_row(key, value, meaning)
    console.print(table)


@profile_app.command("set")
def profile_set(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="A profile key (syncsvc profile show lists them).")],
    value: Annotated[str, typer.Argument(help="The new value; 'none' clears an optional one.")],
    athlete: AthleteOption = None,
    home: HomeOption = None,
) -> None:
    """Change one profile value. Example: syncsvc profile set hard_days tue,thu"""
    with runtime_for(ctx, athlete=athlete, home=home) as runtime:
        current = runtime.athlete()
        updated = set_profile_value(current.profile, key, value)
        if updated == current.profile:
            console.print("No change.")
            return
        outcome = update_profile(runtime, current, updated, changed_key=key)
    console.print(f"{key} set." + (f" {outcome}" if outcome else ""))
