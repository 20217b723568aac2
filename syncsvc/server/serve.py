"""`syncsvc serve`: the HTTP app and the scheduler in one process.

In a distributed `service.mode` (web or worker, on PostgreSQL) `serve` is a web
process only: the webhook enqueues straight into procrastinate, and `syncsvc
worker` processes run the jobs and the periodic ticks (`distributed.py`).

Start: take the scheduler lease (a second scheduler on the same store is
refused with a clear message), start the job workers and the periodic ticks,
enqueue what a stopped service missed, then serve HTTP.

SIGTERM: uvicorn stops accepting connections and finishes the requests in
flight; then the ticks stop, the queue takes no more jobs, and the running job
gets `service.shutdown_grace_s` to finish. A job cut off there loses only its
open transaction (the store rolls it back); what it had not done stays pending
in the store and the next start does it. The process then exits with status 0.
"""

from __future__ import annotations

import gc
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.types import ASGIApp

from syncsvc.api.load_worker import LoadWorker
from syncsvc.config import ServiceSettings, Settings
from syncsvc.errors import ConfigError
from syncsvc.runtime import Runtime
from syncsvc.server.access_log import AccessLog
from syncsvc.server.app import create_app, feed_app
from syncsvc.server.jobs import (
    InProcessJobs,
    JobQueue,
    JobRequest,
    StoreOnlyJobs,
    StoreStravaBudget,
    job_runner,
)
from syncsvc.server.logging_setup import configure_logging
from syncsvc.server.metrics import ServiceMetrics
from syncsvc.server.periodic import Periodic
from syncsvc.server.redaction import install_token_redaction
from syncsvc.store.locks import SchedulerLease

if TYPE_CHECKING:
    # distributed.py imports procrastinate, which only the distributed engine needs.
    from syncsvc.server.distributed import ProcrastinateJobs

log = logging.getLogger(__name__)


class Service:
    """The long-running parts of one process, started and stopped together."""

    def __init__(
        self, runtime: Runtime, *, web_only: bool = False, access_log: AccessLog | None = None
    ) -> None:
        self.runtime = runtime
        self.web_only = web_only
        self.access_log = access_log
        self.metrics = ServiceMetrics()
        # The load analysis (pandas) runs in a worker process: this one stays small.
        runtime.load_worker = LoadWorker()
        settings = runtime.settings
        store = runtime.store
        self.budget = StoreStravaBudget(store, settings.strava)
        self.engine: InProcessJobs | None = None
        self.periodic: Periodic | None = None
        self.lease: SchedulerLease | None = None
        self.producer: ProcrastinateJobs | None = None
        jobs: JobQueue
        if runtime.distributed:
            # The distributed engine: this process serves HTTP and enqueues into
            # procrastinate; `syncsvc worker` processes run the jobs and the ticks.
            # Imported here: distributed.py loads procrastinate, a single-engine
            # process never needs it.
            from syncsvc.server.distributed import ProcrastinateJobs

            self.web_only = web_only = True
            self.producer = ProcrastinateJobs.open(runtime)
            jobs = self.producer
        elif web_only:
            jobs = StoreOnlyJobs()
        else:
            self.engine = InProcessJobs(
                job_runner(runtime, self.metrics, follow_up=self._follow_up),
                workers=settings.service.workers,
            )
            jobs = self.engine
            self.periodic = Periodic(runtime, jobs, self.budget, self.metrics)
        self.jobs = jobs
        self._stopped = False

    def _follow_up(self, request: JobRequest) -> bool:
        """A job's follow-up (a push after a plan change) goes to this process's queue."""
        return self.jobs.enqueue(request)

    def start(self) -> None:
        if self.engine is None or self.periodic is None:
            return
        lease = SchedulerLease(self.runtime.store, self.runtime.home)
        lease.acquire()  # AlreadyRunning: the CLI prints its one line and exits 1
        self.lease = lease
        self.engine.start()
        self.periodic.start()
        requests = self.periodic.catch_up()
        log.info("scheduler started", extra={"caught_up": len(requests)})

    def scheduler_alive(self) -> bool:
        return (
            self.engine is not None
            and self.periodic is not None
            and self.engine.alive
            and self.periodic.alive
        )

    def stop(self) -> bool:
        """Stop ticks and workers (idempotent); True when no job had to be abandoned."""
        if self._stopped:
            return True
        self._stopped = True
        finished = True
        if self.periodic is not None:
            self.periodic.stop()
        if self.engine is not None:
            finished = self.engine.stop(self.runtime.settings.service.shutdown_grace_s)
        if self.lease is not None:
            self.lease.release()
            self.lease = None
        if self.producer is not None:
            self.producer.close()
            self.producer = None
        if self.runtime.load_worker is not None:
            self.runtime.load_worker.close()
        log.info("scheduler stopped", extra={"clean": finished})
        return finished

    def app(self) -> ASGIApp:
        @asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            yield
            self.stop()

        return create_app(
            store=self.runtime.store,
            settings=self.runtime.settings,
            metrics=self.metrics,
            jobs=self.jobs,
            scheduler_alive=None if self.web_only else self.scheduler_alive,
            lifespan=lifespan,
            load_worker=self.runtime.load_worker,
            access_log=self.access_log,
        )


