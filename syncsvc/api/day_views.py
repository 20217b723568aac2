"""Each day's running class for views (`plan`, `today`, `status`) without pandas.

The pipeline stores the classes of the days around today in the store
(`day_classes`) every time it runs, in the same transaction as the plan, so
every process sees the same days. Views read them back; only when the local day
has moved past what was stored (no pipeline run since midnight) do they compute
the classes afresh, in memory, loading the load model once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from syncsvc.domain import Athlete, DayLoad, DayView
from syncsvc.runtime import Runtime

if TYPE_CHECKING:
    from syncsvc.load.result import LoadAnalysis

KEPT_PAST_DAYS = 28
"""Past days kept beside the forecast: the plan view shows the last 7, the feed 28."""


def views_of(days: Iterable[DayLoad], today: date) -> list[DayView]:
    """The stored form of an analysis' days: the last four weeks and the forecast."""
    first = today - timedelta(days=KEPT_PAST_DAYS)
    return [
        DayView(
            day=day.day,
            day_class=day.day_class,
            reason=day.reason,
            class_source=day.class_source,
            forecast=day.forecast,
            load=round(day.load, 1),
            distance_m=round(day.distance_m, 1),
        )
        for day in days
        if day.day >= first
    ]


def day_views(runtime: Runtime, athlete: Athlete) -> dict[date, DayView]:
    """The days as the pipeline last stored them, or computed now when those are stale."""
    from syncsvc.api.pipeline import local_today

    today = local_today(athlete)
    with runtime.store.read() as tx:
        stored = tx.athlete(athlete.id).days.all()
    covered = {view.day for view in stored}
    if today in covered and today + timedelta(days=1) in covered:
        return {view.day: view for view in stored}
    return {view.day: view for view in views_of(_fresh(runtime, athlete).days, today)}


def _fresh(runtime: Runtime, athlete: Athlete) -> LoadAnalysis:
    from syncsvc.api.pipeline import analyse

    return analyse(runtime, athlete)
