"""The athlete parameters the load model used, and where each came from.

The profile wins; otherwise HR max and threshold pace are estimated from the
athlete's own history, and the last resort is a documented default. The
result says which, because `syncsvc profile show` tells the runner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from syncsvc.domain import Activity, Profile, Sex
from syncsvc.load.columns import ActivityColumns, activity_columns, day_number
from syncsvc.load.pace import (
    estimate_threshold_pace,
    graded_distance_m,
    pace_s_per_km,
    running_stress,
)
from syncsvc.load.settings import LoadSettings
from syncsvc.load.trimp import banister_trimp, estimate_hr_max
from syncsvc.profiles import format_pace

if TYPE_CHECKING:
    from syncsvc.load.columns import BoolArray
    from syncsvc.load.trimp import FloatArray


class ParameterSource(StrEnum):
    PROFILE = "profile"
    ESTIMATED = "estimated"
    DERIVED = "derived"
    DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class LoadParameters:
    """What the per-activity load was computed with."""

    hr_rest: float
    hr_rest_source: ParameterSource
    hr_max: float
    hr_max_source: ParameterSource
    hr_threshold: float
    hr_threshold_source: ParameterSource
    threshold_pace_s_per_km: float
    threshold_pace_source: ParameterSource
    pace_to_trimp: float
    pace_to_trimp_source: ParameterSource
    sex: Sex | None = None
    hr_max_samples: int = 0
    threshold_pace_samples: int = 0
    pace_to_trimp_samples: int = 0

    @property
    def hr_max_estimated(self) -> bool:
        return self.hr_max_source is not ParameterSource.PROFILE

    @property
    def threshold_pace_estimated(self) -> bool:
        return self.threshold_pace_source is not ParameterSource.PROFILE

    def filled_in(self) -> dict[str, str]:
        """Profile keys this analysis had to fill in, with the value used and where it came from."""
        used = {
            "hr_rest": (f"{self.hr_rest:.0f} bpm", self.hr_rest_source, 0),
            "hr_max": (f"{self.hr_max:.0f} bpm", self.hr_max_source, self.hr_max_samples),
            "hr_threshold": (f"{self.hr_threshold:.0f} bpm", self.hr_threshold_source, 0),
            "threshold_pace": (
                format_pace(self.threshold_pace_s_per_km),
                self.threshold_pace_source,
                self.threshold_pace_samples,
            ),
        }
        return {
            key: f"{value}, {describe_source(source, samples)}"
            for key, (value, source, samples) in used.items()
            if source is not ParameterSource.PROFILE
        }


def describe_source(source: ParameterSource, samples: int = 0) -> str:
    """Where a parameter came from, in the runner's words."""
    if source is ParameterSource.PROFILE:
        return "from your profile"
    if source is ParameterSource.ESTIMATED:
        return f"estimated from {samples} of your activities"
    if source is ParameterSource.DERIVED:
        return "derived from your resting and max HR"
    return "default: set it in your profile"


def resolve_parameters(
    activities: Sequence[Activity] | ActivityColumns,
    profile: Profile,
    settings: LoadSettings,
    today: date,
) -> LoadParameters:
    """HR, threshold pace and the pace→TRIMP factor: profile, else estimate, else default."""
    columns = (
        activities if isinstance(activities, ActivityColumns) else activity_columns(activities)
    )
    hr = settings.heart_rate
    today_n = day_number(today)
    in_year = (columns.day > today_n - hr.hr_max_window_days) & (columns.day <= today_n)

    hr_rest, rest_source = (
        (float(profile.hr_rest), ParameterSource.PROFILE)
        if profile.hr_rest
        else (hr.default_hr_rest, ParameterSource.DEFAULT)
    )
    hr_max_samples = 0
    if profile.hr_max:
        hr_max, max_source = float(profile.hr_max), ParameterSource.PROFILE
    else:
        estimate, hr_max_samples = estimate_hr_max(columns.max_hr[in_year], hr)
        hr_max, max_source = (
            (estimate, ParameterSource.ESTIMATED)
            if estimate is not None
            else (hr.default_hr_max, ParameterSource.DEFAULT)
        )
    hr_max = max(hr_max, hr_rest + 1.0)
    if profile.hr_threshold:
        hr_threshold, threshold_source = float(profile.hr_threshold), ParameterSource.PROFILE
    else:
        hr_threshold = hr_rest + hr.threshold_hrr_fraction * (hr_max - hr_rest)
        threshold_source = ParameterSource.DERIVED

    pace = pace_s_per_km(
        columns.duration_s,
        graded_distance_m(columns.distance_m, columns.elevation_gain_m, settings.pace),
    )
    threshold_pace, pace_source, pace_samples = _threshold_pace(
        columns, pace, profile, settings, today_n, hr_threshold
    )
    factor, factor_source, factor_samples = _pace_to_trimp(
        columns, pace, settings, today_n, hr_rest, hr_max, profile.sex, threshold_pace
    )
    return LoadParameters(
        hr_rest=hr_rest,
        hr_rest_source=rest_source,
        hr_max=hr_max,
        hr_max_source=max_source,
        hr_threshold=hr_threshold,
        hr_threshold_source=threshold_source,
        threshold_pace_s_per_km=threshold_pace,
        threshold_pace_source=pace_source,
        pace_to_trimp=factor,
        pace_to_trimp_source=factor_source,
        sex=profile.sex,
        hr_max_samples=hr_max_samples,
        threshold_pace_samples=pace_samples,
        pace_to_trimp_samples=factor_samples,
    )


