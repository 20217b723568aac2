"""`syncsvc plan ...`, `syncsvc today` and `syncsvc replan`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from syncsvc.api.plan_reader import quick_plan
from syncsvc.api.plan_view import PlanView, next_session
from syncsvc.cli.options import AthleteOption, HomeOption, JsonOption, global_options
from syncsvc.cli.output import console, emit, said
from syncsvc.cli.plan_display import show_plan, show_today
from syncsvc.cli.render import (
    changes_table,
    move_options_text,
    visible_changes,
    why_text,
)
from syncsvc.errors import UsageError

if TYPE_CHECKING:
    from syncsvc.api.app import AthleteApi

plan_app = typer.Typer(invoke_without_command=True)
"""Help comes from the `plan` callback's docstring (with its example)."""

IdArgument = Annotated[
    str, typer.Argument(help="Session id, or a unique prefix of it (syncsvc plan lists them).")
]
DateArgument = Annotated[
    str, typer.Argument(help="YYYY-MM-DD, today, tomorrow, +N days, or a weekday (mon...sun).")
]
TimeOption = Annotated[
    str | None, typer.Option("--time", "-t", help="Start time HH:MM (default: unchanged).")
]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Place it even when it breaks a programme rule.")
]


@contextmanager
def athlete_api(
    ctx: typer.Context, *, athlete: str | None = None, home: Path | None = None
) -> Iterator[AthleteApi]:
    """The full API, opened only by a command that needs it: `plan` and `today` read
    the stored plan without it when they can (`api/plan_reader.py`)."""
    from syncsvc.cli import common  # the front door's fallback: the API, the store, the ORM

    with common.athlete_api(ctx, athlete=athlete, home=home) as api:
        yield api


def _stored_view(
    ctx: typer.Context, athlete: str | None, home: Path | None, *, weeks: int | None, past_days: int
) -> PlanView | None:
    options = global_options(ctx)
    return quick_plan(
        home or options.home,
        options.config_file,
        athlete or options.athlete,
        weeks=weeks,
        past_days=past_days,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(plan_app, name="plan")
    app.command("today")(today)
    app.command("replan")(replan)


@plan_app.callback()
def plan(
    ctx: typer.Context,
    weeks: Annotated[
        int | None,
        typer.Option("--weeks", "-w", help="Weeks ahead to show (default: the plan's horizon)."),
    ] = None,
    athlete: AthleteOption = None,
    json_output: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """The sessions ahead and the last 7 days, with the day's running class and the reasons;
    and your decisions about them (move, pin, unpin, skip, done, add, reset).

    Example: syncsvc plan --weeks 3 --json
    """
    if ctx.invoked_subcommand is not None:
        return
    if weeks is not None and not 1 <= weeks <= 8:
        raise UsageError(f"--weeks {weeks} is out of range: show 1 to 8 weeks")
    view = _stored_view(ctx, athlete, home, weeks=weeks, past_days=7)
    if view is None:
        with athlete_api(ctx, athlete=athlete, home=home) as api:
            view = api.plan(weeks=weeks)
    show_plan(view, json_output)


@plan_app.command("move")
def move(
    ctx: typer.Context,
    session_id: IdArgument,
    day: Annotated[
        str | None,
        typer.Argument(
            help="YYYY-MM-DD, today, tomorrow, +N days, or a weekday (mon...sun); "
            "leave it out to see the days where the session fits."
        ),
    ] = None,
    time: TimeOption = None,
    force: ForceOption = False,
    athlete: AthleteOption = None,
    home: HomeOption = None,
) -> None:
    """Move a session to another day (this pins it). A move that breaks a rule is refused
    unless --force. Without a day: the days this week and next where it fits.

    Example: syncsvc plan move k3f thu --time 07:30
    """
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        if day is None:
            console.print(move_options_text(api.move_options(session_id)), markup=False)
            return
        outcome = api.move(session_id, day, time=time, force=force)
    said(outcome.message, outcome.replanned)


@plan_app.command("pin")
def pin(
    ctx: typer.Context,
    session_id: IdArgument,
    athlete: AthleteOption = None,
    home: HomeOption = None,
) -> None:
    """Keep a session on its day, whatever the running week does. Example: syncsvc plan pin k3f"""
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        outcome = api.pin(session_id)
    said(outcome.message, outcome.replanned)


@plan_app.command("unpin")
def unpin(
    ctx: typer.Context,
    session_id: IdArgument,
    athlete: AthleteOption = None,
    home: HomeOption = None,
) -> None:
    """Let the planner move a pinned session again. Example: syncsvc plan unpin k3f"""
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        outcome = api.unpin(session_id)
    said(outcome.message, outcome.replanned)


@plan_app.command("skip")
def skip(
    ctx: typer.Context,
    session_id: IdArgument,
    note: Annotated[str, typer.Option("--note", help="Why, for your own record.")] = "",
    athlete: AthleteOption = None,
    home: HomeOption = None,
) -> None:
    """Skip a session (it is not made up by doubling another). Example: syncsvc plan skip k3f"""
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        outcome = api.skip(session_id, note=note)
    said(outcome.message, outcome.replanned)


@plan_app.command("done")
def done(
    ctx: typer.Context,
    session_id: IdArgument,
    rpe: Annotated[
        int | None,
        typer.Option("--rpe", help="How hard it felt, 1-10 (the progression reads it)."),
    ] = None,
    note: Annotated[str, typer.Option("--note", help="How it went.")] = "",
    athlete: AthleteOption = None,
    home: HomeOption = None,
) -> None:
    """Mark a session done, with how it felt. Example: syncsvc plan done k3f --rpe 6"""
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        outcome = api.done(session_id, rpe=rpe, note=note)
    said(outcome.message, outcome.replanned)


@plan_app.command("add")
def add(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="core or hip.")],
    day: DateArgument,
    time: TimeOption = None,
    force: ForceOption = False,
    athlete: AthleteOption = None,
    home: HomeOption = None,
) -> None:
    """Add a session of your own on a day; it takes the place of one of the planner's.

    Example: syncsvc plan add core 2026-05-03 --time 07:00
    """
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        outcome = api.add(kind, day, time=time, force=force)
    said(outcome.message, outcome.replanned)


