"""Rich renderings shared by the plan, today, replan, load and demo commands."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from syncsvc.domain import Session, SessionStatus
from syncsvc.planner.explain import format_session
from syncsvc.reasons import explain_line, plain

if TYPE_CHECKING:
    from syncsvc.api.decisions import MoveOptions
    from syncsvc.api.plan_view import PlanView, SessionView
    from syncsvc.planner.model import Change

_STATUS_STYLE = {
    SessionStatus.PLANNED: "",
    SessionStatus.DONE: "green",
    SessionStatus.SKIPPED: "yellow",
    SessionStatus.MISSED: "red",
    SessionStatus.CANCELLED: "dim",
}
_CLASS_STYLE = {
    "rest": "green",
    "easy": "green",
    "moderate": "yellow",
    "hard": "red",
    "long": "red",
    "race": "magenta",
}


def day_class_cell(day_class: str | None) -> str:
    if not day_class:
        return ""
    style = _CLASS_STYLE.get(day_class, "")
    return f"[{style}]{day_class}[/{style}]" if style else day_class


RUNNER_PLACED = ("You ", "Your coach ", "The admin ")
"""How a placement reason the runner or their coach made starts."""


def plan_renderable(view: PlanView, *, title: str | None = None, reasons: int = 2) -> Group:
    """One line per session (id, day, time, kind, block and week, status, the day's
    running class, pinned), then its reasons indented beneath: fits 80 columns."""
    parts: list[RenderableType] = [Text(title or f"Plan of {view.athlete.name}", style="bold")]
    for item in view.sessions:
        session = item.session
        style = _STATUS_STYLE[session.status]
        content = session.content
        line = Text("  ")
        line.append(session.id, style="dim")
        today = session.local_date == view.today
        line.append(f"  {session.local_date:%a %d %b}", style="bold" if today else "")
        line.append(f"  {session.start_time:%H:%M}  {session.kind.value:<4}")
        if content is not None:
            line.append(f"  {content.block} {content.block_week}")
        line.append("  ")
        line.append(session.status.value, style=style or None)
        if item.day is not None:
            line.append("  ")
            line.append(item.day.day_class, style=_CLASS_STYLE.get(item.day.day_class))
        if session.pinned:
            line.append("  pinned", style="cyan")
        if today:
            line.append("  (today)", style="bold")
        parts.append(line)
        decided = len(item.decisions)
        decisions = list(item.reasons[len(item.reasons) - decided :])
        if session.reasons and session.reasons[0].startswith(RUNNER_PLACED):
            # "You moved this session to Tuesday..." already says the move, the pin or
            # the add, and what it breaks: one line, not three overlapping ones.
            decisions = [d for d in decisions if not d.startswith(("Moved", "Pinned", "Added"))]
        shown = [*session.reasons[:reasons], *decisions]
        said = " ".join(plain(reason) for reason in shown)
        outcome = outcome_words(session)
        if outcome:
            parts.append(Padding(Text(f"· {outcome}"), (0, 0, 0, 6)))
        for reason in shown:
            parts.append(Padding(Text(f"· {plain(reason)}", style="dim"), (0, 0, 0, 6)))
        for warning in session.warnings:
            if plain(warning) not in said:
                parts.append(Padding(Text(f"! {plain(warning)}", style="yellow"), (0, 0, 0, 6)))
    return Group(*parts)


def session_text(item: SessionView) -> str:
    """A session in full (warm-up, exercises with dose, tempo and cues, cool-down, why)."""
    text = format_session(item.session, with_reasons=False)
    lines = [text, ""]
    if item.day is not None:
        reason = f": {item.day.reason}" if item.day.reason else ""
        lines.append(f"Running that day: {item.day.day_class}{reason}")
    outcome = outcome_words(item.session)
    if outcome:
        lines.append(outcome[:1].upper() + outcome[1:])
    lines.append("Why this day:")
    lines.extend(f"- {plain(reason)}" for reason in item.reasons)
    return "\n".join(lines)


def outcome_words(session: Session) -> str:
    """How a done session felt: "how it felt: RPE 6, legs heavy" ("" when nothing was said)."""
    said = []
    if session.rpe is not None:
        said.append(f"RPE {session.rpe}")
    if session.outcome_note:
        said.append(session.outcome_note)
    return f"how it felt: {', '.join(said)}" if said else ""


def why_text(item: SessionView) -> str:
    """`syncsvc plan why ID`: every reason for the session's day, with the rules named."""
    session = item.session
    lines = [
        f"{session.kind.value.capitalize()} session {session.id}, "
        f"{session.local_date:%A %d %b} at {session.start_time:%H:%M} ({session.status.value})"
    ]
    if item.day is not None:
        reason = f": {item.day.reason}" if item.day.reason else ""
        lines.append(f"Running that day: {item.day.day_class}{reason}")
    lines.append("Why this day:")
    lines.extend(f"- {explain_line(reason)}" for reason in item.reasons)
    if session.warnings:
        lines.append("Rules it breaks now:")
        lines.extend(f"- {explain_line(warning)}" for warning in session.warnings)
    lines.append("The rules in words: docs/programme.md")
    return "\n".join(lines)


