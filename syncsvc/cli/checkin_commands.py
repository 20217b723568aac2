"""`syncsvc checkin`: the low-back check-in and sore exercises (P4, P5)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from syncsvc.cli.common import AthleteOption, HomeOption, JsonOption, athlete_api
from syncsvc.cli.output import checkin_json, console, emit, said
from syncsvc.errors import UsageError


def register(app: typer.Typer) -> None:
    app.command("checkin")(checkin)


def checkin(
    ctx: typer.Context,
    back: Annotated[
        int | None,
        typer.Option("--back", help="Low-back tightness or fatigue, 0 (none) to 10 (worst)."),
    ] = None,
    sore: Annotated[
        list[str] | None,
        typer.Option("--sore", help="An exercise that left you sore (repeat for several)."),
    ] = None,
    note: Annotated[str, typer.Option("--note", help="Anything else worth noting.")] = "",
    list_them: Annotated[
        bool, typer.Option("--list", help="Show your recent check-ins instead.")
    ] = False,
    athlete: AthleteOption = None,
    json_output: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Tell the programme how your low back feels; the next sessions adapt at once (P4, P5).

    Example: syncsvc checkin --back 6 --sore "side plank" --note "after the long run"
    """
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        if list_them:
            if back is not None or sore:
                raise UsageError("--list shows check-ins; give --back without --list to record one")
            zone = api.athlete.profile.timezone
            entries = api.checkins()
            rows = [checkin_json(entry, zone) for entry in entries]
            emit(json_output, lambda: rows, lambda: _show_checkins(rows))
            return
        if back is None:
            raise UsageError("--back 0-10 is needed (or --list to see your check-ins)")
        outcome = api.checkin(back, sore=sore or (), note=note)
    emit(
        json_output,
        lambda: {
            "id": outcome.checkin.id,
            "at": outcome.checkin.at,
            "back": outcome.checkin.back_score,
            "sore": list(outcome.checkin.sore_exercises),
            "note": outcome.checkin.note,
            "replanned": outcome.replanned,
        },
        lambda: said(outcome.message, outcome.replanned),
    )


def _show_checkins(rows: list[dict[str, Any]]) -> None:
    if not rows:
        console.print("No check-ins yet: syncsvc checkin --back 0-10")
        return
    table = Table("when", "low back", "sore", "note", title="Check-ins", title_justify="left")
    for row in rows:
        table.add_row(
            str(row["at"])[:16].replace("T", " "),
            f"{row['back']}/10",
            escape(", ".join(row["sore"])),
            escape(str(row["note"])),
        )
    console.print(table)
