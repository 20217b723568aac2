"""Each day's running class for views (`plan`, `today`, `status`) without pandas.

The pipeline stores the classes of the days around today in the store
(`day_classes`) every time it runs, in the same transaction as the plan, so
every process sees the same days. Views read them back; only when the local day
has moved past what was stored (no pipeline run since midnight) do they compute
the classes afresh, in memory, through the pipeline's own read and load steps.
"""

from __future__ import annotations

from datetime import date, timedelta

from syncsvc.api.pipeline import analyse, local_today, views_of
from syncsvc.domain import Athlete, DayView
from syncsvc.runtime import Runtime


def day_views(runtime: Runtime, athlete: Athlete) -> dict[date, DayView]:
    """The days as the pipeline last stored them, or computed now when those are stale."""
    today = local_today(athlete)
    with runtime.store.read() as tx:
        stored = tx.athlete(athlete.id).days.all()
    covered = {view.day for view in stored}
    if today in covered and today + timedelta(days=1) in covered:
        return {view.day: view for view in stored}
    return {view.day: view for view in views_of(analyse(runtime, athlete).days, today)}
