"""The load page: the chart (inline SVG) and the table of recent days."""

from __future__ import annotations

from datetime import date

from starlette.responses import Response
from starlette.routing import Route

from syncsvc.web.app_api import AppApi
from syncsvc.web.chart import load_chart
from syncsvc.web.pages import Page, endpoint

CHART_PAST_DAYS = 28
TABLE_DAYS = 14


def load(page: Page) -> Response:
    found = page.api.load(page.athlete_id, days=CHART_PAST_DAYS)
    analysis = found.analysis
    shown = [*analysis.past[-CHART_PAST_DAYS:], *analysis.forecast]
    chart = load_chart(shown, analysis.today, found.sessions)
    rows = [{**row, "day": date.fromisoformat(row["date"])} for row in found.rows]
    past_rows = [row for row in rows if not row["forecast"]][-TABLE_DAYS:]
    forecast_rows = [row for row in rows if row["forecast"]][:TABLE_DAYS]
    return page.render(
        "load.html",
        chart=chart.svg,
        past_rows=list(reversed(past_rows)),
        forecast_rows=forecast_rows,
        today=analysis.today,
    )


def load_routes(api: AppApi) -> list[Route]:
    return [Route("/load", endpoint(api, load), methods=["GET"], name="load")]
