"""`syncsvc auth`, `sync`, `import` and `activities`: getting runs in, and seeing them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from syncsvc.cli.common import (
    AthleteOption,
    HomeOption,
    JsonOption,
    console,
    print_json,
    runtime_for,
)
from syncsvc.domain import Source, SyncSummary

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
    from syncsvc.api.connections import connect_strava, disconnect_strava

    with runtime_for(ctx, athlete=athlete, home=home) as runtime:
        if revoke:
            removed = disconnect_strava(runtime)
            console.print("Strava disconnected." if removed else "Strava was not connected.")
            return
        connection = connect_strava(
            runtime,
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
    from syncsvc.api.connections import connect_garmin, disconnect_garmin

    with runtime_for(ctx, athlete=athlete, home=home) as runtime:
        if logout:
            removed = disconnect_garmin(runtime)
            console.print("Garmin tokens removed." if removed else "Garmin was not connected.")
            return
        profile_id = connect_garmin(
            runtime,
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
    from syncsvc.api.syncing import sync_now
    from syncsvc.errors import UsageError

    sources: list[Source] | None = None
    if source is not None:
        if source not in (Source.STRAVA.value, Source.GARMIN.value):
            raise UsageError(f"unknown source {source!r}", hint="use strava or garmin")
        sources = [Source(source)]
    with runtime_for(ctx, athlete=athlete, home=home) as runtime:
        if json_output:
            result = sync_now(runtime, sources=sources, full=full)
        else:
            result = _sync_with_progress(
                lambda progress: sync_now(runtime, sources=sources, full=full, progress=progress)
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
    from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn

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
    if json_output:
        from syncsvc.api.pipeline import sync_summary_json

        print_json({s.source.value: sync_summary_json(s) for s in summaries})
        return
    from rich.table import Table

    table = Table("source", "fetched", "new", "updated", "merged", "skipped", "deleted", "requests")
    for s in summaries:
        table.add_row(
            s.source.value,
            *(
                str(v)
                for v in (s.fetched, s.new, s.updated, s.merged, s.skipped, s.deleted, s.requests)
            ),
        )
    console.print(table)
    for s in summaries:
        for problem in s.problems:
            console.print(f"[yellow]{s.source.value}:[/] {problem}", markup=True)
        if s.stopped:
            console.print(f"[red]{s.source.value} stopped:[/] {s.stopped}")


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
    from syncsvc.api.syncing import import_now

    with runtime_for(ctx, athlete=athlete, home=home) as runtime:
        report, replanned = import_now(runtime, paths)
    if json_output:
        print_json(
            {
                "files": report.files,
                "new": report.new,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "merged": report.merged,
                "damaged": [{"file": name, "problem": problem} for name, problem in report.damaged],
                "notes": report.notes,
            }
        )
        return
    console.print(
        f"Read {report.files} files: {report.new} new, {report.updated} updated, "
        f"{report.unchanged} already there, {report.merged} merged with other sources."
    )
    for name, problem in report.damaged:
        console.print(f"[red]skipped[/] {name}: {problem}", soft_wrap=True)
    for note in report.notes:
        console.print(f"[yellow]note[/] {note}", soft_wrap=True)
    if replanned:
        console.print(replanned)


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
    from syncsvc.api.connections import activity_json, list_activities

    with runtime_for(ctx, athlete=athlete, home=home) as runtime:
        rows = list_activities(runtime, days=days)
    if json_output:
        print_json([activity_json(row) for row in rows])
        return
    from rich.table import Table

    table = Table("id", "date", "start", "sport", "km", "min", "HR", "load", "sources")
    for row in rows:
        data = activity_json(row)
        table.add_row(
            str(data["id"]),
            data["local_date"],
            data["start"][11:16],
            data["sport"],
            f"{data['distance_km']:.2f}" if data["distance_km"] else "",
            f"{(data['moving_s'] or 0) / 60:.0f}",
            f"{data['avg_hr']:.0f}" if data["avg_hr"] else "",
            f"{data['load']:.0f}" if data["load"] is not None else "",
            "+".join(data["sources"]),
        )
    console.print(table)


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
    from syncsvc.api.syncing import unlink_now

    with runtime_for(ctx, athlete=athlete, home=home) as runtime:
        apart, replanned = unlink_now(runtime, record_id)
    console.print(f"Unlinked records {', '.join(map(str, apart))}; they will not be merged again.")
    console.print(replanned)
