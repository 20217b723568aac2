"""`syncsvc auth`, `sync`, `import` and `activities`: getting runs in, and seeing them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn
from rich.table import Table

from syncsvc.cli.common import AthleteOption, HomeOption, JsonOption, athlete_api
from syncsvc.cli.output import activity_json, console, emit, import_json
from syncsvc.domain import Source, SyncSummary
from syncsvc.errors import UsageError

if TYPE_CHECKING:
    from syncsvc.api.pipeline import RefreshResult

auth_app = typer.Typer(help="Connect Strava or Garmin Connect.", no_args_is_help=True)
activities_app = typer.Typer(help="List merged activities, or undo a wrong merge.")


def register(app: typer.Typer) -> None:
    app.add_typer(auth_app, name="auth")
    app.add_typer(activities_app, name="activities")
    app.command("sync")(sync)
    app.command("import")(import_files)


# ---------------------------------------------------------------- auth


@auth_app.command("strava")
def auth_strava(
    ctx: typer.Context,
    refresh_token: Annotated[
        str | None,
        typer.Option("--refresh-token", help="Connect with a refresh token, without a browser."),
    ] = None,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Only print the URL (headless machines).")
    ] = False,
    revoke: Annotated[
        bool, typer.Option("--revoke", help="Disconnect and forget the tokens.")
    ] = False,
    athlete: AthleteOption = None,
    home: HomeOption = None,
) -> None:
    """Connect Strava (scope read,activity:read_all). Example: syncsvc auth strava"""
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        if revoke:
            removed = api.disconnect_strava()
            console.print("Strava disconnected." if removed else "Strava was not connected.")
            return
        connection = api.connect_strava(
            refresh_token=refresh_token,
            announce=lambda url: console.print(
                f"Open this URL to connect Strava (waiting for the redirect):\n{url}",
                soft_wrap=True,
            ),
            open_browser=not no_browser,
        )
    who = f" (Strava athlete {connection.athlete_id})" if connection.athlete_id else ""
    console.print(f"Strava connected{who}.")
    if connection.warning:
        console.print(f"[yellow]Warning:[/] {connection.warning}")


@auth_app.command("garmin")
def auth_garmin(
    ctx: typer.Context,
    tokens: Annotated[
        str | None,
        typer.Option(
            "--tokens",
            help="Import saved garminconnect tokens: a folder, a garmin_tokens.json, or its JSON.",
        ),
    ] = None,
    email: Annotated[str | None, typer.Option("--email", help="Garmin account email.")] = None,
    logout: Annotated[
        bool, typer.Option("--logout", help="Forget the stored Garmin tokens.")
    ] = False,
    athlete: AthleteOption = None,
    home: HomeOption = None,
) -> None:
    """Log in to Garmin Connect (MFA code prompted); the tokens are kept encrypted.

    Example: syncsvc auth garmin --tokens ~/.garminconnect
    """
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        if logout:
            removed = api.disconnect_garmin()
            console.print("Garmin tokens removed." if removed else "Garmin was not connected.")
            return
        profile_id = api.connect_garmin(
            tokens=tokens,
            email=lambda: email or str(typer.prompt("Garmin email")),
            password=lambda: str(typer.prompt("Garmin password", hide_input=True)),
            mfa_code=lambda: str(typer.prompt("Garmin MFA code")),
        )
    who = f" (profile {profile_id})" if profile_id else ""
    console.print(f"Garmin Connect connected{who}; tokens stored encrypted.")


# ---------------------------------------------------------------- sync


def sync(
    ctx: typer.Context,
    source: Annotated[
        str | None,
        typer.Option("--source", help="strava or garmin (default: every connected source)."),
    ] = None,
    full: Annotated[
        bool,
        typer.Option("--full", help="Re-read the whole history and remove deleted activities."),
    ] = False,
    json_output: JsonOption = False,
    athlete: AthleteOption = None,
    home: HomeOption = None,
) -> None:
    """Fetch new activities from Strava and Garmin. Example: syncsvc sync --source strava --json"""
    sources: list[Source] | None = None
    if source is not None:
        if source not in (Source.STRAVA.value, Source.GARMIN.value):
            raise UsageError(f"unknown source {source!r}", hint="use strava or garmin")
        sources = [Source(source)]
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        if json_output:
            result = api.sync(sources=sources, full=full)
        else:
            result = _sync_with_progress(
                lambda progress: api.sync(sources=sources, full=full, progress=progress)
            )
    _render_summaries(result.syncs, json_output)
    if not json_output and result.moved:
        console.print(f"Replanned: {len(result.moved)} session(s) moved (syncsvc plan shows why).")
    if any(summary.stopped for summary in result.syncs):
        raise typer.Exit(1)


def _sync_with_progress(
    run: Callable[[Callable[[Source, int], None]], RefreshResult],
) -> RefreshResult:
    """A rich progress line per source, with its count of activities fetched so far."""
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), console=console, transient=True
    ) as bar:
        tasks: dict[Source, TaskID] = {}

        def progress(source: Source, fetched: int) -> None:
            if source not in tasks:
                tasks[source] = bar.add_task(f"{source.value}: 0 activities", total=None)
            bar.update(tasks[source], description=f"{source.value}: {fetched} activities")

        return run(progress)


def _render_summaries(summaries: Sequence[SyncSummary], json_output: bool) -> None:
    def show() -> None:
        table = Table(
            "source", "fetched", "new", "updated", "merged", "skipped", "deleted", "requests"
        )
        for s in summaries:
            counts = (s.fetched, s.new, s.updated, s.merged, s.skipped, s.deleted, s.requests)
            table.add_row(s.source.value, *(str(v) for v in counts))
        console.print(table)
        for s in summaries:
            for problem in s.problems:
                console.print(f"[yellow]{s.source.value}:[/] {problem}", markup=True)
            if s.stopped:
                console.print(f"[red]{s.source.value} stopped:[/] {s.stopped}")

    emit(json_output, lambda: {s.source.value: s.as_json() for s in summaries}, show)


# ---------------------------------------------------------------- import


def import_files(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(help="FIT/GPX/TCX files (.gz too), folders, export zips.")
    ],
    json_output: JsonOption = False,
    athlete: AthleteOption = None,
    home: HomeOption = None,
) -> None:
    """Import activity files and bulk exports. Example: syncsvc import export_12345.zip"""
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        outcome = api.import_files(paths)

    report = outcome.report
    read = report.new + report.updated + report.unchanged

    def show() -> None:
        unread = len(report.damaged)
        plural = "" if read == 1 else "s"
        head = f"Read {read} file{plural}"
        if unread:
            head += f" ({unread} could not be read)"
        if read:
            head += (
                f": {report.new} new, {report.updated} updated, "
                f"{report.unchanged} already there, {report.merged} merged with other sources."
            )
        else:
            head += ": nothing was imported."
        console.print(head, markup=False)
        for name, problem in report.damaged:
            console.print(f"[red]skipped[/] {name}: {problem}", soft_wrap=True)
        for note in report.notes:
            console.print(f"[yellow]note[/] {note}", soft_wrap=True)
        if outcome.replanned:
            console.print(outcome.replanned)

    emit(json_output, lambda: import_json(outcome), show)
    if read == 0 and (report.damaged or report.notes):
        raise typer.Exit(1)  # nothing could be read: every path missing or every file damaged


# ---------------------------------------------------------------- activities


@activities_app.callback(invoke_without_command=True)
def activities(
    ctx: typer.Context,
    days: Annotated[int | None, typer.Option("--days", min=1, help="Only the last N days.")] = None,
    json_output: JsonOption = False,
    athlete: AthleteOption = None,
    home: HomeOption = None,
) -> None:
    """List merged activities with their sources. Example: syncsvc activities --days 14 --json"""
    if ctx.invoked_subcommand is not None:
        return
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        rows = [activity_json(row) for row in api.activities(days=days)]

    def show() -> None:
        table = Table("id", "date", "start", "sport", "name", "km", "min", "HR", "load", "sources")
        for data in rows:
            table.add_row(
                str(data["id"]),
                data["local_date"],
                data["start"][11:16],
                data["sport"],
                data["name"] or "",
                f"{data['distance_km']:.2f}" if data["distance_km"] else "",
                f"{(data['moving_s'] or 0) / 60:.0f}",
                f"{data['avg_hr']:.0f}" if data["avg_hr"] else "",
                f"{data['load']:.0f}" if data["load"] is not None else "",
                "+".join(data["sources"]),
            )
        console.print(table)

    emit(json_output, lambda: rows, show)


@activities_app.command("unlink")
def activities_unlink(
    ctx: typer.Context,
    record_id: Annotated[
        int, typer.Argument(metavar="ID", help="A record id (activities --json lists them).")
    ],
    athlete: AthleteOption = None,
    home: HomeOption = None,
) -> None:
    """Undo a wrong merge: the record stays apart. Example: syncsvc activities unlink 42"""
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        outcome = api.unlink_activity(record_id)
    apart = ", ".join(map(str, outcome.apart))
    console.print(f"Unlinked records {apart}; they will not be merged again.")
    console.print(outcome.replanned)
