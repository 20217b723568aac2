"""The load chart as inline SVG, drawn on the server: no script, no image files.

Two panels share one day axis. Above: each day's load as a bar (forecast days
lighter), the acute (7-day) and chronic (42-day) load as lines, today marked,
and the strength sessions by kind along the bottom. Below: the acute:chronic
ratio against its 0.8-1.3 band. Colours come from the stylesheet's classes,
so dark mode needs nothing here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from syncsvc.domain import DayView, Session

WIDTH = 720
TOP_HEIGHT = 220
RATIO_HEIGHT = 90
GAP = 28
LEFT = 36
RIGHT = 8
RATIO_BAND = (0.8, 1.3)
RATIO_MAX = 2.0


@dataclass(frozen=True, slots=True)
class Chart:
    svg: str
    days: int


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def load_chart(days: Sequence[DayView], today: date, sessions: Sequence[Session]) -> Chart:
    """The SVG for `days` (past and forecast, oldest first)."""
    if not days:
        return Chart("", 0)
    count = len(days)
    plot_width = WIDTH - LEFT - RIGHT
    step = plot_width / count
    peak = max(max(d.load for d in days), max(d.atl for d in days), max(d.ctl for d in days), 1.0)
    scale = (TOP_HEIGHT - 24) / peak
    height = TOP_HEIGHT + GAP + RATIO_HEIGHT + 20

    def x(index: int) -> float:
        return LEFT + index * step

    def y(load: float) -> float:
        return TOP_HEIGHT - 16 - load * scale

    parts: list[str] = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        'aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">',
        '<title id="chart-title">Running load by day</title>',
        f'<desc id="chart-desc">{count} days from {days[0].day:%d %b} to {days[-1].day:%d %b}: '
        "daily load bars (forecast lighter), acute and chronic load lines, today marked, "
        "strength sessions by kind, and the acute:chronic ratio against its 0.8 to 1.3 band. "
        "The table below gives the same numbers.</desc>",
    ]
    for tick in _ticks(peak):
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_fmt(y(tick))}" '
            f'y2="{_fmt(y(tick))}"/><text class="axis" x="{LEFT - 4}" y="{_fmt(y(tick) + 4)}" '
            f'text-anchor="end">{tick:g}</text>'
        )
    for index, day in enumerate(days):
        top = y(day.load)
        kind = "bar-forecast" if day.forecast else "bar"
        parts.append(
            f'<rect class="{kind}" x="{_fmt(x(index) + step * 0.15)}" y="{_fmt(top)}" '
            f'width="{_fmt(step * 0.7)}" height="{_fmt(max(TOP_HEIGHT - 16 - top, 0))}">'
            f"<title>{day.day:%a %d %b}: load {day.load:.0f}, {escape(str(day.day_class))}"
            f"{' (forecast)' if day.forecast else ''}</title></rect>"
        )
    parts.append(_line(days, "acute", lambda d: d.atl, x, y, step))
    parts.append(_line(days, "chronic", lambda d: d.ctl, x, y, step))
    index_of = {day.day: index for index, day in enumerate(days)}
    if today in index_of:
        tx = x(index_of[today]) + step / 2
        parts.append(
            f'<line class="today" x1="{_fmt(tx)}" x2="{_fmt(tx)}" y1="4" '
            f'y2="{TOP_HEIGHT + GAP + RATIO_HEIGHT}"/>'
            f'<text class="axis" x="{_fmt(tx + 3)}" y="12">today</text>'
        )
    for session in sessions:
        if session.local_date not in index_of:
            continue
        cx = x(index_of[session.local_date]) + step / 2
        cy = TOP_HEIGHT - 6
        label = f"{session.kind.value} session {session.local_date:%a %d %b}"
        if session.kind.value == "core":
            parts.append(
                f'<circle class="core" cx="{_fmt(cx)}" cy="{cy}" r="4">'
                f"<title>{label}</title></circle>"
            )
        else:
            parts.append(
                f'<rect class="hip" x="{_fmt(cx - 4)}" y="{cy - 4}" width="8" height="8">'
                f"<title>{label}</title></rect>"
            )
    parts.extend(_ratio_panel(days, x, step))
    parts.append(
        f'<text class="axis" x="{LEFT}" y="{height - 4}">{days[0].day:%d %b}</text>'
        f'<text class="axis" x="{WIDTH - RIGHT}" y="{height - 4}" text-anchor="end">'
        f"{days[-1].day:%d %b}</text></svg>"
    )
    return Chart("".join(parts), count)


def _ticks(peak: float) -> list[float]:
    step = 10.0 ** len(str(int(peak))) / 10
    if peak / step < 3:
        step /= 2
    return [step * n for n in range(1, int(peak / step) + 1)]


def _line(
    days: Sequence[DayView],
    name: str,
    value: Callable[[DayView], float],
    x: Callable[[int], float],
    y: Callable[[float], float],
    step: float,
) -> str:
    points = " ".join(
        f"{_fmt(x(i) + step / 2)},{_fmt(y(value(day)))}" for i, day in enumerate(days)
    )
    return f'<polyline class="{name}" points="{points}"/>'


def _ratio_panel(days: Sequence[DayView], x: Callable[[int], float], step: float) -> list[str]:
    top = TOP_HEIGHT + GAP

    def ry(ratio: float) -> float:
        return top + RATIO_HEIGHT - min(ratio, RATIO_MAX) / RATIO_MAX * RATIO_HEIGHT

    low, high = RATIO_BAND
    parts = [
        f'<rect class="band" x="{LEFT}" y="{_fmt(ry(high))}" width="{WIDTH - LEFT - RIGHT}" '
        f'height="{_fmt(ry(low) - ry(high))}"><title>ratio band 0.8 to 1.3</title></rect>',
        f'<text class="axis" x="{LEFT - 4}" y="{_fmt(ry(high) + 4)}" text-anchor="end">1.3</text>',
        f'<text class="axis" x="{LEFT - 4}" y="{_fmt(ry(low) + 4)}" text-anchor="end">0.8</text>',
        f'<text class="axis" x="{LEFT}" y="{top - 6}">acute:chronic ratio</text>',
    ]
    points = [
        f"{_fmt(x(i) + step / 2)},{_fmt(ry(day.acwr))}"
        for i, day in enumerate(days)
        if day.acwr is not None
    ]
    if points:
        parts.append(f'<polyline class="ratio" points="{" ".join(points)}"/>')
    return parts
