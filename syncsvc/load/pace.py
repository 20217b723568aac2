"""Pace-based running stress (rTSS) and threshold pace from recent efforts.

rTSS = hours × IF² × 100 with IF = threshold pace / graded pace, so one hour at
threshold scores 100 (TrainingPeaks, "Running Training Stress Score (rTSS)
Explained"; Elevate's computeRunningStressScore is the same formula). A summary
has no grade profile, only the total climb, so the grade adjustment adds
`climb_equivalent_m` flat metres per metre climbed (Naismith's rule; Scarf,
J Oper Res Soc 2007 puts it near 7.92 for hill walking).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syncsvc.load.settings import PaceSettings

if TYPE_CHECKING:
    from syncsvc.load.trimp import FloatArray


def graded_distance_m(
    distance_m: FloatArray, elevation_gain_m: FloatArray, settings: PaceSettings
) -> FloatArray:
    """Flat-equivalent distance: climbs add distance, unknown climb adds none."""
    import numpy as np

    climb = np.where(np.isfinite(elevation_gain_m), np.maximum(elevation_gain_m, 0.0), 0.0)
    return distance_m + settings.climb_equivalent_m * climb


def pace_s_per_km(duration_s: FloatArray, distance_m: FloatArray) -> FloatArray:
    """Average pace; NaN where the distance is missing or zero."""
    import numpy as np

    with np.errstate(all="ignore"):
        pace = duration_s / (distance_m / 1000.0)
    return np.where((distance_m > 0) & np.isfinite(pace), pace, np.nan)


def running_stress(
    duration_s: FloatArray, pace: FloatArray, threshold_pace_s_per_km: float
) -> FloatArray:
    """rTSS = hours × IF² × 100, IF = threshold pace / pace (faster than threshold: IF > 1)."""
    import numpy as np

    with np.errstate(all="ignore"):
        intensity = threshold_pace_s_per_km / pace
        return np.asarray(duration_s / 3600.0 * intensity**2 * 100.0, dtype=np.float64)


def sixty_minute_pace(
    duration_s: FloatArray, pace: FloatArray, riegel_exponent: float
) -> FloatArray:
    """The pace the same effort would hold for 60 minutes (Riegel, Am Sci 1981;69:285).

    T2 = T1 (D2/D1)^k gives pace60 = pace × (3600 / T1)^(1 − 1/k).
    """
    return pace * (3600.0 / duration_s) ** (1.0 - 1.0 / riegel_exponent)


def estimate_threshold_pace(
    duration_s: FloatArray, pace: FloatArray, settings: PaceSettings
) -> tuple[float | None, int]:
    """Threshold pace from efforts already chosen by the caller (recent, hard, long enough).

    Each effort is brought to its 60-minute equivalent; the fast-end percentile
    is the estimate (threshold pace ≈ the pace held for about an hour).
    """
    import numpy as np

    usable = (
        np.isfinite(pace)
        & (duration_s >= settings.threshold_min_effort_s)
        & (pace >= settings.plausible_min_pace_s_per_km)
        & (pace <= settings.plausible_max_pace_s_per_km)
    )
    if not usable.any():
        return None, 0
    equivalent = sixty_minute_pace(duration_s[usable], pace[usable], settings.riegel_exponent)
    return float(np.percentile(equivalent, settings.threshold_percentile)), int(usable.sum())
