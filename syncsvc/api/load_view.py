"""What `syncsvc load` shows: recent days and the forecast, and the optional plot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from syncsvc.api.day_views import day_views
from syncsvc.api.pipeline import analyse, local_today
from syncsvc.domain import Athlete, DayView, Session, SessionStatus
from syncsvc.errors import UsageError
from syncsvc.load import analysis_to_json, plot_load
from syncsvc.load.ratio_history import ratio_from
from syncsvc.runtime import Runtime

DAYS_RANGE = (1, 3650)


@dataclass(frozen=True, slots=True)
class LoadReport:
    athlete: str
    rows: list[dict[str, Any]]
    """`--json` objects: past days then forecast days (`forecast: true`)."""
    plot: Path | None
    estimated: dict[str, str]
    ratio_from: date | None = None
    """The first day whose acute:chronic ratio means something (3 weeks of runs)."""


def load_report(
    runtime: Runtime, athlete: Athlete, *, days: int = 14, plot: Path | None = None
) -> LoadReport:
    """The last `days` days and the forecast; a PNG at `plot` when asked."""
    if not DAYS_RANGE[0] <= days <= DAYS_RANGE[1]:
        raise UsageError(f"--days {days} is out of range: 1 to {DAYS_RANGE[1]}")
    if plot is not None and plot.suffix.lower() != ".png":
        raise UsageError(f"--plot {plot}: the plot is a PNG file, name it *.png")
    if plot is not None and not plot.parent.resolve().is_dir():
        raise UsageError(f"--plot {plot}: the folder {plot.parent} does not exist")
    analysis = analyse(runtime, athlete)
    rows = analysis_to_json(analysis, days)
    written: Path | None = None
    if plot is not None:
        with runtime.store.read() as tx:
            sessions = (
                [
                    s
                    for s in tx.athlete(athlete.id).sessions.all(since=analysis.days[0].day)
                    if s.status.value in ("planned", "done")
                ]
                if analysis.days
                else []
            )
        written = plot_load(analysis, plot, sessions, days=max(days, 28))
    return LoadReport(
        athlete.name, rows, written, analysis.parameters.filled_in(), ratio_from(analysis.days)
    )


@dataclass(frozen=True, slots=True)
class LoadDays:
    """The load as the pipeline last stored it: days around today, and the sessions on them."""

    today: date
    days: tuple[DayView, ...]
    """Past days (at most four weeks) then the forecast, oldest first."""
    sessions: tuple[Session, ...]
    """Planned and done sessions on those days."""


def load_days(runtime: Runtime, athlete: Athlete) -> LoadDays:
    """What the pipeline stored at its last run (computed afresh only when that is stale)."""
    today = local_today(athlete)
    days = tuple(sorted(day_views(runtime, athlete).values(), key=lambda view: view.day))
    if not days:
        return LoadDays(today, (), ())
    with runtime.store.read() as tx:
        sessions = tuple(
            s
            for s in tx.athlete(athlete.id).sessions.all(since=days[0].day, until=days[-1].day)
            if s.status in (SessionStatus.PLANNED, SessionStatus.DONE)
        )
    return LoadDays(today, days, sessions)
