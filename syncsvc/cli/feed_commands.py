"""`syncsvc feed url|export|rotate` (issue 6), `syncsvc plan-source add|list|remove` (issue 4)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from syncsvc.api.feed_admin import FeedAddress
from syncsvc.cli.common import (
    AthleteOption,
    HomeOption,
    JsonOption,
    console,
    print_json,
    runtime_for,
)

feed_app = typer.Typer(
    help="The calendar feed your calendar app subscribes to.", no_args_is_help=True
)
plan_source_app = typer.Typer(
    help="Training plans (iCalendar URL or file) that tell the planner your hard days ahead.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(feed_app, name="feed")
    app.add_typer(plan_source_app, name="plan-source")


def _address_json(address: FeedAddress) -> dict[str, object]:
    """The address without its secret token: JSON output ends up in logs and scripts."""
    from syncsvc.api.feed_urls import redact_feed_url

    return {
        "athlete": address.athlete,
        "url": redact_feed_url(address.url),
        "public": address.public,
        "token_shown": "only in the plain output of syncsvc feed url",
    }


def _show_address(address: FeedAddress, lead: str) -> None:
    console.print(lead, markup=False)
    console.print(f"  {address.url}", markup=False, soft_wrap=True)
    console.print(f"  {address.webcal}", markup=False, soft_wrap=True)
    if not address.public:
        console.print(
            "This address works on this machine only; set service.public_url to share it.",
            markup=False,
        )


@feed_app.command("url")
def feed_url(
    ctx: typer.Context,
    athlete: AthleteOption = None,
    json_output: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Print the feed's https and webcal URLs (they hold a secret: share them with care).

    Example: syncsvc feed url
    """
    from syncsvc.api.feed_admin import feed_address

    with runtime_for(ctx, athlete=athlete, home=home) as runtime:
        address = feed_address(runtime)
    if json_output:
        print_json(_address_json(address))
        return
    _show_address(address, f"Calendar feed of {address.athlete} (subscribe to one of these):")


@feed_app.command("rotate")
def feed_rotate(
    ctx: typer.Context,
    athlete: AthleteOption = None,
    json_output: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Revoke the feed URL (it answers 410 from now on) and print the new one.

    Example: syncsvc feed rotate
    """
    from syncsvc.api.feed_admin import rotate_feed

    with runtime_for(ctx, athlete=athlete, home=home) as runtime:
        address = rotate_feed(runtime)
    if json_output:
        print_json(_address_json(address))
        return
    _show_address(address, "The old feed URL is revoked. Subscribe to the new one:")


@feed_app.command("export")
def feed_export(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Where to write the .ics file.", dir_okay=False)],
    athlete: AthleteOption = None,
    home: HomeOption = None,
) -> None:
    """Write the feed to a file: the same bytes the server sends.

    Example: syncsvc feed export plan.ics
    """
    from syncsvc.api.feed_admin import export_feed

    with runtime_for(ctx, athlete=athlete, home=home) as runtime:
        size = export_feed(runtime, file)
    console.print(f"Wrote {file} ({size} bytes).", markup=False)


@plan_source_app.command("add")
def plan_source_add(
    ctx: typer.Context,
    location: Annotated[str, typer.Argument(help="An iCalendar URL (https, webcal) or a file.")],
    name: Annotated[str | None, typer.Option("--name", help="A short name for it.")] = None,
    athlete: AthleteOption = None,
    home: HomeOption = None,
) -> None:
    """Import a training plan; its workouts forecast your hard and long days.

    Example: syncsvc plan-source add https://coach.example/plan.ics --name coach
    """
    from syncsvc.api.plan_sources import add_plan_source

    with runtime_for(ctx, athlete=athlete, home=home) as runtime:
        info, note = add_plan_source(runtime, location, name=name)
    console.print(
        f"Added plan source {info.name!r} (id {info.id}): {info.workouts_ahead} workouts "
        "in the weeks ahead.",
        markup=False,
    )
    if note:
        console.print(note, markup=False)


@plan_source_app.command("list")
def plan_source_list(
    ctx: typer.Context,
    athlete: AthleteOption = None,
    json_output: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """List the imported training plans. Example: syncsvc plan-source list --json"""
    from syncsvc.api.plan_sources import list_plan_sources

    with runtime_for(ctx, athlete=athlete, home=home) as runtime:
        sources = list_plan_sources(runtime)
    if json_output:
        print_json(
            [
                {
                    "id": s.id,
                    "name": s.name,
                    "location": s.location,
                    "kind": s.kind,
                    "added_at": s.added_at,
                    "last_read_at": s.last_read_at,
                    "last_error": s.last_error,
                    "workouts_ahead": s.workouts_ahead,
                }
                for s in sources
            ]
        )
        return
    if not sources:
        console.print("No plan sources: syncsvc plan-source add URL-or-FILE")
        return
    table = Table("id", "name", "location", "workouts ahead", "last read", "problem")
    for s in sources:
        table.add_row(
            str(s.id),
            escape(s.name),
            escape(s.location),
            str(s.workouts_ahead),
            f"{s.last_read_at:%Y-%m-%d %H:%M}" if s.last_read_at else "never",
            escape(s.last_error),
        )
    console.print(table)


@plan_source_app.command("remove")
def plan_source_remove(
    ctx: typer.Context,
    which: Annotated[str, typer.Argument(help="The id or name (plan-source list shows them).")],
    athlete: AthleteOption = None,
    home: HomeOption = None,
) -> None:
    """Stop using a training plan. Example: syncsvc plan-source remove coach"""
    from syncsvc.api.plan_sources import remove_plan_source

    with runtime_for(ctx, athlete=athlete, home=home) as runtime:
        name, note = remove_plan_source(runtime, which)
    console.print(f"Removed plan source {name!r}.", markup=False)
    if note:
        console.print(note, markup=False)