@plan_app.command("reset")
def reset(
    ctx: typer.Context,
    session_id: IdArgument,
    athlete: AthleteOption = None,
    home: HomeOption = None,
) -> None:
    """Give a session back to the planner (undo your move, pin, skip or done).

    Example: syncsvc plan reset k3f
    """
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        outcome = api.reset(session_id)
    said(outcome.message, outcome.replanned)


@plan_app.command("why")
def why(
    ctx: typer.Context,
    session_id: IdArgument,
    athlete: AthleteOption = None,
    home: HomeOption = None,
) -> None:
    """Every reason for a session's day, with the rule ids (docs/programme.md words them).

    Example: syncsvc plan why k3f
    """
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        item = api.why(session_id)
    console.print(why_text(item), markup=False, highlight=False)


def today(
    ctx: typer.Context,
    athlete: AthleteOption = None,
    json_output: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Today's session (or the next one) in full: warm-up, exercises with cues, why today.

    Example: syncsvc today
    """
    stored = _stored_view(ctx, athlete, home, weeks=None, past_days=0)
    if stored is not None:
        item = next_session(stored)
    else:
        with athlete_api(ctx, athlete=athlete, home=home) as api:
            item = api.today()
    show_today(item, json_output)


AllOption = Annotated[
    bool, typer.Option("--all", help="Replan every athlete of the store (read in batches).")
]


def replan(
    ctx: typer.Context,
    athlete: AthleteOption = None,
    every_athlete: AllOption = False,
    json_output: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Run the pipeline now (no sync) and show what moved and why. Example: syncsvc replan"""
    if every_athlete:
        replan_everyone(ctx, athlete, json_output, home)
        return
    with athlete_api(ctx, athlete=athlete, home=home) as api:
        result = api.replan()

    def show() -> None:
        shown = visible_changes(result.changes)
        if not shown:
            console.print("Replanned: nothing moved.")
        else:
            console.print(changes_table(shown, title="Replanned"))
        for problem in result.problems:
            console.print(f"[yellow]![/yellow] {problem}")

    emit(json_output, result.summary, show)


def replan_everyone(
    ctx: typer.Context, athlete: str | None, json_output: bool, home: Path | None
) -> None:
    if athlete is not None:
        raise UsageError("--all replans every athlete; leave out --athlete")
    from syncsvc.cli import common  # the front door's fallback: the API, the store, the ORM

    with common.open_app(ctx, home=home) as app:
        results = app.replan_all()

    def show() -> None:
        moved = sum(len(result.moved) for result in results)
        console.print(f"Replanned {len(results)} athlete(s): {moved} session(s) moved.")
        for result in results:
            for problem in result.problems:
                console.print(f"[yellow]![/yellow] athlete {result.athlete_id}: {problem}")

    emit(
        json_output,
        lambda: [result.summary() | {"athlete_id": result.athlete_id} for result in results],
        show,
    )
