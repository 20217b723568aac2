"""From which day the acute:chronic load ratio means something: one definition for all.

Chronic load is a 42-day average; built from under 3 weeks of runs it is
mostly the seed, and the ratio it gives is noise (a first week of running reads
2.0 and more). The load chart and table leave it out before `ratio_from`, and
progression rule P3 ignores it there, so a new runner is not held back by a
number with no history behind it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from syncsvc.domain import DayLoad

RATIO_HISTORY_DAYS = 21
"""Chronic load from under 3 weeks of runs makes the acute:chronic ratio meaningless."""


def ratio_from(days: Iterable[DayLoad]) -> date | None:
    """The first day whose ratio means something (3 weeks after the first run), or None
    when the history has no run at all (forecast days are not runs)."""
    first = next((day.day for day in days if day.load > 0 and not day.forecast), None)
    return None if first is None else first + timedelta(days=RATIO_HISTORY_DAYS)


def ratio_means_something(day: date, since: date | None) -> bool:
    """`since` is `ratio_from(...)` of the same history."""
    return since is not None and day >= since
