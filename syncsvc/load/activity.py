"""One load number per activity, on the TRIMP scale, from the best data it has.

1. heart rate: Banister TRIMP (`trimp.py`);
2. pace only (runs): rTSS × the athlete's fitted TRIMP-per-rTSS factor (`pace.py`);
3. neither: minutes × the sport's default intensity (session-RPE style,
   Foster et al., J Strength Cond Res 2001;15:109).
Then × the sport's factor: running counts fully, other sports partly,
strength and mobility not at all (kept, with load 0). Garmin's training load
and Strava's suffer score stay beside our number in the detail, never in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from syncsvc.domain import ActivityLoad, LoadMethod
from syncsvc.load.columns import SPORTS, ActivityColumns
from syncsvc.load.pace import graded_distance_m, pace_s_per_km, running_stress
from syncsvc.load.parameters import LoadParameters
from syncsvc.load.settings import LoadSettings
from syncsvc.load.trimp import banister_trimp, hrr_fraction

if TYPE_CHECKING:
    from syncsvc.load.columns import IntArray
    from syncsvc.load.trimp import FloatArray

METHODS: tuple[LoadMethod, ...] = (
    LoadMethod.NONE,
    LoadMethod.HEART_RATE,
    LoadMethod.PACE,
    LoadMethod.DURATION,
)
NONE, HEART_RATE, PACE, DURATION = range(4)


@dataclass(frozen=True, slots=True, eq=False)
class ActivityScores:
    """Per-activity results, aligned with the `ActivityColumns` they came from."""

    load: FloatArray
    method: IntArray
    hrr: FloatArray
    """Heart-rate-reserve fraction of the average HR (NaN without HR)."""
    pace_s_per_km: FloatArray
    """Grade-adjusted average pace of runs (NaN without a believable one, and for other sports)."""
    sport_factor: FloatArray


def score_activities(
    columns: ActivityColumns, parameters: LoadParameters, settings: LoadSettings
) -> ActivityScores:
    """Load and method of every activity, vectorised."""
    import numpy as np

    hr = settings.heart_rate
    minutes = columns.duration_s / 60.0
    has_time = columns.duration_s > 0
    has_hr = (
        has_time
        & np.isfinite(columns.avg_hr)
        & (columns.avg_hr >= hr.plausible_min_bpm)
        & (columns.avg_hr <= hr.plausible_max_bpm)
    )
    pace = pace_s_per_km(
        columns.duration_s,
        graded_distance_m(columns.distance_m, columns.elevation_gain_m, settings.pace),
    )
    has_pace = (
        has_time
        & columns.is_run
        & np.isfinite(pace)
        & (pace >= settings.pace.plausible_min_pace_s_per_km)
        & (pace <= settings.pace.plausible_max_pace_s_per_km)
    )
    factor_by_code = np.array(
        [settings.sports.factor.get(sport, 0.0) for sport in SPORTS], dtype=np.float64
    )
    intensity_by_code = np.array(
        [settings.sports.intensity_per_min.get(sport, 0.0) for sport in SPORTS], dtype=np.float64
    )
    factor = factor_by_code[columns.sport]

    trimp = banister_trimp(
        minutes,
        columns.avg_hr,
        hr_rest=parameters.hr_rest,
        hr_max=parameters.hr_max,
        sex=parameters.sex,
        settings=hr,
    )
    stress = running_stress(columns.duration_s, pace, parameters.threshold_pace_s_per_km)
    fallback = minutes * intensity_by_code[columns.sport]

    method = np.select(
        [has_hr, has_pace, has_time], [HEART_RATE, PACE, DURATION], default=NONE
    ).astype(np.int64)
    method[factor <= 0] = NONE
    raw = np.select(
        [method == HEART_RATE, method == PACE, method == DURATION],
        [trimp, stress * parameters.pace_to_trimp, fallback],
        default=0.0,
    )
    load = np.maximum(np.nan_to_num(raw * factor, nan=0.0), 0.0)
    hrr = np.where(
        has_hr, hrr_fraction(columns.avg_hr, parameters.hr_rest, parameters.hr_max, hr), np.nan
    )
    return ActivityScores(
        load=load,
        method=method,
        hrr=hrr,
        pace_s_per_km=np.where(has_pace, pace, np.nan),
        sport_factor=factor,
    )


def activity_loads(columns: ActivityColumns, scores: ActivityScores) -> tuple[ActivityLoad, ...]:
    """The domain records, one per activity, each saying how its number was made."""
    sport_names = [sport.value for sport in SPORTS]
    rows = zip(
        columns.activities,
        columns.sport.tolist(),
        scores.load.tolist(),
        scores.method.tolist(),
        scores.sport_factor.tolist(),
        columns.duration_s.tolist(),
        strict=True,
    )
    return tuple(
        ActivityLoad(
            activity_id=activity.id,
            source_id=activity.source_id,
            load=load,
            method=METHODS[method],
            detail=_detail(
                sport_names[sport],
                method,
                factor,
                duration_s,
                activity.avg_hr,
                activity.device_load,
                activity.suffer_score,
            ),
        )
        for activity, sport, load, method, factor, duration_s in rows
    )


def _detail(
    sport: str,
    method: int,
    factor: float,
    duration_s: float,
    avg_hr: float | None,
    device_load: float | None,
    suffer_score: float | None,
) -> str:
    minutes = duration_s / 60.0
    if method == HEART_RATE:
        text = f"heart rate: average {avg_hr:.0f} bpm over {minutes:.0f} min"
    elif method == PACE:
        text = f"pace: {minutes:.0f} min against threshold pace"
    elif method == DURATION:
        text = f"duration: {minutes:.0f} min at the {sport} default intensity"
    elif factor <= 0:
        text = f"{sport}: counts 0 for running load"
    else:
        text = "no duration recorded"
    if method != NONE and factor != 1.0:
        text += f", × {factor:g} for {sport}"
    if device_load is not None:
        text += f"; Garmin load {device_load:.0f}"
    if suffer_score is not None:
        text += f"; Strava suffer score {suffer_score:.0f}"
    return text
