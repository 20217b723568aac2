"""The one entry point: activities and profile in, `LoadAnalysis` out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from syncsvc.domain import Activity, ClassSource, DayLoad, PlannedWorkout, Profile
from syncsvc.load.activity import activity_loads, score_activities
from syncsvc.load.classify import RANK, RANK_OF, classify_past_days
from syncsvc.load.columns import activity_columns, day_from_number, day_number
from syncsvc.load.forecast import PastDays, forecast_days
from syncsvc.load.parameters import resolve_parameters
from syncsvc.load.result import LoadAnalysis
from syncsvc.load.series import daily_sums, load_curves, monday_on_or_before, weekly_loads
from syncsvc.load.settings import LoadSettings


def analyse_load(
    activities: Sequence[Activity],
    profile: Profile,
    settings: LoadSettings,
    today: date,
    horizon_days: int = 14,
    planned: Sequence[PlannedWorkout] = (),
) -> LoadAnalysis:
    """Per-activity load, the daily series with classes, and the forecast.

    Past days run from the Monday of the first activity's week (or of
    `today − min_history_days`) to the last day that is over or has an
    activity; `today` itself is past once it has an activity, otherwise it is
    the first forecast day. The forecast runs to `today + horizon_days`.
    `today` is the local date in the profile's time zone.
    """
    import numpy as np
    import pandas as pd

    columns = activity_columns(activities)
    parameters = resolve_parameters(columns, profile, settings, today)
    scores = score_activities(columns, parameters, settings)
    loads = activity_loads(columns, scores)

    today_n = day_number(today)
    counted = columns.day[columns.day <= today_n + settings.series.future_slack_days]
    earliest = today_n - settings.series.min_history_days + 1
    if counted.size:
        earliest = min(earliest, int(counted.min()))
    start = day_number(monday_on_or_before(day_from_number(earliest)))
    last_past = max(today_n - 1, int(counted.max()) if counted.size else start - 1)
    last_past = max(last_past, start - 1)
    last_forecast = max(today_n + horizon_days, last_past)

    sums = daily_sums(columns, scores, start, last_past)
    past = classify_past_days(columns, scores, parameters, sums, settings.classes)
    ahead = forecast_days(
        PastDays(
            start,
            past.rank,
            sums.load,
            sums.distance_m,
            int(counted.min()) if counted.size else last_past + 1,
        ),
        last_past + 1,
        last_forecast,
        profile,
        planned,
        settings.forecast,
    )

    n_past, n_ahead = sums.size, len(ahead)
    load = np.concatenate((sums.load, [day.load for day in ahead]))
    curves = load_curves(load, settings.series)
    weeks = weekly_loads(start, sums.load, sums.distance_m, curves.acwr, last_past, settings.series)

    zeros = np.zeros(n_ahead)
    rank_values = [day_class.value for day_class in RANK]
    classes = [rank_values[rank] for rank in past.rank.tolist()] + [
        day.day_class.value for day in ahead
    ]
    series: dict[str, Any] = {
        "load": load,
        "distance_m": np.concatenate((sums.distance_m, [day.distance_m for day in ahead])),
        "running_s": np.concatenate((sums.running_s, zeros)),
        "longest_run_s": np.concatenate((sums.longest_run_s, zeros)),
        "activity_count": np.concatenate((sums.activity_count, zeros)).astype(np.int64),
        "run_count": np.concatenate((sums.run_count, zeros)).astype(np.int64),
        "strength_count": np.concatenate((sums.strength_count, zeros)).astype(np.int64),
        "day_class": classes,
        "reason": past.reason + [day.reason for day in ahead],
        "class_source": [ClassSource.ACTUAL.value] * n_past + [day.source.value for day in ahead],
        "confidence": np.concatenate((np.ones(n_past), [day.confidence for day in ahead])),
        "forecast": np.concatenate((np.zeros(n_past, bool), np.ones(n_ahead, bool))),
        "atl": curves.atl,
        "ctl": curves.ctl,
        "tsb": curves.tsb,
        "acute_ewma": curves.acute_ewma,
        "chronic_ewma": curves.chronic_ewma,
        "acwr": curves.acwr,
        "acwr_rolling": curves.acwr_rolling,
        "device_load": np.concatenate((sums.device_load, np.full(n_ahead, np.nan))),
        "suffer_score": np.concatenate((sums.suffer_score, np.full(n_ahead, np.nan))),
    }
    frame = pd.DataFrame(
        series,
        index=pd.DatetimeIndex(
            pd.to_datetime(np.arange(start, last_forecast + 1), unit="D"), name="date"
        ),
    )
    return LoadAnalysis(
        today=today,
        parameters=parameters,
        activity_loads=loads,
        days=_day_loads(series, start),
        weeks=weeks,
        frame=frame,
    )


def _day_loads(series: dict[str, Any], start: int) -> tuple[DayLoad, ...]:
    """The frame's columns as domain records (NaN ratios become None).

    Read from the arrays and lists the frame is built of, not back from the
    frame: fifteen column look-ups and Series conversions per athlete for the
    same Python values (`ndarray.tolist` gives what `Series.tolist` gave).
    """
    classes = {day_class.value: day_class for day_class in RANK_OF}
    sources = {source.value: source for source in ClassSource}
    columns = [
        _as_list(series[name])
        for name in (
            "load",
            "day_class",
            "reason",
            "class_source",
            "forecast",
            "confidence",
            "distance_m",
            "running_s",
            "longest_run_s",
            "activity_count",
            "atl",
            "ctl",
            "tsb",
            "acwr",
            "acwr_rolling",
        )
    ]
    first = day_from_number(start).toordinal()
    return tuple(
        DayLoad(
            day=date.fromordinal(first + offset),
            load=load,
            day_class=classes[day_class],
            reason=reason,
            class_source=sources[source],
            forecast=forecast,
            confidence=confidence,
            distance_m=distance,
            running_s=running,
            longest_run_s=longest,
            activity_count=count,
            atl=atl,
            ctl=ctl,
            tsb=tsb,
            acwr=None if acwr != acwr else acwr,
            acwr_rolling=None if rolling != rolling else rolling,
        )
        for offset, (
            load,
            day_class,
            reason,
            source,
            forecast,
            confidence,
            distance,
            running,
            longest,
            count,
            atl,
            ctl,
            tsb,
            acwr,
            rolling,
        ) in enumerate(zip(*columns, strict=True))
    )


def _as_list(values: Any) -> list[Any]:
    return values.tolist() if hasattr(values, "tolist") else list(values)
