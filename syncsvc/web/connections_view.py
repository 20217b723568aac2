"""The Connections page as a whole, shown by every handler on it (a form re-shown with its error).

Its sections' handlers live in `connection_pages` (accounts, uploads, plan
sources) and `push_pages` (push channels); both render through `connections`.
"""

from __future__ import annotations

from starlette.responses import Response

from syncsvc.web.pages import Page
from syncsvc.web.push_words import channel_lines

UPLOAD_SUFFIXES = (".fit", ".fit.gz", ".gpx", ".gpx.gz", ".tcx", ".tcx.gz", ".zip")


def connections(page: Page, status: int = 200, **context: object) -> Response:
    found = page.api.connections(page.athlete_id)
    return page.render(
        "connections.html",
        status=status,
        found=found,
        channels=channel_lines(found.push_channels, found.timezone),
        suffixes=", ".join(UPLOAD_SUFFIXES),
        upload_max_mb=page.settings.web.upload_max_mb,
        **context,
    )
