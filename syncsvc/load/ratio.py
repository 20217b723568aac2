"""When the acute:chronic ratio means something, and when it says "careful".

Plain values only, so the coach's page can judge a squad's ratios from the
stored days without the load model.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

SWEET_SPOT = (0.8, 1.3)
"""Gabbett, BJSM 2016;50:273: the usual band (see Impellizzeri 2021 for its limits)."""
DANGER = 1.5
"""Gabbett's "danger zone": a jump in load the body has not been prepared for."""

RATIO_HISTORY_DAYS = 21
"""Chronic load from under 3 weeks of runs makes the acute:chronic ratio meaningless."""


class RatioFlag(StrEnum):
    NONE = ""
    HIGH = "high"
    """Above the usual band (> 1.3)."""
    JUMP = "jump"
    """At or above 1.5."""


def ratio_meaningful_from(first_run: date | None) -> date | None:
    """The first day whose ratio means something (3 weeks after the first run); None
    when there is no run at all."""
    return None if first_run is None else first_run + timedelta(days=RATIO_HISTORY_DAYS)


def ratio_flag(ratio: float | None) -> RatioFlag:
    if ratio is None:
        return RatioFlag.NONE
    if ratio >= DANGER:
        return RatioFlag.JUMP
    if ratio > SWEET_SPOT[1]:
        return RatioFlag.HIGH
    return RatioFlag.NONE
