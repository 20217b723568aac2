"""Each past day's class (rest, easy, moderate, hard, long, race) and its reason.

Judged from activity summaries only (no per-activity detail requests):
- race: Strava `workout_type` 1 or a Garmin race event (`Activity.is_race`);
- long: a run of at least 90 minutes, or 1.5× the median run of the six weeks
  before (and at least `long_run_relative_floor_s`);
- hard: a run tagged as a workout (Strava `workout_type` 3), or with an average
  HR at or above threshold (the profile's, else 80 % of the reserve), or an
  average (grade-adjusted) pace faster than threshold pace; or a day whose load
  is above the athlete's own 80th percentile of running days;
- easy: a day below the 40th percentile; moderate: in between; rest: no running
  load at all.
A day with several activities takes the hardest class (order `RANK`). These
classes feed the planner's W4 (lighter days) and W5 (no hip session before a
hard run, long run or race).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from syncsvc.domain import DayClass
from syncsvc.load.activity import ActivityScores
from syncsvc.load.columns import ActivityColumns
from syncsvc.load.parameters import LoadParameters, ParameterSource
from syncsvc.load.series import DailySums
from syncsvc.load.settings import ClassSettings
from syncsvc.profiles import format_pace

if TYPE_CHECKING:
    from syncsvc.load.columns import IntArray
    from syncsvc.load.trimp import FloatArray

RANK: tuple[DayClass, ...] = (
    DayClass.REST,
    DayClass.EASY,
    DayClass.MODERATE,
    DayClass.HARD,
    DayClass.LONG,
    DayClass.RACE,
)
"""Hardness order: a day with two runs takes the later class."""
RANK_OF: dict[DayClass, int] = {day_class: rank for rank, day_class in enumerate(RANK)}
REST, EASY, MODERATE, HARD, LONG, RACE = range(6)

# Why an activity is hard, long or a race (codes for the reason text).
NO_MARK, MARK_RACE, MARK_LONG_ABS, MARK_LONG_REL, MARK_WORKOUT, MARK_HR, MARK_PACE = range(7)


@dataclass(frozen=True, slots=True, eq=False)
class PastClasses:
    rank: IntArray
    reason: list[str]
    easy_below: FloatArray
    """Per day, the easy-load percentile in force (NaN while too few running days)."""
    hard_above: FloatArray


def classify_past_days(
    columns: ActivityColumns,
    scores: ActivityScores,
    parameters: LoadParameters,
    sums: DailySums,
    settings: ClassSettings,
) -> PastClasses:
    """Class and reason of every day of `sums` (all past days)."""
    import numpy as np

    mark, median_before = _activity_marks(columns, scores, parameters, settings)
    easy_below, hard_above = _load_percentiles(sums, settings)

    size = sums.size
    inside = (columns.day >= sums.start) & (columns.day < sums.start + size)
    marked = np.flatnonzero(inside & (mark != NO_MARK))
    mark_rank = np.select(
        [mark == MARK_RACE, (mark == MARK_LONG_ABS) | (mark == MARK_LONG_REL)], [RACE, LONG], HARD
    )
    deciding = np.full(size, -1, dtype=np.int64)
    day_mark_rank = np.zeros(size, dtype=np.int64)
    if marked.size:
        # Sort by (day, rank, load); the last of each day decides it.
        order = marked[np.lexsort((scores.load[marked], mark_rank[marked], columns.day[marked]))]
        day_index = columns.day[order] - sums.start
        last_of_day = np.r_[day_index[1:] != day_index[:-1], True]
        deciding[day_index[last_of_day]] = order[last_of_day]
        day_mark_rank[day_index[last_of_day]] = mark_rank[order[last_of_day]]

    load = sums.load
    has_running_load = (load > 0) | (sums.run_count > 0)
    by_load = np.select(
        [~has_running_load, load > hard_above, load < easy_below], [REST, HARD, EASY], MODERATE
    )
    rank = np.maximum(by_load, day_mark_rank)

    reasons = _reasons(
        columns,
        scores,
        parameters,
        sums,
        rank,
        by_load,
        deciding,
        mark,
        median_before,
        easy_below,
        hard_above,
    )
    return PastClasses(rank=rank, reason=reasons, easy_below=easy_below, hard_above=hard_above)


def _activity_marks(
    columns: ActivityColumns,
    scores: ActivityScores,
    parameters: LoadParameters,
    settings: ClassSettings,
) -> tuple[IntArray, FloatArray]:
    """Per activity, the strongest summary marker (race > long > hard), NO_MARK for none."""
    import numpy as np

    run = columns.is_run
    duration = columns.duration_s
    median_before = _median_run_before(columns, settings)
    race = columns.is_race | np.isin(
        columns.workout_type, np.array(settings.race_workout_types, dtype=np.float64)
    )
    workout = np.isin(columns.workout_type, np.array(settings.hard_workout_types, dtype=np.float64))
    long_abs = duration >= settings.long_run_min_s
    long_rel = (
        np.isfinite(median_before)
        & (duration >= settings.long_run_relative_floor_s)
        & (duration >= settings.long_run_median_factor * median_before)
    )
    hard_hr = np.isfinite(scores.hrr) & (columns.avg_hr >= parameters.hr_threshold)
    hard_pace = (
        np.isfinite(scores.pace_s_per_km)
        & (duration >= settings.hard_pace_min_s)
        & (scores.pace_s_per_km < parameters.threshold_pace_s_per_km)
    )
    mark = np.select(
        [race, long_abs, long_rel, workout, hard_hr, hard_pace],
        [MARK_RACE, MARK_LONG_ABS, MARK_LONG_REL, MARK_WORKOUT, MARK_HR, MARK_PACE],
        NO_MARK,
    ).astype(np.int64)
    mark[~run] = NO_MARK
    return mark, median_before


def _median_run_before(columns: ActivityColumns, settings: ClassSettings) -> FloatArray:
    """Median run time of the `long_run_median_days` before each activity's day."""
    import numpy as np
    import pandas as pd

    result = np.full(len(columns), np.nan)
    runs = np.flatnonzero(columns.is_run & (columns.duration_s > 0))
    if runs.size == 0:
        return result
    runs = runs[np.argsort(columns.day[runs], kind="stable")]
    index = pd.to_datetime(columns.day[runs], unit="D")
    durations = pd.Series(columns.duration_s[runs], index=index)
    median = durations.rolling(f"{settings.long_run_median_days}D", closed="left").median()
    result[runs] = median.to_numpy()
    return result


