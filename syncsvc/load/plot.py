"""`syncsvc load --plot FILE.png`: daily load, acute and chronic load, the ratio band.

matplotlib (Agg, no display) is imported inside the function: it costs a few
hundred milliseconds and only this command needs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from syncsvc.domain import Session
from syncsvc.load.result import LoadAnalysis

SWEET_SPOT = (0.8, 1.3)
"""Gabbett, BJSM 2016;50:273: the band drawn (see Impellizzeri 2021 for its limits)."""
DANGER = 1.5


def plot_load(
    analysis: LoadAnalysis,
    path: Path | str,
    sessions: Sequence[Session] = (),
    days: int | None = 120,
) -> Path:
    """Write a PNG of the last `days` past days (all when None) and the forecast."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frame = analysis.frame
    if days is not None:
        first = analysis.today - timedelta(days=days)
        frame = frame[frame.index >= str(first)]
    out = Path(path)
    figure, (top, bottom) = plt.subplots(
        2, 1, figsize=(11, 6.5), sharex=True, gridspec_kw={"height_ratios": [3, 1.4]}
    )
    try:
        past = frame[~frame["forecast"]]
        ahead = frame[frame["forecast"]]
        top.bar(past.index, past["load"], width=0.8, color="#9db4c0", label="daily load")
        top.bar(
            ahead.index,
            ahead["load"],
            width=0.8,
            color="none",
            edgecolor="#9db4c0",
            hatch="//",
            label="forecast load",
        )
        top.plot(frame.index, frame["atl"], color="#d1495b", label="acute load (7 d)")
        top.plot(frame.index, frame["ctl"], color="#00798c", label="chronic load (42 d)")
        strength_days = list(past.index[past["strength_count"] > 0])
        strength_days += [_timestamp(session.local_date) for session in sessions]
        if strength_days:
            top.scatter(
                strength_days,
                [0.0] * len(strength_days),
                marker="^",
                color="#edae49",
                zorder=3,
                label="strength session",
            )
        top.set_ylabel("load (TRIMP)")
        top.legend(loc="upper left", fontsize="small", ncols=3)
        top.set_title(f"Running load up to {analysis.today.isoformat()}")

        bottom.axhspan(*SWEET_SPOT, color="#c8e6c9", alpha=0.6, label="ratio 0.8-1.3")
        bottom.axhline(DANGER, color="#d1495b", linestyle="--", linewidth=0.8, label="1.5")
        bottom.plot(frame.index, frame["acwr"], color="#30638e", label="acute:chronic (EWMA)")
        peak = frame["acwr"].max()
        bottom.set_ylim(0.0, max(2.0, float(peak) * 1.05 if peak == peak else 2.0))
        bottom.set_ylabel("ratio")
        bottom.legend(loc="upper left", fontsize="small", ncols=3)
        if len(ahead):
            for axis in (top, bottom):
                axis.axvline(ahead.index[0], color="grey", linewidth=0.8, linestyle=":")
        figure.autofmt_xdate()
        figure.tight_layout()
        figure.savefig(out, dpi=110)
    finally:
        plt.close(figure)
    return out


def _timestamp(day: date) -> object:
    import pandas as pd

    return pd.Timestamp(day)
