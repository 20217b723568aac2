"""Reading many athletes at once: the filter and the grouping every set read shares.

The athlete-scoped repositories read one athlete; a fan-out (the minute tick,
a replan of everyone) would make the same queries once per athlete. Each
repository's read is therefore written once, over a set of athletes
(`athlete_ids`, or None for every athlete of the store), and its one-athlete
method is that read with one id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, true

T = TypeVar("T")

AthleteIds = Sequence[int] | None
"""Some athletes by id, or None: every athlete of the store."""


def among(column: Any, athlete_ids: AthleteIds) -> ColumnElement[bool]:
    """The condition "this row belongs to one of `athlete_ids`" (always true for None)."""
    if athlete_ids is None:
        return true()
    return column.in_(list(athlete_ids))  # type: ignore[no-any-return]


def by_athlete(pairs: Iterable[tuple[int, T]]) -> dict[int, list[T]]:
    """Values grouped by athlete id, each athlete's in the order given."""
    grouped: dict[int, list[T]] = defaultdict(list)
    for athlete_id, value in pairs:
        grouped[athlete_id].append(value)
    return dict(grouped)