def changes_table(changes: Sequence[Change], *, title: str = "What changed") -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("session", "what", "before", "after", "why"):
        table.add_column(column, overflow="fold")
    for change in changes:
        if change.what in ("reasons", "content"):
            continue
        table.add_row(
            change.session_id,
            change.what,
            escape(change.before),
            escape(change.after),
            escape(plain(change.reason)),
        )
    return table


def visible_changes(changes: Iterable[Change]) -> list[Change]:
    """Changes a runner cares about in a summary: day, time, status, new sessions."""
    return [c for c in changes if c.what in ("added", "moved", "time", "status", "minutes")]


def load_table(
    rows: Sequence[dict[str, Any]],
    *,
    title: str = "Running load",
    with_reasons: bool = True,
    ratio_from: date | None = None,
) -> Table:
    """`syncsvc load` rows (the `--json` objects) as a table; forecast rows in italics.

    The ratio stays blank before `ratio_from` (chronic load from under 3 weeks of runs)."""
    table = Table(title=title, title_justify="left")
    columns = [
        ("day", "left"),
        ("load", "right"),
        ("km", "right"),
        ("class", "left"),
        ("acute", "right"),
        ("chronic", "right"),
        ("form", "right"),
        ("ratio", "right"),
    ]
    if with_reasons:
        columns.append(("why", "left"))
    for column, justify in columns:
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for row in rows:
        forecast = bool(row.get("forecast"))
        day = date.fromisoformat(row["date"])
        ratio = row.get("acwr")
        if ratio_from is None or day < ratio_from:
            ratio = None
        cells = [
            f"{day:%a %d %b}" + (" ahead" if forecast else ""),
            f"{row['load']:.0f}",
            f"{row['distance_km']:.1f}" if row["distance_km"] else "",
            day_class_cell(row["class"]),
            f"{row['atl']:.0f}",
            f"{row['ctl']:.0f}",
            f"{row['tsb']:+.0f}",
            "" if ratio is None else f"{ratio:.2f}",
        ]
        if with_reasons:
            cells.append(escape(row.get("reason", "")))
        table.add_row(*cells, style="italic dim" if forecast else None)
    return table


def move_options_text(options: MoveOptions) -> str:
    """`plan move ID` without a day: where it fits, and why the other days don't."""
    session = options.session
    lines = [
        f"{session.kind.value.capitalize()} session {session.id}, now on "
        f"{session.local_date:%a %d %b}. Days this week and next:"
    ]
    for option in options.days:
        day = f"{option.day:%a %d %b}"
        if option.current:
            lines.append(f"  {day}  (where it is now)")
        elif option.fits:
            lines.append(f"  {day}  fits")
        else:
            words = "; ".join(dict.fromkeys(b.message.split(": ")[0] for b in option.breaks))
            lines.append(f"  {day}  no: {words}")
    fitting = options.fitting
    if fitting:
        first = fitting[0].day
        lines.append(f"Move it with: syncsvc plan move {session.id} {first.isoformat()}")
    else:
        lines.append(
            "No day fits without breaking a rule; --force places it anyway "
            "(the plan keeps the warning)."
        )
    return "\n".join(lines)