def _threshold_pace(
    columns: ActivityColumns,
    pace: FloatArray,
    profile: Profile,
    settings: LoadSettings,
    today_n: int,
    hr_threshold: float,
) -> tuple[float, ParameterSource, int]:
    import numpy as np

    if profile.threshold_pace_s_per_km:
        return float(profile.threshold_pace_s_per_km), ParameterSource.PROFILE, 0
    recent_runs = (
        columns.is_run
        & (columns.day > today_n - settings.pace.threshold_window_days)
        & (columns.day <= today_n)
    )
    hard_types = settings.classes.race_workout_types + settings.classes.hard_workout_types
    hard = (
        columns.is_race
        | np.isin(columns.workout_type, np.array(hard_types, dtype=np.float64))
        | (columns.avg_hr >= hr_threshold)
    )
    for chosen in (recent_runs & hard, recent_runs):
        estimate, samples = estimate_threshold_pace(
            columns.duration_s[chosen], pace[chosen], settings.pace
        )
        if estimate is not None:
            return estimate, ParameterSource.ESTIMATED, samples
    return settings.pace.default_threshold_pace_s_per_km, ParameterSource.DEFAULT, 0


def _pace_to_trimp(
    columns: ActivityColumns,
    pace: FloatArray,
    settings: LoadSettings,
    today_n: int,
    hr_rest: float,
    hr_max: float,
    sex: Sex | None,
    threshold_pace: float,
) -> tuple[float, ParameterSource, int]:
    """Median TRIMP/rTSS over the athlete's runs that have both (robust to odd runs)."""
    import numpy as np

    both = (
        columns.is_run
        & (columns.day > today_n - settings.pace.pace_to_trimp_window_days)
        & (columns.day <= today_n)
        & (columns.duration_s > 0)
        & _plausible_hr(columns.avg_hr, settings)
        & _plausible_pace(pace, settings)
    )
    if int(both.sum()) < settings.pace.pace_to_trimp_min_runs:
        return settings.pace.pace_to_trimp_default, ParameterSource.DEFAULT, int(both.sum())
    trimp = banister_trimp(
        columns.duration_s[both] / 60.0,
        columns.avg_hr[both],
        hr_rest=hr_rest,
        hr_max=hr_max,
        sex=sex,
        settings=settings.heart_rate,
    )
    stress = running_stress(columns.duration_s[both], pace[both], threshold_pace)
    usable = (stress > 0) & (trimp > 0)
    if int(usable.sum()) < settings.pace.pace_to_trimp_min_runs:
        return settings.pace.pace_to_trimp_default, ParameterSource.DEFAULT, int(usable.sum())
    return (
        float(np.median(trimp[usable] / stress[usable])),
        ParameterSource.ESTIMATED,
        int(usable.sum()),
    )


def _plausible_hr(avg_hr: FloatArray, settings: LoadSettings) -> BoolArray:
    import numpy as np

    hr = settings.heart_rate
    return np.isfinite(avg_hr) & (avg_hr >= hr.plausible_min_bpm) & (avg_hr <= hr.plausible_max_bpm)


def _plausible_pace(pace: FloatArray, settings: LoadSettings) -> BoolArray:
    import numpy as np

    return (
        np.isfinite(pace)
        & (pace >= settings.pace.plausible_min_pace_s_per_km)
        & (pace <= settings.pace.plausible_max_pace_s_per_km)
    )
