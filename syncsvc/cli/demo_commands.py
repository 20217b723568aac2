"""`syncsvc demo`: the main job, offline, on the demo's own clock."""

from __future__ import annotations

import shutil
import sys
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.padding import Padding

from syncsvc.api.app import Syncsvc
from syncsvc.cli.common import HomeOption, global_options
from syncsvc.cli.output import console
from syncsvc.cli.render import load_table, plan_renderable
from syncsvc.errors import UsageError
from syncsvc.reasons import plain
from syncsvc.server.serve import serve_feeds


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    ctx: typer.Context,
    serve: Annotated[
        bool, typer.Option("--serve", help="Then serve the feed on 127.0.0.1 until Ctrl-C.")
    ] = False,
    port: Annotated[int, typer.Option("--port", help="Port for --serve.")] = 8765,
    home: HomeOption = None,
) -> None:
    """A demo runner's 12 weeks of running, planned and published as a calendar feed.

    No account and no network: it loads a bundled history into a demo home (its own
    folder, or SYNCSVC_HOME / --home), plans the weeks ahead, writes the feed, then
    shows a session moving when a hard run arrives. Running it again resets the demo.

    Example: syncsvc demo --serve
    """
    began = time.perf_counter()
    if not 1024 <= port <= 65535:
        raise UsageError(f"--port {port} is out of range: 1024 to 65535")
    options = global_options(ctx)
    with Syncsvc.open_demo(home=home or options.home, config_file=options.config_file) as app:
        setup = app.prepare_demo()
        runner = app.demo_athlete()
        console.rule("[bold]syncsvc demo[/bold] (offline, on the demo's own clock)")
        console.print(f"Demo home: {escape(str(setup.home))}")
        if setup.reused:
            console.print(f"({escape(setup.reused)})")
        console.print(
            f"Loaded 12 weeks of running: {setup.runs_loaded} runs ({setup.records_stored} "
            "records from Garmin and Strava; a run both recorded counts once) for "
            f"{setup.athlete.name!r} in {setup.athlete.profile.timezone}."
        )
        report = runner.load(days=10)
        past = [row for row in report.rows if not row["forecast"]]
        ahead = [row for row in report.rows if row["forecast"]][:7]
        console.print(
            load_table(
                [*past, *ahead],
                title="Running load: the last 10 days, then the week ahead (forecast)",
                with_reasons=console.width >= 120,
            )
        )
        before = runner.plan(past_days=0)
        console.print(
            plan_renderable(before, title="The plan: 2 core and 2 hip sessions a week", reasons=1)
        )
        console.print(
            f"Calendar feed written to {escape(str(setup.feed_file))} ({setup.feed_events} events)."
        )
        console.rule("[bold]A hard run arrives[/bold]")
        outcome = app.simulate_hard_run()
        if outcome.day is None:
            console.print("No session lies ahead, so nothing can move.")
        else:
            console.print(
                f"The clock moves to {outcome.day:%A %d %B}, 10:30. Strava delivers this "
                f"morning's run: {outcome.title}. The pipeline runs again:"
            )
            if outcome.day_now:
                console.print(f"{outcome.day:%A} is now {escape(outcome.day_now)}.")
            for moved in outcome.moved:
                console.print(
                    f"  [bold]{moved.kind} session {moved.session_id} moved from "
                    f"{_day(moved.before)} to {_day(moved.after)}[/bold]"
                )
                console.print(
                    Padding(
                        f"why: strength goes on rest or lighter days, never on a hard day; "
                        f"{escape(plain(moved.reason))}",
                        (0, 0, 0, 4),
                    )
                )
            for cancelled in outcome.cancelled:
                console.print(
                    f"  {cancelled.kind} session {cancelled.session_id} on {cancelled.before} "
                    f"dropped: {escape(plain(cancelled.reason))}"
                )
            if not outcome.moved and not outcome.cancelled:
                console.print("  The plan already kept that day free; nothing had to move.")
            console.print(
                f"The feed at {escape(str(outcome.feed_file))} shows the new day: the session "
                "keeps its UID and its SEQUENCE goes up, so calendar apps move it."
            )
        console.print(
            f"Done in {time.perf_counter() - began:.1f} s. Look around: "
            f"{escape(_command_name())} --home {escape(str(setup.home))} plan | today | load"
        )
        if serve:
            url = app.demo_feed_url("127.0.0.1", port)
            console.rule("[bold]Serving the feed[/bold]")
            console.print("Subscribe your calendar app to (Ctrl-C stops):")
            console.print(f"  {url}", markup=False, soft_wrap=True)
            console.print(f"  webcal://{url.split('://', 1)[1]}", markup=False, soft_wrap=True)
            serve_feeds(app.runtime, host="127.0.0.1", port=port)


def _day(iso: str) -> str:
    """ "2026-11-23" as "Mon 23 Nov" (anything else as it is)."""
    try:
        return f"{date.fromisoformat(iso):%a %d %b}"
    except ValueError:
        return iso


def _command_name() -> str:
    """How to call syncsvc again: `syncsvc` when that is on PATH, else its full path."""

    script = Path(sys.argv[0]).resolve()
    if script.name != "syncsvc":
        return f"{sys.executable} -m syncsvc"
    on_path = shutil.which("syncsvc")
    return "syncsvc" if on_path and Path(on_path).resolve() == script else str(script)
