"""`syncsvc web link`: a single-use sign-in link to the web page."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from syncsvc.api.web_access import SignInLink
from syncsvc.cli.common import AthleteOption, HomeOption, JsonOption, open_app
from syncsvc.cli.output import console, emit
from syncsvc.errors import UsageError

web_app = typer.Typer(help="The web page served by syncsvc serve at /.", no_args_is_help=True)


class Role(StrEnum):
    ATHLETE = "athlete"
    COACH = "coach"
    ADMIN = "admin"


RoleOption = Annotated[
    Role,
    typer.Option(
        "--role",
        help="athlete (the runner's own page), coach (their squad) or admin "
        "(makes coaches and assigns athletes; the first one is created by this).",
        case_sensitive=False,
    ),
]
UserOption = Annotated[
    str | None,
    typer.Option(
        "--user",
        help="A coach's or an admin's name or email: created the first time. "
        "Without it, --role admin is the first admin.",
    ),
]


def register(app: typer.Typer) -> None:
    app.add_typer(web_app, name="web")


@web_app.command("link")
def link(
    ctx: typer.Context,
    athlete: AthleteOption = None,
    role: RoleOption = Role.ATHLETE,
    user: UserOption = None,
    json_output: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Print a sign-in link for the web page: it works once, for 15 minutes.

    Example: syncsvc web link; syncsvc web link --role admin
    """
    if role is Role.ATHLETE and user is not None:
        raise UsageError(
            "--user names a coach or an admin", hint="add --role coach or --role admin"
        )
    if role is not Role.ATHLETE and athlete is not None:
        raise UsageError(
            "--athlete is for a runner's link", hint="a coach or an admin is named with --user"
        )
    with open_app(ctx, home=home) as app:
        made: SignInLink
        if role is Role.ATHLETE:
            made = app.athlete(athlete).sign_in_link()
        else:
            made = app.staff_sign_in_link(role.value, user)
        minutes = app.runtime.settings.web.link_minutes
    label = made.athlete if role is Role.ATHLETE else f"{made.athlete} ({role.value})"

    def show() -> None:
        console.print(
            f"Sign-in link for {label} (works once, for {minutes} minutes):", markup=False
        )
        console.print(f"  {made.url}", markup=False, soft_wrap=True)

    emit(
        json_output,
        lambda: (
            {"athlete": made.athlete, "url": made.url, "expires_at": made.expires_at}
            if role is Role.ATHLETE
            else {
                "user": made.athlete,
                "role": role.value,
                "url": made.url,
                "expires_at": made.expires_at,
            }
        ),
        show,
    )
