"""`LoadAnalysis`: everything one run of the load model produced.

No pandas import at runtime here, so the CLI can import the type (and
`export.py`) without paying for pandas until it computes something.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from syncsvc.domain import ActivityLoad, DayLoad, WeekLoad
from syncsvc.load.parameters import LoadParameters

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, slots=True, eq=False)
class LoadAnalysis:
    """Past days then forecast days, one per local day, no gaps.

    `frame` is the same series as a DataFrame indexed by day (`date` column
    values are `datetime64` midnights), one column per `DayLoad` field plus
    `run_count`, `strength_count`, `acute_ewma`, `chronic_ewma`, `device_load`
    and `suffer_score` (Garmin's and Strava's own numbers, for comparison only).
    It is None when the analysis ran in the service's load worker
    (`api/load_worker.py`): the frame stays there, so the service never loads pandas.
    """

    today: date
    parameters: LoadParameters
    activity_loads: tuple[ActivityLoad, ...]
    days: tuple[DayLoad, ...]
    weeks: tuple[WeekLoad, ...]
    frame: pd.DataFrame | None

    @property
    def hr_max(self) -> float:
        return self.parameters.hr_max

    @property
    def hr_max_estimated(self) -> bool:
        return self.parameters.hr_max_estimated

    @property
    def threshold_pace_s_per_km(self) -> float:
        return self.parameters.threshold_pace_s_per_km

    @property
    def threshold_pace_estimated(self) -> bool:
        return self.parameters.threshold_pace_estimated

    @property
    def past(self) -> tuple[DayLoad, ...]:
        return tuple(day for day in self.days if not day.forecast)

    @property
    def forecast(self) -> tuple[DayLoad, ...]:
        return tuple(day for day in self.days if day.forecast)

    def day(self, when: date) -> DayLoad | None:
        """The day's entry, or None outside the series."""
        if not self.days:
            return None
        index = (when - self.days[0].day).days
        return self.days[index] if 0 <= index < len(self.days) else None
