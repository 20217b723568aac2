"""`syncsvc push add|list|remove|sync`: sessions written into CalDAV, Garmin and Google calendars.

Each command parses, calls one method of the athlete's API handle, and renders.
Nothing here ever prints a password or a token.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from syncsvc.cli.common import AthleteOption, HomeOption, JsonOption, athlete_api
from syncsvc.cli.output import console, print_json

push_app = typer.Typer(
    help="Write each session into the calendars you look at (CalDAV, Garmin, Google) "
    "and keep it there as the plan moves.",
    no_args_is_help=True,
)
add_app = typer.Typer(help="Add a push channel.", no_args_is_help=True)
push_app.add_typer(add_app, name="add")


def register(app: typer.Typer) -> None:
    app.add_typer(push_app, name="push")


@add_app.command("caldav")
def add_caldav(
    ctx: typer.Context,
    url: Annotated[str, typer.Option("--url", help="The server's CalDAV address.")],
    username: Annotated[str, typer.Option("--username", help="The account's user name.")],
    password_file: Annotated[
        Path,
        typer.Option(
            "--password-file",
            help="A file holding the password (an app-specific one for iCloud and Fastmail).",
            dir_okay=False,
        ),
    ],
    calendar: Annotated[
        str | None,
        typer.Option(
            "--calendar", help="The calendar's name (made if missing).", show_default=False
        ),
    ] = None,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify/--no-verify",
            help="Log in and find the calendar before storing anything (--no-verify: "
            "store it now, for a server this machine cannot reach yet).",
        ),
    ] = True,
    athlete: AthleteOption = None,
    home: HomeOption = None,
) -> None:
    """Push to a CalDAV calendar: iCloud, Fastmail, Nextcloud, Radicale and others.

    It logs in first, as the web page does: a wrong address or password is refused
    with nothing stored. Adding the same URL again replaces the password (after it
    changed).

    Example: syncsvc push add caldav --url https://dav.example/ --username ana --password-file pw
    """
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        channel = api.add_caldav_channel(
            url=url,
            username=username,
            password_file=password_file,
            calendar=calendar,
            verify=verify,
        )
    console.print(
        f"Added CalDAV channel {channel.id} ({channel.target}); "
        f"run syncsvc push sync {channel.id} to push now.",
        markup=False,
    )
    _twice_warning()


@add_app.command("garmin")
def add_garmin(
    ctx: typer.Context,
    athlete: AthleteOption = None,
    home: HomeOption = None,
) -> None:
    """Push each session as a strength workout to the Garmin Connect calendar (and watch).

    Uses the account `syncsvc auth garmin` connected; the next 14 days are scheduled.

    Example: syncsvc push add garmin
    """
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        channel = api.add_garmin_channel()
    console.print(
        f"Added Garmin Connect channel {channel.id}; run syncsvc push sync {channel.id} "
        "to push now.",
        markup=False,
    )


@add_app.command("google")
def add_google(
    ctx: typer.Context,
    client_secrets: Annotated[
        Path,
        typer.Option(
            "--client-secrets",
            help="The OAuth client file (Desktop app) from the Google Cloud console.",
            dir_okay=False,
        ),
    ],
    calendar: Annotated[
        str | None,
        typer.Option("--calendar", help="The new calendar's name.", show_default=False),
    ] = None,
    headless: Annotated[
        bool,
        typer.Option(
            "--headless",
            help="No browser here: print the consent URL and paste back the address "
            "the browser was sent to.",
        ),
    ] = False,
    athlete: AthleteOption = None,
    home: HomeOption = None,
) -> None:
    """Push to a Google calendar that syncsvc creates (it can touch nothing else).

    Example: syncsvc push add google --client-secrets ~/Downloads/client_secret.json
    """

    def ask(url: str) -> str:
        console.print("Open this address, agree, then paste the address you land on:")
        console.print(url, markup=False, soft_wrap=True)
        return str(typer.prompt("Address (http://127.0.0.1...)"))

    with athlete_api(ctx, athlete=athlete, home=home) as api:
        channel = api.add_google_channel(
            client_secrets=client_secrets,
            calendar=calendar,
            headless=headless,
            ask=ask,
        )
    console.print(
        f"Added Google Calendar channel {channel.id}; run syncsvc push sync {channel.id} "
        "to push now.",
        markup=False,
    )
    _twice_warning()


def _twice_warning() -> None:
    console.print(
        "If this calendar app also subscribes to the feed, you will see every session "
        "twice: keep one of the two (see docs/push.md).",
        markup=False,
    )


def _status_json(status: Any) -> dict[str, Any]:
    return {
        "id": status.id,
        "kind": status.kind,
        "target": status.target,
        "state": status.state,
        "last_push": status.last_push_at,
        "last_success": status.last_success_at,
        "lag_s": round(status.lag_s),
        "sessions": status.sessions,
        "last_error": status.last_error,
        "retry_after": status.retry_after,
    }


@push_app.command("list")
def push_list(
    ctx: typer.Context,
    athlete: AthleteOption = None,
    json_output: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """List the push channels: kind, target, last push, lag, state and last error.

    Example: syncsvc push list --json
    """
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        channels = api.push_channels()
    if json_output:
        print_json([_status_json(c) for c in channels])
        return
    if not channels:
        console.print("No push channels. Add one with syncsvc push add caldav|garmin|google.")
        return
    table = Table("ID", "Kind", "Target", "Last push", "Lag", "State", "Last error")
    for c in channels:
        table.add_row(
            str(c.id),
            c.kind,
            escape(c.target),
            c.last_push_at.strftime("%Y-%m-%d %H:%M") if c.last_push_at else "never",
            _duration(c.lag_s),
            c.state,
            escape(c.last_error),
        )
    console.print(table)


def _duration(seconds: float) -> str:
    if seconds < 1:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


@push_app.command("remove")
def push_remove(
    ctx: typer.Context,
    channel_id: Annotated[int, typer.Argument(help="The channel's id (see syncsvc push list).")],
    keep_events: Annotated[
        bool,
        typer.Option("--keep-events", help="Leave what was pushed where it is."),
    ] = False,
    athlete: AthleteOption = None,
    home: HomeOption = None,
) -> None:
    """Remove a channel, and first what syncsvc put there (unless --keep-events).

    Example: syncsvc push remove 2
    """
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        removal = api.remove_push_channel(channel_id, keep_events=keep_events)
    kept = " (its events stay)" if removal.kept_remote else f" and {removal.removed_remote} events"
    console.print(f"Removed push channel {channel_id}{kept}.", markup=False)


@push_app.command("sync")
def push_sync(
    ctx: typer.Context,
    channel_id: Annotated[
        int | None, typer.Argument(help="One channel (default: all).", show_default=False)
    ] = None,
    athlete: AthleteOption = None,
    json_output: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Push now, and look for what was deleted in the calendars.

    Example: syncsvc push sync
    """
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        results = api.push_sync(channel_id)
    if json_output:
        print_json(
            [
                {
                    "id": r.channel_id,
                    "kind": r.kind,
                    "state": r.state,
                    "ran": r.ran,
                    "created": r.counts.created,
                    "updated": r.counts.updated,
                    "moved": r.counts.moved,
                    "deleted": r.counts.deleted,
                    "unchanged": r.counts.unchanged,
                    "skipped_by_runner": list(r.skipped_sessions),
                    "requests": {"reads": r.reads, "writes": r.writes},
                    "error": r.error,
                }
                for r in results
            ]
        )
        return
    for r in results:
        line = (
            f"{r.kind} {r.channel_id}: {r.counts.created} new, {r.counts.updated} changed, "
            f"{r.counts.moved} moved, {r.counts.deleted} removed, {r.counts.unchanged} unchanged"
        )
        if r.skipped_sessions:
            line += f"; deleted by you, now skipped: {', '.join(r.skipped_sessions)}"
        if r.error:
            line += f" — {r.state}: {r.error}"
        console.print(line, markup=False)
