"""The load page: the chart (inline SVG) and the table of recent days.

Both are drawn from the days the pipeline stored at its last run (loads,
classes, acute and chronic load): a page view never recomputes the analysis.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from syncsvc.domain import DayView
from syncsvc.web.app_api import AppApi
from syncsvc.web.chart import load_chart
from syncsvc.web.pages import Page, endpoint

CHART_PAST_DAYS = 28
TABLE_DAYS = 14


def _row(view: DayView) -> dict[str, Any]:
    return {
        "day": view.day,
        "load": view.load,
        "distance_km": round(view.distance_m / 1000.0, 2),
        "class": view.day_class.value,
        "reason": view.reason,
        "acwr": None if view.acwr is None else round(view.acwr, 3),
        "forecast": view.forecast,
    }


def load(page: Page) -> Response:
    found = page.api.load(page.athlete_id)
    past = [view for view in found.days if not view.forecast][-CHART_PAST_DAYS:]
    forecast = [view for view in found.days if view.forecast]
    chart = load_chart([*past, *forecast], found.today, found.sessions)
    return page.render(
        "load.html",
        chart=chart.svg,
        past_rows=[_row(view) for view in reversed(past[-TABLE_DAYS:])],
        forecast_rows=[_row(view) for view in forecast[:TABLE_DAYS]],
        today=found.today,
    )


def load_routes(api: AppApi) -> list[Route]:
    return [Route("/load", endpoint(api, load), methods=["GET"], name="load")]
