"""`LoadAnalysis` as the `syncsvc load --json` list of objects (no pandas needed)."""

from __future__ import annotations

from typing import Any

from syncsvc.domain import DayLoad
from syncsvc.load.result import LoadAnalysis


def day_to_json(day: DayLoad) -> dict[str, Any]:
    """One day as plain JSON values; ratios are null while undefined."""
    return {
        "date": day.day.isoformat(),
        "load": round(day.load, 1),
        "distance_km": round(day.distance_m / 1000.0, 2),
        "class": day.day_class.value,
        "reason": day.reason,
        "class_source": day.class_source.value,
        "confidence": round(day.confidence, 2),
        "atl": round(day.atl, 2),
        "ctl": round(day.ctl, 2),
        "tsb": round(day.tsb, 2),
        "acwr": None if day.acwr is None else round(day.acwr, 3),
        "acwr_rolling": None if day.acwr_rolling is None else round(day.acwr_rolling, 3),
        "forecast": day.forecast,
    }


def analysis_to_json(analysis: LoadAnalysis, days: int | None = None) -> list[dict[str, Any]]:
    """The last `days` past days (all when None) then every forecast day, oldest first."""
    past = analysis.past
    if days is not None:
        past = past[-days:] if days > 0 else ()
    return [day_to_json(day) for day in (*past, *analysis.forecast)]