HTTP_WORKERS_NEED_WEB_ONLY = (
    "service.http_workers is {workers}: several HTTP processes need `syncsvc serve --web-only` "
    "(the jobs run in one process: start a plain `syncsvc serve` for them), or set it to 1"
)


def serve(
    runtime: Runtime,
    *,
    host: str | None = None,
    port: int | None = None,
    log_json: bool | None = None,
    web_only: bool = False,
) -> None:
    """Run until SIGTERM or Ctrl-C."""
    import uvicorn

    settings = runtime.settings.service
    web_only = web_only or runtime.distributed
    if settings.http_workers > 1 and not web_only:
        raise ConfigError(HTTP_WORKERS_NEED_WEB_ONLY.format(workers=settings.http_workers))
    json_lines = settings.log_json if log_json is None else log_json
    level = runtime.settings.log_level if runtime.settings.log_level != "warning" else "info"
    access_log = configure_logging(
        json_lines=json_lines, level=level, access_log=settings.access_log
    )
    address: dict[str, Any] = {
        "host": host or settings.host,
        "port": port if port is not None else settings.port,
    }
    if settings.http_workers > 1:
        serve_in_processes(WebProcessApp(runtime.settings, json_lines, level), address)
        return
    service = Service(runtime, web_only=web_only, access_log=access_log)
    service.start()
    try:
        server = uvicorn.Server(
            uvicorn.Config(service.app(), **address, **uvicorn_options(settings))
        )
        # uvicorn re-raises the signal after its graceful shutdown; a no-op handler
        # turns that into a normal exit (status 0) once everything has stopped.
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)
        try:
            freeze_startup_objects()
            server.run()
        finally:
            signal.signal(signal.SIGTERM, previous)
    finally:
        service.stop()


def freeze_startup_objects() -> None:
    """Keep what start-up built out of the garbage collector's full collections (`gc.freeze`).

    The app, the store and the imported libraries live as long as the process, and a
    full collection walked them all: a pause of tens of milliseconds that showed as the
    feed's p99 under load (one process, 304s: about 50 ms, 6 to 10 ms frozen).
    """
    gc.collect()
    gc.freeze()


def uvicorn_options(settings: ServiceSettings) -> dict[str, Any]:
    """uvicorn's settings for every HTTP process of `serve`."""
    from syncsvc.server.feed_protocol import FeedHttpProtocol

    return {
        # uvicorn's httptools protocol, writing the feed's known answers itself.
        "http": FeedHttpProtocol,
        "log_config": None,
        "proxy_headers": True,
        "server_header": False,
        "access_log": False,  # the service writes the access lines (access_log.py)
        "timeout_graceful_shutdown": 5,
        # uvicorn has no header-read timeout: the reverse proxy's covers slow
        # heads (deploy/README.md); these bound idle and concurrent connections.
        "timeout_keep_alive": settings.keep_alive_s,
        "limit_concurrency": settings.max_connections,
        "h11_max_incomplete_event_size": settings.max_header_bytes,
    }


@dataclass(frozen=True, slots=True)
class WebProcessApp:
    """Builds the app of one HTTP worker process (`service.http_workers` > 1).

    Picklable, because uvicorn spawns the worker processes: each one builds its
    own web-only service from the settings, so its store connections, its
    prepared feeds and its token-status cache are its own, and the cache's
    promise (a rotated or revoked token is refused within 5 s) holds in each.
    A web-only service runs no jobs, so N processes never schedule N times.
    """

    settings: Settings
    json_lines: bool
    level: str

    def __call__(self) -> ASGIApp:
        access_log = configure_logging(
            json_lines=self.json_lines,
            level=self.level,
            access_log=self.settings.service.access_log,
        )
        app = Service(Runtime(self.settings), web_only=True, access_log=access_log).app()
        freeze_startup_objects()
        return app


def serve_in_processes(app: WebProcessApp, address: dict[str, Any]) -> None:
    """`service.http_workers` processes accepting on one socket, until SIGTERM or Ctrl-C.

    uvicorn's supervisor binds the socket once and spawns the processes, replaces
    one that dies, and on SIGTERM stops them all, each finishing its requests in
    flight (`timeout_graceful_shutdown`), then returns.
    """
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    settings = app.settings.service
    config = uvicorn.Config(
        app,
        factory=True,
        workers=settings.http_workers,
        **address,
        **uvicorn_options(settings),
    )
    Multiprocess(config, sockets=[config.bind_socket()]).run()


def serve_feeds(runtime: Runtime, *, host: str, port: int) -> None:
    """Serve the stored feeds on `host:port` until interrupted (the demo's `--serve`).

    Only the feed route, no scheduler: the demo must never sync or reach out.
    """
    import uvicorn

    install_token_redaction()
    uvicorn.run(
        feed_app(runtime.store, runtime.settings.feed), host=host, port=port, log_level="warning"
    )
