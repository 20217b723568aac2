"""What `syncsvc load` shows: recent days and the forecast, and the optional plot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from syncsvc.api.pipeline import analyse
from syncsvc.domain import Athlete
from syncsvc.errors import UsageError
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
    from syncsvc.load import analysis_to_json  # pandas: only when the load is asked for

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
        from syncsvc.load import plot_load

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
    from syncsvc.load.plot import ratio_from  # no matplotlib at import: it loads in plot_load

    return LoadReport(
        athlete.name, rows, written, analysis.parameters.filled_in(), ratio_from(analysis)
    )
