"""The daily series: sums per local day, fitness/fatigue/form, ACWR, weekly figures.

- Acute and chronic load (ATL, CTL) in GoldenCheetah's convention (PMCData.cpp
  L327-345): X_d = L_d·k + X_(d−1)·(1 − k), k = 1 − e^(−1/τ), τ = 7 and 42,
  seeded at 0 the day before the series starts. Form (TSB) is yesterday's CTL
  minus yesterday's ATL (GC's default, GC_SB_TODAY = 0; TrainingPeaks' help text
  says the same), so today's load is not in today's form.
- ACWR (`acwr`): Williams, West, Cross & Stokes, BJSM 2017;51:209, EWMA with
  λ = 2/(N+1), N = 7 and 28, seeded at 0; not reported for the first
  `acwr_min_history_days` days, where the seed dominates (a ratio of 3.6 on day 2).
- `acwr_rolling`: mean of the last 7 days over mean of the last 28, both
  including today (coupled; Hulin et al., BJSM 2016;50:231).
- Monotony and strain, Foster, Med Sci Sports Exerc 1998;30:1164: mean / SD of
  a Monday-to-Sunday week's daily loads (rest days count 0), strain = weekly load
  × monotony. Foster does not say n or n−1; we divide by n (population SD), as
  Runalyze does, and clamp to `monotony_max` (Runalyze's 10, also used when all
  seven days are equal and not zero).

The series starts on the Monday of the first activity's week: the zero days
before the first activity leave every EWMA at zero, and weeks stay whole.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from syncsvc.domain import WeekLoad
from syncsvc.load.activity import ActivityScores
from syncsvc.load.columns import STRENGTH_CODE, ActivityColumns, day_from_number
from syncsvc.load.settings import SeriesSettings

if TYPE_CHECKING:
    import numpy as np

    from syncsvc.load.trimp import FloatArray

EPOCH_MONDAY_OFFSET = 3
"""1970-01-01 was a Thursday: (day number + 3) % 7 is the weekday, Monday 0."""


def weekday_of(day_n: int) -> int:
    return (day_n + EPOCH_MONDAY_OFFSET) % 7


def ewma_from_zero(load: FloatArray, alpha: float) -> FloatArray:
    """y_d = α·x_d + (1 − α)·y_(d−1), y_(−1) = 0 (pandas' recursive EWMA, in C)."""
    import numpy as np
    import pandas as pd

    padded = np.concatenate(([0.0], load))
    smoothed = pd.Series(padded).ewm(alpha=alpha, adjust=False).mean().to_numpy()
    return np.asarray(smoothed[1:], dtype=np.float64)


@dataclass(frozen=True, slots=True, eq=False)
class LoadCurves:
    """Every per-day curve derived from the daily load alone."""

    ctl: FloatArray
    atl: FloatArray
    tsb: FloatArray
    acute_ewma: FloatArray
    chronic_ewma: FloatArray
    acwr: FloatArray
    acwr_rolling: FloatArray


def load_curves(load: FloatArray, settings: SeriesSettings) -> LoadCurves:
    """CTL/ATL/TSB (GoldenCheetah) and both ACWRs from one day-per-row load array."""
    import numpy as np
    import pandas as pd

    ctl = ewma_from_zero(load, 1.0 - math.exp(-1.0 / settings.ctl_days))
    atl = ewma_from_zero(load, 1.0 - math.exp(-1.0 / settings.atl_days))
    tsb = np.concatenate(([0.0], (ctl - atl)[:-1]))[: load.size]
    acute = ewma_from_zero(load, 2.0 / (settings.acwr_acute_days + 1))
    chronic = ewma_from_zero(load, 2.0 / (settings.acwr_chronic_days + 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        acwr = np.where(chronic > 0, acute / chronic, np.nan)
    acwr[: max(settings.acwr_min_history_days - 1, 0)] = np.nan
    series = pd.Series(load)
    acute_mean = series.rolling(settings.acwr_acute_days).mean().to_numpy()
    chronic_mean = series.rolling(settings.acwr_chronic_days).mean().to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        rolling = np.where(chronic_mean > 0, acute_mean / chronic_mean, np.nan)
    return LoadCurves(
        ctl=ctl,
        atl=atl,
        tsb=tsb,
        acute_ewma=acute,
        chronic_ewma=chronic,
        acwr=acwr,
        acwr_rolling=np.asarray(rolling, dtype=np.float64),
    )


@dataclass(frozen=True, slots=True, eq=False)
class DailySums:
    """Per-day sums over the activities (index 0 = `start`)."""

    start: int
    load: FloatArray
    distance_m: FloatArray
    running_s: FloatArray
    longest_run_s: FloatArray
    activity_count: FloatArray
    run_count: FloatArray
    strength_count: FloatArray
    device_load: FloatArray
    suffer_score: FloatArray

    @property
    def size(self) -> int:
        return int(self.load.size)


def daily_sums(columns: ActivityColumns, scores: ActivityScores, start: int, end: int) -> DailySums:
    """Sum each activity onto its own local date; days without one are zeros."""
    import numpy as np

    size = end - start + 1
    inside = (columns.day >= start) & (columns.day <= end)
    index = columns.day[inside] - start
    run = columns.is_run[inside]
    duration = columns.duration_s[inside]
    distance = np.nan_to_num(columns.distance_m[inside], nan=0.0)

    def total(weights: FloatArray) -> FloatArray:
        return np.bincount(index, weights=weights, minlength=size).astype(np.float64)

    longest = np.zeros(size, dtype=np.float64)
    np.maximum.at(longest, index[run], duration[run])
    device = columns.device_load[inside]
    suffer = columns.suffer_score[inside]
    return DailySums(
        start=start,
        load=total(scores.load[inside]),
        distance_m=total(np.where(run, distance, 0.0)),
        running_s=total(np.where(run, duration, 0.0)),
        longest_run_s=longest,
        activity_count=total(np.ones(index.size)),
        run_count=total(run.astype(np.float64)),
        strength_count=total((columns.sport[inside] == STRENGTH_CODE).astype(np.float64)),
        device_load=_sum_or_nan(index, device, size),
        suffer_score=_sum_or_nan(index, suffer, size),
    )


def _sum_or_nan(index: np.ndarray, values: FloatArray, size: int) -> FloatArray:
    import numpy as np

    known = np.isfinite(values)
    sums = np.bincount(index[known], weights=values[known], minlength=size).astype(np.float64)
    present = np.bincount(index[known], minlength=size) > 0
    return np.where(present, sums, np.nan)


def weekly_loads(
    start: int,
    load: FloatArray,
    distance_m: FloatArray,
    acwr: FloatArray,
    last_day: int,
    settings: SeriesSettings,
) -> tuple[WeekLoad, ...]:
    """Monday-to-Sunday weeks of the past series; `start` must be a Monday.

    The last week may be partial (up to `last_day`): its distance is the
    distance so far, and its changes, monotony and strain are None until it is
    whole (a week half over is not a drop in volume).
    """
    import numpy as np

    past = last_day - start + 1
    weeks = -(-past // 7)
    padded = weeks * 7
    week_load = np.full(padded, np.nan)
    week_load[:past] = load[:past]
    week_distance = np.zeros(padded)
    week_distance[:past] = distance_m[:past]
    week_acwr = np.full(padded, np.nan)
    week_acwr[:past] = acwr[:past]
    load_grid = week_load.reshape(weeks, 7)
    distance = week_distance.reshape(weeks, 7).sum(axis=1)
    complete = np.isfinite(load_grid).all(axis=1)
    mean = np.where(complete, np.nan_to_num(load_grid).mean(axis=1), np.nan)
    sd = np.where(complete, np.nan_to_num(load_grid).std(axis=1, ddof=0), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        monotony = np.where(
            sd > 0, np.minimum(mean / sd, settings.monotony_max), settings.monotony_max
        )
    monotony = np.where(complete & (mean > 0), monotony, np.nan)
    strain = np.where(complete, np.nan_to_num(mean * 7 * monotony), np.nan)
    previous = np.concatenate(([np.nan], distance[:-1]))
    cumulative = np.concatenate(([0.0], np.cumsum(distance)))
    four_before = np.full(weeks, np.nan)
    if weeks > 4:
        four_before[4:] = (cumulative[4:-1] - cumulative[:-5]) / 4.0
    with np.errstate(divide="ignore", invalid="ignore"):
        change_prev = np.where(complete & (previous > 0), distance / previous - 1.0, np.nan)
        change_avg = np.where(complete & (four_before > 0), distance / four_before - 1.0, np.nan)
    acwr_grid = week_acwr.reshape(weeks, 7)
    has_acwr = np.isfinite(acwr_grid).any(axis=1)
    max_acwr = np.where(
        has_acwr, np.nanmax(np.where(np.isfinite(acwr_grid), acwr_grid, -np.inf), axis=1), np.nan
    )
    return tuple(
        WeekLoad(
            week_start=day_from_number(start + 7 * week),
            distance_m=dist,
            change_vs_previous=_none_if_nan(prev),
            change_vs_4wk_avg=_none_if_nan(avg),
            monotony=_none_if_nan(mono),
            strain=_none_if_nan(strn),
            max_acwr=_none_if_nan(peak),
        )
        for week, (dist, prev, avg, mono, strn, peak) in enumerate(
            zip(
                distance.tolist(),
                change_prev.tolist(),
                change_avg.tolist(),
                monotony.tolist(),
                strain.tolist(),
                max_acwr.tolist(),
                strict=True,
            )
        )
    )


def _none_if_nan(value: float) -> float | None:
    return None if math.isnan(value) else value


def monday_on_or_before(day: date) -> date:
    return date.fromordinal(day.toordinal() - day.weekday())
