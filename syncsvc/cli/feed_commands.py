"""`syncsvc feed url|export|rotate`, `syncsvc plan-source add|list|remove`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from syncsvc.cli.common import AthleteOption, HomeOption, JsonOption, athlete_api
from syncsvc.cli.output import address_json, console, emit, plan_source_json

if TYPE_CHECKING:
    from syncsvc.api.feed_admin import FeedAddress

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
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        address = api.feed_url()
    emit(
        json_output,
        lambda: address_json(address, with_token=True),
        lambda: _show_address(
            address, f"Calendar feed of {address.athlete} (subscribe to one of these):"
        ),
    )


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
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        address = api.rotate_feed()
    emit(
        json_output,
        lambda: address_json(address),
        lambda: _show_address(address, "The old feed URL is revoked. Subscribe to the new one:"),
    )


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
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        size = api.export_feed(file)
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
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        info, note = api.add_plan_source(location, name=name)
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
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        sources = api.plan_sources()

    def show() -> None:
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

    emit(json_output, lambda: [plan_source_json(s) for s in sources], show)


@plan_source_app.command("remove")
def plan_source_remove(
    ctx: typer.Context,
    which: Annotated[str, typer.Argument(help="The id or name (plan-source list shows them).")],
    athlete: AthleteOption = None,
    home: HomeOption = None,
) -> None:
    """Stop using a training plan. Example: syncsvc plan-source remove coach"""
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        name, note = api.remove_plan_source(which)
    console.print(f"Removed plan source {name!r}.", markup=False)
    if note:
        console.print(note, markup=False)
