"""`syncsvc load --plot FILE.png`: daily load, acute and chronic load, the ratio band.

matplotlib (Agg, no display) is imported inside the function: it costs a few
hundred milliseconds and only this command needs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from syncsvc.domain import Session, SessionKind
from syncsvc.load.ratio import DANGER, SWEET_SPOT
from syncsvc.load.ratio_history import ratio_from
from syncsvc.load.result import LoadAnalysis

_CORE, _HIP, _DONE = "#edae49", "#8e5ea2", "#6b6b6b"


def plot_load(
    analysis: LoadAnalysis,
    path: Path | str,
    sessions: Sequence[Session] = (),
    days: int | None = 120,
) -> Path:
    """Write a PNG of the last `days` past days (all when None) and the forecast."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    frame = analysis.frame
    if frame is None:  # computed by the service's load worker, which keeps the frame
        raise ValueError("this load analysis carries no frame to plot")
    if days is not None:
        first = analysis.today - timedelta(days=days)
        frame = frame[frame.index >= str(first)]
    out = Path(path)
    figure, (top, bottom) = plt.subplots(
        2, 1, figsize=(12, 7), sharex=True, gridspec_kw={"height_ratios": [3, 1.4]}
    )
    try:
        past = frame[~frame["forecast"]]
        ahead = frame[frame["forecast"]]
        top.bar(past.index, past["load"], width=0.8, color="#9db4c0", label="running load")
        top.bar(
            ahead.index,
            ahead["load"],
            width=0.8,
            color="none",
            edgecolor="#9db4c0",
            hatch="//",
            label="expected load ahead",
        )
        top.plot(frame.index, frame["atl"], color="#d1495b", label="recent load (7 days)")
        top.plot(frame.index, frame["ctl"], color="#00798c", label="usual load (42 days)")
        peak_load = float(frame["load"].max()) if len(frame) else 0.0
        top.set_ylim(bottom=-0.08 * max(peak_load, 1.0))
        marker_y = -0.04 * max(peak_load, 1.0)
        in_range = [
            s
            for s in sessions
            if len(frame) and frame.index[0].date() <= s.local_date <= frame.index[-1].date()
        ]
        for kind, colour, marker, label in (
            (SessionKind.CORE, _CORE, "^", "core session"),
            (SessionKind.HIP, _HIP, "s", "hip session"),
        ):
            shown = [_timestamp(s.local_date) for s in in_range if s.kind is kind]
            if shown:
                top.scatter(
                    shown,
                    [marker_y] * len(shown),
                    marker=marker,
                    s=46,
                    color=colour,
                    edgecolor="black",
                    linewidth=0.4,
                    zorder=4,
                    label=label,
                )
        logged = [d for d in past.index[past["strength_count"] > 0]]
        if logged:
            top.scatter(
                logged,
                [marker_y * 0.5] * len(logged),
                marker=".",
                color=_DONE,
                zorder=3,
                label="strength recorded by a device",
            )
        top.set_ylabel("training load per day")
        top.legend(
            loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize="small", ncols=7, frameon=False
        )
        last = frame.index[-1].date() if len(frame) else analysis.today
        start = frame.index[0].date() if len(frame) else analysis.today
        figure.suptitle(
            f"Training load, {start:%d %b %Y} to {last:%d %b %Y} "
            f"(today {analysis.today:%a %d %b}; hatched bars are expected)"
        )

        meaningful = ratio_from(analysis.days)
        ratio = frame["acwr"].copy()
        if meaningful is not None:
            ratio[ratio.index < str(meaningful)] = float("nan")
        else:
            ratio[:] = float("nan")
        bottom.axhspan(*SWEET_SPOT, color="#c8e6c9", alpha=0.6, label="usual range 0.8-1.3")
        bottom.axhline(DANGER, color="#d1495b", linestyle="--", linewidth=0.8, label="1.5: a jump")
        bottom.plot(frame.index, ratio, color="#30638e", label="recent ÷ usual load")
        peak = ratio.max()
        bottom.set_ylim(0.0, max(2.0, float(peak) * 1.05 if peak == peak else 2.0))
        bottom.set_ylabel("recent ÷ usual")
        bottom.legend(loc="upper right", fontsize="x-small", ncols=3)
        if meaningful is None or meaningful > last:
            bottom.text(
                0.5,
                0.5,
                "Ratio not drawn: your usual load rests on under 3 weeks of runs, "
                "so the ratio would mean little yet.",
                transform=bottom.transAxes,
                ha="center",
                va="center",
                fontsize="small",
                bbox={"facecolor": "white", "edgecolor": "#999999"},
            )
        elif meaningful > start:
            bottom.axvline(_timestamp(meaningful), color="#999999", linewidth=0.6)
            bottom.text(
                _timestamp(meaningful),
                0.1,
                " ratio from here: 3 weeks of runs",
                fontsize="x-small",
                va="bottom",
            )
        today = _timestamp(analysis.today)
        for axis in (top, bottom):
            axis.axvline(today, color="black", linewidth=0.9, linestyle=":")
        bottom.annotate(
            "today",
            xy=(today, 0.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, 4),
            textcoords="offset points",
            fontsize="small",
            fontweight="bold",
        )
        bottom.xaxis.set_major_locator(mdates.WeekdayLocator(byweekday=mdates.SU))  # type: ignore[no-untyped-call]
        bottom.xaxis.set_major_formatter(mdates.DateFormatter("Sun %d %b"))  # type: ignore[no-untyped-call]
        bottom.xaxis.set_minor_locator(mdates.DayLocator())  # type: ignore[no-untyped-call]
        for axis in (top, bottom):
            axis.grid(axis="x", which="major", color="#dddddd", linewidth=0.6)
        figure.text(
            0.01,
            0.005,
            "Load is TRIMP (training impulse: duration weighted by heart rate, or by pace "
            "without one). Recent load: last 7 days; usual load: last 42 days.",
            fontsize="x-small",
            color="#555555",
        )
        figure.autofmt_xdate()
        figure.tight_layout(rect=(0, 0.02, 1, 0.97))
        figure.savefig(out, dpi=110)
    finally:
        plt.close(figure)
    return out


def _timestamp(day: date) -> object:
    import pandas as pd

    return pd.Timestamp(day)
