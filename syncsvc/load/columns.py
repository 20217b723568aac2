"""Activities as numpy columns: one pass over the dataclasses, then vector maths.

Missing values become NaN. `day` is the activity's local date as days since
1970-01-01, computed from `start_utc + utc_offset_s` exactly as
`Activity.local_date` does (the offset at the start decides the day).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from syncsvc.domain import Activity, Sport

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from syncsvc.load.trimp import FloatArray

    IntArray = npt.NDArray[np.int64]
    BoolArray = npt.NDArray[np.bool_]


SPORTS: tuple[Sport, ...] = tuple(Sport)
SPORT_CODE: dict[Sport, int] = {sport: code for code, sport in enumerate(SPORTS)}
RUN_CODE = SPORT_CODE[Sport.RUN]
STRENGTH_CODE = SPORT_CODE[Sport.STRENGTH]

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def day_number(day: date) -> int:
    """Days since 1970-01-01."""
    return day.toordinal() - EPOCH_ORDINAL


def day_from_number(number: int) -> date:
    return date.fromordinal(number + EPOCH_ORDINAL)


@dataclass(frozen=True, slots=True, eq=False)
class ActivityColumns:
    """Columns of a list of activities, in the list's order."""

    activities: tuple[Activity, ...]
    day: IntArray
    sport: IntArray
    duration_s: FloatArray
    distance_m: FloatArray
    avg_hr: FloatArray
    max_hr: FloatArray
    elevation_gain_m: FloatArray
    workout_type: FloatArray
    is_race: BoolArray
    device_load: FloatArray
    suffer_score: FloatArray

    def __len__(self) -> int:
        return len(self.activities)

    @property
    def is_run(self) -> BoolArray:
        import numpy as np

        return np.asarray(self.sport == RUN_CODE, dtype=np.bool_)


def _floats(values: list[float | None] | list[float] | list[int | None]) -> FloatArray:
    import numpy as np

    return np.array(values, dtype=np.float64) if values else np.zeros(0, dtype=np.float64)


def activity_columns(activities: Sequence[Activity]) -> ActivityColumns:
    """Extract the columns the load model reads (None → NaN)."""
    import numpy as np

    items = tuple(activities)
    local_seconds = _floats([a.start_utc.timestamp() + a.utc_offset_s for a in items])
    duration = _floats([a.moving_s or a.elapsed_s or 0.0 for a in items])
    return ActivityColumns(
        activities=items,
        day=np.floor(local_seconds / 86400.0).astype(np.int64),
        sport=np.array([SPORT_CODE[a.sport] for a in items], dtype=np.int64),
        duration_s=np.nan_to_num(duration, nan=0.0),
        distance_m=_floats([a.distance_m for a in items]),
        avg_hr=_floats([a.avg_hr for a in items]),
        max_hr=_floats([a.max_hr for a in items]),
        elevation_gain_m=_floats([a.elevation_gain_m for a in items]),
        workout_type=_floats([a.workout_type for a in items]),
        is_race=np.array([a.is_race for a in items], dtype=np.bool_),
        device_load=_floats([a.device_load for a in items]),
        suffer_score=_floats([a.suffer_score for a in items]),
    )
