"""The coach's page: one row per athlete, sortable and filterable, and its CSV export.

Sorting and filtering are plain query parameters (`?sort=ratio&desc=1&only=back&q=ana`),
so they work without script, can be bookmarked, and the CSV link exports what the
table shows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.responses import Response
from starlette.routing import Route

from syncsvc.api.squad import Squad, SquadFilter, SquadRow, SquadSort
from syncsvc.errors import UsageError
from syncsvc.web.app_api import AppApi
from syncsvc.web.pages import ATHLETE_PARAM, Page, endpoint

SORT_LABELS = {
    SquadSort.NAME: "Athlete",
    SquadSort.SYNC: "Last sync",
    SquadSort.RATIO: "Ratio",
    SquadSort.DISTANCE: "Week km",
    SquadSort.CHANGE: "Change",
    SquadSort.SESSIONS: "Done / planned (4 wk)",
    SquadSort.BACK: "Low back",
    SquadSort.NEXT: "Next session",
}
FILTER_LABELS = {
    SquadFilter.ALL: "Everyone",
    SquadFilter.RATIO: "Ratio above 1.3",
    SquadFilter.BACK: "Low back 5 or worse",
    SquadFilter.QUIET: "No sync for a week",
}
CSV_COLUMNS = (
    "athlete",
    "last_sync_utc",
    "last_sync_source",
    "acwr",
    "acwr_flag",
    "week_km",
    "previous_week_km",
    "week_km_change_pct",
    "sessions_done_4w",
    "sessions_planned_4w",
    "low_back",
    "low_back_at_utc",
    "next_session_day",
    "next_session_time",
    "next_session_kind",
)


@dataclass(frozen=True, slots=True)
class SquadQuery:
    sort: SquadSort
    descending: bool
    only: SquadFilter
    name: str

    def params(self, **changes: str) -> str:
        values = {
            "sort": self.sort.value,
            "desc": "1" if self.descending else "",
            "only": self.only.value,
            "q": self.name,
            **changes,
        }
        return urlencode({key: value for key, value in values.items() if value})


def _query(page: Page) -> SquadQuery:
    params = page.request.query_params
    try:
        sort = SquadSort(params.get("sort") or SquadSort.NAME)
    except ValueError:
        raise UsageError(f"unknown sort {params.get('sort')!r}") from None
    try:
        only = SquadFilter(params.get("only") or SquadFilter.ALL)
    except ValueError:
        raise UsageError(f"unknown filter {params.get('only')!r}") from None
    return SquadQuery(sort, params.get("desc") == "1", only, params.get("q", "")[:200])


def _squad(page: Page, query: SquadQuery) -> Squad:
    return page.api.squad(
        page.user, sort=query.sort, descending=query.descending, only=query.only, name=query.name
    )


def coach(page: Page) -> Response:
    query = _query(page)
    squad = _squad(page, query)
    return page.render(
        "coach.html",
        squad=squad,
        query=query,
        sorts=SORT_LABELS,
        filters=FILTER_LABELS,
        athlete_param=ATHLETE_PARAM,
    )


def coach_csv(page: Page) -> Response:
    """The table as CSV, with the page's sort and filter."""
    squad = _squad(page, _query(page))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_row(row) for row in squad.rows)
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": 'attachment; filename="squad.csv"',
            "cache-control": "no-store",
        },
    )


def csv_row(row: SquadRow) -> list[str]:
    change = row.distance_change
    upcoming = row.next_session
    return [
        row.name,
        row.last_sync_at.isoformat() if row.last_sync_at else "",
        row.last_sync_source,
        "" if row.ratio is None else f"{row.ratio:.2f}",
        row.ratio_flag.value,
        f"{row.week_distance_m / 1000:.1f}",
        f"{row.previous_week_distance_m / 1000:.1f}",
        "" if change is None else f"{change * 100:.0f}",
        str(row.sessions_done),
        str(row.sessions_planned),
        "" if row.back_score is None else str(row.back_score),
        row.back_at.isoformat() if row.back_at else "",
        upcoming.local_date.isoformat() if upcoming else "",
        f"{upcoming.start_time:%H:%M}" if upcoming else "",
        upcoming.kind if upcoming else "",
    ]


def coach_routes(api: AppApi) -> list[Route]:
    return [
        Route("/coach", endpoint(api, coach), methods=["GET"], name="coach"),
        Route("/coach.csv", endpoint(api, coach_csv), methods=["GET"], name="coach_csv"),
    ]