def _load_percentiles(sums: DailySums, settings: ClassSettings) -> tuple[FloatArray, FloatArray]:
    """The athlete's easy and hard daily-load percentiles over running days, as of each day."""
    import numpy as np
    import pandas as pd

    easy = np.full(sums.size, np.nan)
    hard = np.full(sums.size, np.nan)
    running_days = np.flatnonzero(sums.run_count > 0)
    if running_days.size == 0:
        return easy, hard
    loads = pd.Series(
        sums.load[running_days], index=pd.to_datetime(sums.start + running_days, unit="D")
    )
    window = loads.rolling(
        f"{settings.percentile_window_days}D", min_periods=settings.percentile_min_days
    )
    easy[running_days] = window.quantile(settings.easy_load_percentile / 100.0).to_numpy()
    hard[running_days] = window.quantile(settings.hard_load_percentile / 100.0).to_numpy()
    return _forward_fill(easy), _forward_fill(hard)


def _forward_fill(values: FloatArray) -> FloatArray:
    import numpy as np
    import pandas as pd

    return np.asarray(pd.Series(values).ffill().to_numpy(), dtype=np.float64)


def format_duration(seconds: float) -> str:
    """1 h 48 min, or 52 min."""
    minutes = round(seconds / 60.0)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def _reasons(
    columns: ActivityColumns,
    scores: ActivityScores,
    parameters: LoadParameters,
    sums: DailySums,
    rank: IntArray,
    by_load: IntArray,
    deciding: IntArray,
    mark: IntArray,
    median_before: FloatArray,
    easy_below: FloatArray,
    hard_above: FloatArray,
) -> list[str]:
    import numpy as np

    reasons: list[str] = []
    activities = columns.activities
    threshold_hr = (
        f"your threshold heart rate {parameters.hr_threshold:.0f}"
        if parameters.hr_threshold_source is ParameterSource.PROFILE
        else f"threshold {parameters.hr_threshold:.0f} (80 % of your reserve)"
    )
    threshold_pace = format_pace(parameters.threshold_pace_s_per_km)
    for day_rank, load_rank, who, load, distance, strength, easy, hard in zip(
        rank.tolist(),
        by_load.tolist(),
        deciding.tolist(),
        sums.load.tolist(),
        sums.distance_m.tolist(),
        sums.strength_count.tolist(),
        easy_below.tolist(),
        hard_above.tolist(),
        strict=True,
    ):
        if day_rank == REST:
            reasons.append("rest: no running, strength only" if strength else "rest: no running")
            continue
        if who >= 0:
            activity = activities[who]
            code = int(mark[who])
            duration = float(columns.duration_s[who])
            km = f"{activity.distance_m / 1000:.1f} km in " if activity.distance_m else ""
            if code == MARK_RACE:
                name = f"{activity.name}, " if activity.name else ""
                reasons.append(f"race: {name}{km}{format_duration(duration)}")
            elif code == MARK_LONG_REL:
                times = duration / float(median_before[who])
                reasons.append(
                    f"long run: {km}{format_duration(duration)}, {times:.1f}× your median run"
                )
            elif code == MARK_LONG_ABS:
                reasons.append(f"long run: {km}{format_duration(duration)}")
            elif code == MARK_WORKOUT:
                name = f" ({activity.name})" if activity.name else ""
                reasons.append(f"workout: marked as a workout{name}")
            elif code == MARK_HR:
                share = float(scores.hrr[who]) * 100
                reasons.append(
                    f"hard run: average heart rate {activity.avg_hr:.0f}, {share:.0f} % of your "
                    f"reserve, at or above {threshold_hr}"
                )
            else:
                pace = format_pace(float(scores.pace_s_per_km[who]))
                reasons.append(
                    f"hard run: {pace}, faster than your threshold pace {threshold_pace}"
                )
            continue
        km = f"{distance / 1000:.1f} km, " if distance > 0 else ""
        if load_rank == HARD:
            reasons.append(
                f"hard day: {km}load {load:.0f}, above 80 % of your running days ({hard:.0f})"
            )
        elif load_rank == EASY:
            reasons.append(
                f"easy: {km}load {load:.0f}, lighter than most of your running days "
                f"(below {easy:.0f})"
            )
        elif np.isnan(easy):
            reasons.append(f"moderate: {km}load {load:.0f} (too few running days to compare yet)")
        else:
            reasons.append(
                f"moderate: {km}load {load:.0f}, between your easy ({easy:.0f}) "
                f"and hard ({hard:.0f}) days"
            )
    return reasons
