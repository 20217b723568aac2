"""The web page's routes, to mount at `/` beside the feed (`web_routes`), or as an app."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from syncsvc.config import Settings
from syncsvc.store.database import Store
from syncsvc.web.account_pages import account_routes
from syncsvc.web.admin_pages import admin_routes
from syncsvc.web.app_api import AppApi, StartBackfill
from syncsvc.web.coach_pages import coach_routes
from syncsvc.web.connection_pages import connection_routes
from syncsvc.web.joining_pages import joining_routes
from syncsvc.web.load_pages import load_routes
from syncsvc.web.plan_pages import plan_routes
from syncsvc.web.redaction import install_web_redaction

if TYPE_CHECKING:
    from syncsvc.api.load_worker import LoadWorker

STATIC = Path(__file__).with_name("static")


def web_routes(
    store: Store,
    settings: Settings,
    *,
    start_backfill: StartBackfill | None = None,
    load_worker: LoadWorker | None = None,
) -> list[BaseRoute]:
    """Every page, the Strava callback and the static files (`/static/...`).

    `start_backfill` hands a new athlete's first sync to the job engine; without
    it, joining runs that sync in the request. With the service's `load_worker`,
    a page's load analysis runs there too. Also installs the log redaction of
    sign-in links and OAuth codes.
    """
    install_web_redaction()
    api = AppApi(store, settings, start_backfill=start_backfill, load_worker=load_worker)
    return [
        *plan_routes(api),
        *load_routes(api),
        *account_routes(api),
        *connection_routes(api),
        *coach_routes(api),
        *admin_routes(api),
        *joining_routes(api),
        Mount("/static", StaticFiles(directory=STATIC), name="web_static"),
    ]


def web_app(
    store: Store, settings: Settings, *, start_backfill: StartBackfill | None = None
) -> Starlette:
    return Starlette(routes=web_routes(store, settings, start_backfill=start_backfill))
