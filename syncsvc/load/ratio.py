"""When the acute:chronic ratio says "careful": the band the load chart draws and the
coach's page flags (when it means something at all is `load/ratio_history.py`).

Plain values only, so the coach's page can judge a squad's ratios from the
stored days without the load model.
"""

from __future__ import annotations

from enum import StrEnum

SWEET_SPOT = (0.8, 1.3)
"""Gabbett, BJSM 2016;50:273: the usual band (see Impellizzeri 2021 for its limits)."""
DANGER = 1.5
"""Gabbett's "danger zone": a jump in load the body has not been prepared for."""


class RatioFlag(StrEnum):
    NONE = ""
    HIGH = "high"
    """Above the usual band (> 1.3)."""
    JUMP = "jump"
    """At or above 1.5."""


def ratio_flag(ratio: float | None) -> RatioFlag:
    if ratio is None:
        return RatioFlag.NONE
    if ratio >= DANGER:
        return RatioFlag.JUMP
    if ratio > SWEET_SPOT[1]:
        return RatioFlag.HIGH
    return RatioFlag.NONE
