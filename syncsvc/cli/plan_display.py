"""How `plan` and `today` show a plan view: shared by their Typer commands and by the
quick front door (`cli/quick_read.py`), which prints the same bytes without Typer."""

from __future__ import annotations

from rich.markup import escape

from syncsvc import clock
from syncsvc.api.plan_view import PlanView, SessionView
from syncsvc.cli.output import console, emit, full_session_json, session_json
from syncsvc.cli.render import plan_renderable, session_text
from syncsvc.reasons import plain


def show_plan(view: PlanView, json_output: bool) -> None:
    def show() -> None:
        if not view.sessions:
            console.print("No sessions planned yet: run syncsvc replan (or syncsvc sync).")
            return
        console.print(plan_renderable(view))
        for note in view.notes:
            console.print(f"[yellow]·[/yellow] {escape(plain(note))}", markup=True, highlight=False)

    emit(json_output, lambda: [session_json(item) for item in view.sessions], show)


def show_today(item: SessionView | None, json_output: bool) -> None:
    def show() -> None:
        if item is None:
            console.print("Nothing planned today or ahead: run syncsvc replan.")
            return
        local_today = clock.now().astimezone(item.start.tzinfo).date()
        if item.session.local_date != local_today:
            day = f"{item.session.local_date:%A %d %b}"
            console.print(f"Nothing planned today. The next session is on {day}:", markup=False)
            console.print()
        console.print(session_text(item), markup=False)

    emit(json_output, lambda: None if item is None else full_session_json(item), show)
