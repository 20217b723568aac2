"""Banister's heart-rate TRIMP, and HR max from the athlete's own maxima.

TRIMP = minutes × x × a·e^(b·x), x = (HR_avg − HR_rest) / (HR_max − HR_rest),
the heart-rate-reserve fraction (Banister 1991; Morton, Fitz-Clarke & Banister,
J Appl Physiol 1990;69:1171). Men a = 0.64, b = 1.92; women a = 0.86, b = 1.67,
the classic pair (peers differ: GoldenCheetah and Elevate keep 0.64 for women,
Runalyze rescales; see shared/docs/load-reference.txt §1). When sex is not
known the weighting is the mean of the two weighting values.

All functions take and return numpy arrays so 5,000 activities cost one pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syncsvc.domain import Sex
from syncsvc.load.settings import HeartRateSettings

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]


def hrr_fraction(
    avg_hr: FloatArray | float,
    hr_rest: float,
    hr_max: float,
    settings: HeartRateSettings,
) -> FloatArray:
    """Heart-rate-reserve fraction x, clamped to [0, `hrr_fraction_max`].

    Below resting HR the session scores zero, as in every peer (GC returns 0
    when avg < rest; Elevate and Runalyze clamp x at 0).
    """
    import numpy as np

    reserve = max(hr_max - hr_rest, 1.0)
    fraction = (np.asarray(avg_hr, dtype=np.float64) - hr_rest) / reserve
    return np.clip(fraction, 0.0, settings.hrr_fraction_max)


def banister_weighting(x: FloatArray, sex: Sex | None, settings: HeartRateSettings) -> FloatArray:
    """a·e^(b·x) for the sex, or the mean of the male and female values when unknown."""
    import numpy as np

    male = settings.male_a * np.exp(settings.male_b * x)
    female = settings.female_a * np.exp(settings.female_b * x)
    if sex is Sex.MALE:
        return male
    if sex is Sex.FEMALE:
        return female
    return (male + female) / 2.0


def banister_trimp(
    minutes: FloatArray | float,
    avg_hr: FloatArray | float,
    *,
    hr_rest: float,
    hr_max: float,
    sex: Sex | None,
    settings: HeartRateSettings,
) -> FloatArray:
    """Banister TRIMP of sessions with a known average HR; NaN HR gives NaN."""
    import numpy as np

    x = hrr_fraction(avg_hr, hr_rest, hr_max, settings)
    duration_min = np.maximum(np.asarray(minutes, dtype=np.float64), 0.0)
    return duration_min * x * banister_weighting(x, sex, settings)


def estimate_hr_max(
    recorded_max_hr: FloatArray,
    settings: HeartRateSettings,
) -> tuple[float | None, int]:
    """HR max from the athlete's recorded per-activity maxima (already windowed).

    A high percentile rather than the highest value, so one strap spike does
    not set it. Returns (estimate or None when too few believable values, count).
    """
    import numpy as np

    values = recorded_max_hr[np.isfinite(recorded_max_hr)]
    values = values[(values >= settings.plausible_min_bpm) & (values <= settings.plausible_max_bpm)]
    if values.size < settings.hr_max_min_activities:
        return None, int(values.size)
    return float(np.percentile(values, settings.hr_max_percentile)), int(values.size)
