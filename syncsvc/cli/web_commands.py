"""`syncsvc web link`: a single-use sign-in link to the web page."""

from __future__ import annotations

import typer

from syncsvc.cli.common import AthleteOption, HomeOption, JsonOption, athlete_api
from syncsvc.cli.output import console, emit

web_app = typer.Typer(help="The web page served by syncsvc serve at /.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(web_app, name="web")


@web_app.command("link")
def link(
    ctx: typer.Context,
    athlete: AthleteOption = None,
    json_output: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Print a sign-in link for the web page: it works once, for 15 minutes.

    Example: syncsvc web link
    """
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        made = api.sign_in_link()
        minutes = api.runtime.settings.web.link_minutes

    def show() -> None:
        console.print(
            f"Sign-in link for {made.athlete} (works once, for {minutes} minutes):", markup=False
        )
        console.print(f"  {made.url}", markup=False, soft_wrap=True)

    emit(
        json_output,
        lambda: {"athlete": made.athlete, "url": made.url, "expires_at": made.expires_at},
        show,
    )
