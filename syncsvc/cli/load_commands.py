"""`syncsvc load`: the daily running load, day classes and the forecast."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from syncsvc.cli.common import AthleteOption, HomeOption, JsonOption, athlete_api
from syncsvc.cli.output import console, emit
from syncsvc.cli.render import load_table


def register(app: typer.Typer) -> None:
    app.command("load")(load)


def load(
    ctx: typer.Context,
    days: Annotated[int, typer.Option("--days", "-d", help="Past days to show.")] = 14,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            help="Also write a PNG of load, acute and chronic load and the ratio band.",
            dir_okay=False,
        ),
    ] = None,
    athlete: AthleteOption = None,
    json_output: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Recent days with load, class, acute and chronic load, form and ratio; then the forecast.

    Example: syncsvc load --days 28 --plot load.png
    """
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        report = api.load(days=days, plot=plot)

    def show() -> None:
        console.print(
            load_table(
                report.rows,
                title=f"Running load of {report.athlete}",
                with_reasons=console.width >= 120,
                ratio_from=report.ratio_from,
            )
        )
        first_day = report.rows[0]["date"] if report.rows else ""
        if report.ratio_from is None or report.ratio_from.isoformat() > first_day:
            since = f" before {report.ratio_from:%a %d %b}" if report.ratio_from is not None else ""
            console.print(
                f"The ratio is left out{since}: your usual (chronic) load rests on under "
                "3 weeks of runs, so the ratio would mean little.",
                markup=False,
            )
        for key, value in report.estimated.items():
            console.print(
                f"{key} not in your profile: using {value} (syncsvc profile set {key} ...)"
            )
        if report.plot is not None:
            console.print(f"Wrote {report.plot}")

    emit(json_output, lambda: report.rows, show)
