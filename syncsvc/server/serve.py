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

import json
import logging
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette

from syncsvc.runtime import Runtime
from syncsvc.server.app import create_app
from syncsvc.server.feed_routes import install_token_redaction
from syncsvc.server.jobs import (
    InProcessJobs,
    JobQueue,
    StoreOnlyJobs,
    StoreStravaBudget,
    job_runner,
)
from syncsvc.server.metrics import ServiceMetrics
from syncsvc.server.periodic import Periodic
from syncsvc.server.secret_redaction import redact_text
from syncsvc.store.locks import SchedulerLease

if TYPE_CHECKING:
    from syncsvc.server.distributed import ProcrastinateJobs

log = logging.getLogger(__name__)

_STANDARD_RECORD_KEYS = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys() | {"message", "asctime"}
)


def redact_secrets(text: str) -> str:
    """Feed tokens and secret values, also percent-encoded (`secret_redaction.py`)."""
    return redact_text(text)


class SecretRedactor(logging.Filter):
    """Redacts feed tokens and secret query parameters in every record a handler emits.

    The message is formatted first and then redacted (a template such as
    `/feeds/%s.ics` must not lose its placeholder).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is logging's problem, not a reason to leak
            message = str(record.msg)
        record.msg = redact_secrets(message)
        record.args = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message and the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if (
                key not in _STANDARD_RECORD_KEYS
                and not key.startswith("_")
                and key != "color_message"
            ):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(*, json_lines: bool, level: str = "info") -> None:
    """Log to stderr (JSON lines with `--log-json`), feed tokens redacted everywhere."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if json_lines
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(SecretRedactor())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    install_token_redaction()


class Service:
    """The long-running parts of one process, started and stopped together."""

    def __init__(self, runtime: Runtime, *, web_only: bool = False) -> None:
        self.runtime = runtime
        self.web_only = web_only
        self.metrics = ServiceMetrics()
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
            from syncsvc.server.distributed import ProcrastinateJobs

            self.web_only = web_only = True
            self.producer = ProcrastinateJobs.open(runtime)
            jobs = self.producer
        elif web_only:
            jobs = StoreOnlyJobs()
        else:
            self.engine = InProcessJobs(
                job_runner(runtime, self.metrics), workers=settings.service.workers
            )
            jobs = self.engine
            self.periodic = Periodic(runtime, jobs, self.budget, self.metrics)
        self.jobs = jobs
        self._stopped = False

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
        log.info("scheduler stopped", extra={"clean": finished})
        return finished

    def app(self) -> Starlette:
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
    configure_logging(
        json_lines=settings.log_json if log_json is None else log_json,
        level=runtime.settings.log_level if runtime.settings.log_level != "warning" else "info",
    )
    service = Service(runtime, web_only=web_only)
    service.start()
    try:
        config = uvicorn.Config(
            service.app(),
            host=host or settings.host,
            port=port if port is not None else settings.port,
            log_config=None,
            proxy_headers=True,
            server_header=False,
            timeout_graceful_shutdown=5,
            # uvicorn has no header-read timeout: the reverse proxy's covers slow
            # heads (deploy/README.md); these bound idle and concurrent connections.
            timeout_keep_alive=settings.keep_alive_s,
            limit_concurrency=settings.max_connections,
            h11_max_incomplete_event_size=settings.max_header_bytes,
        )
        server = uvicorn.Server(config)
        # uvicorn re-raises the signal after its graceful shutdown; a no-op handler
        # turns that into a normal exit (status 0) once everything has stopped.
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)
        try:
            server.run()
        finally:
            signal.signal(signal.SIGTERM, previous)
    finally:
        service.stop()
