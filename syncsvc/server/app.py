"""The HTTP app: the feed, Strava's webhook, `/healthz`, `/metrics` and the web page at `/`.

`/healthz` answers 503 when the store cannot be read or (in a process that runs
the scheduler) the scheduler or its job workers have stopped; otherwise 200,
with the age of each athlete's last successful sync per source, so a monitor
can alert on a source that silently stopped. Athletes appear by id only: the
endpoint is public.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syncsvc import clock, routes
from syncsvc.api.load_worker import LoadWorker
from syncsvc.config import Settings
from syncsvc.domain import Source
from syncsvc.feed.settings import FeedSettings
from syncsvc.push.admin import all_channel_statuses
from syncsvc.server.access_log import AccessLog, AccessLogMiddleware
from syncsvc.server.body_limit import BodyLimitMiddleware, body_limits
from syncsvc.server.feed_fast_path import FeedFastPath
from syncsvc.server.feed_lookup import StoreFeedLookup
from syncsvc.server.feed_routes import FeedServer, feed_routes
from syncsvc.server.job_stats import JobStatsCollector
from syncsvc.server.jobs import (
    BACKFILL_REASON,
    JobKind,
    JobQueue,
    JobRequest,
    Priority,
    StoreStravaBudget,
)
from syncsvc.server.metrics import CONTENT_TYPE, PushChannelsCollector, ServiceMetrics
from syncsvc.server.webhook import StravaWebhook, webhook_routes
from syncsvc.store.database import Store
from syncsvc.web.app import web_routes
from syncsvc.web.connection_pages import UPLOAD_PATH

log = logging.getLogger(__name__)

FEED_PREFIX = routes.static_prefix(routes.FEED)


class FeedRequestCounter:
    """Counts the routed feed responses by status (200, 304, 404, 410...) without touching
    the route (the fast path in front counts the answers it gives itself)."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(FEED_PREFIX):
            await self.app(scope, receive, send)
            return

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.metrics.count_feed_request(message["status"])
            await send(message)

        await self.app(scope, receive, counting_send)


def health_report(
    store: Store, jobs: JobQueue, scheduler_alive: Callable[[], bool] | None
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, body) of `/healthz`."""
    now = clock.now()
    report: dict[str, Any] = {}
    healthy = True
    try:
        sources: dict[str, dict[str, float | None]] = {}
        with store.read() as tx:
            athletes = tx.athletes.all()
            cursors = tx.athlete_set(None).cursors()
        for athlete in athletes:
            sources[str(athlete.id)] = {
                cursor.source.value: (
                    round((now - cursor.last_success_at).total_seconds())
                    if cursor.last_success_at is not None
                    else None
                )
                for cursor in cursors.get(athlete.id, ())
            }
        report["store"] = "ok"
        report["last_sync_age_s"] = sources
    except Exception as error:  # any failure to read means "unreachable"
        log.warning("health check: store unreachable (%s)", type(error).__name__)
        report["store"] = "unreachable"
        healthy = False
    if scheduler_alive is None:
        report["scheduler"] = "not in this process"
    elif scheduler_alive():
        report["scheduler"] = "running"
    else:
        report["scheduler"] = "stopped"
        healthy = False
    report["queue"] = {"waiting": jobs.depth(), "oldest_wait_s": round(jobs.oldest_wait_s(), 1)}
    report["status"] = "ok" if healthy else "unhealthy"
    return (200 if healthy else 503), report


def backfill_starter(jobs: JobQueue) -> Callable[[int], bool]:
    """A joined athlete's first Strava sync: one refresh job at backfill priority."""

    def start(athlete_id: int) -> bool:
        request = JobRequest(
            JobKind.REFRESH,
            athlete_id,
            BACKFILL_REASON,
            Priority.BACKFILL,
            sources=(Source.STRAVA,),
        )
        return jobs.enqueue(request)

    return start


def create_app(
    *,
    store: Store,
    settings: Settings,
    metrics: ServiceMetrics,
    jobs: JobQueue,
    scheduler_alive: Callable[[], bool] | None,
    lifespan: Callable[[Starlette], AbstractAsyncContextManager[None]] | None = None,
    load_worker: LoadWorker | None = None,
    access_log: AccessLog | None = None,
) -> ASGIApp:
    """The service's app: the feed's fast path in front of the Starlette app;
    `scheduler_alive` is None in a web-only process.

    `load_worker`: where the page's load analyses run (the service's worker process);
    `access_log`: where each request's line goes (None: no access log).
    """
    webhook = StravaWebhook(store, settings, jobs, metrics)
    budget = StoreStravaBudget(store, settings.strava)
    metrics.read_at_scrape(
        "syncsvc_strava_budget_left", "Strava reads left in the tighter window.", budget.left
    )
    metrics.read_at_scrape(
        "syncsvc_job_queue_depth", "Jobs waiting to run.", lambda: float(jobs.depth())
    )
    metrics.read_at_scrape(
        "syncsvc_job_oldest_wait_seconds", "Wait of the oldest waiting job.", jobs.oldest_wait_s
    )
    if settings.service.mode != "single":
        metrics.registry.register(JobStatsCollector(store))
    metrics.registry.register(PushChannelsCollector(lambda: all_channel_statuses(store)))

    async def healthz(request: Request) -> Response:
        status, body = await run_in_threadpool(health_report, store, jobs, scheduler_alive)
        return JSONResponse(body, status_code=status, headers={"cache-control": "no-store"})

    async def metrics_endpoint(request: Request) -> Response:
        body = await run_in_threadpool(metrics.render)
        return Response(body, media_type=CONTENT_TYPE)

    feeds = FeedServer(StoreFeedLookup(store), settings.feed)
    app_routes: list[BaseRoute] = [
        *feed_routes(feeds.lookup, server=feeds),
        *webhook_routes(webhook),
        Route(routes.path_of(routes.HEALTHZ), healthz, methods=["GET"], name=routes.HEALTHZ),
        Route(
            routes.path_of(routes.METRICS),
            metrics_endpoint,
            methods=["GET"],
            name=routes.METRICS,
        ),
    ]
    limits = body_limits(settings)
    if settings.web.enabled:
        # The page (and its log redaction) after the routes above, which it never shadows.
        app_routes.extend(
            web_routes(
                store, settings, start_backfill=backfill_starter(jobs), load_worker=load_worker
            )
        )
        upload_bytes = settings.web.upload_max_mb * (1 << 20)
        limits = replace(limits, per_path={**limits.per_path, UPLOAD_PATH: upload_bytes})
    app = Starlette(routes=app_routes, lifespan=lifespan)
    app.add_middleware(BodyLimitMiddleware, limits=limits)
    app.add_middleware(FeedRequestCounter, metrics=metrics)
    logged: ASGIApp = app if access_log is None else AccessLogMiddleware(app, access_log)
    # In front of everything, Starlette's error middleware included: the feed is polled most.
    return FeedFastPath(logged, feeds, metrics.count_feed_request, access_log)


def feed_app(store: Store, settings: FeedSettings) -> ASGIApp:
    """An app with the feed route only: no webhook, no jobs, nothing that reaches out."""
    feeds = FeedServer(StoreFeedLookup(store), settings)
    return FeedFastPath(Starlette(routes=feed_routes(feeds.lookup, server=feeds)), feeds)
