"""The distributed job engine: procrastinate on the store's PostgreSQL, behind `JobQueue`.

Many processes share one PostgreSQL: web processes (`syncsvc serve`, which in
a distributed `service.mode` serves HTTP only) enqueue; workers (`syncsvc
worker`) run the jobs and the periodic fan-outs. The mapping (see `jobs.py`):

- refresh, replan and push are one task each; a job's *queueing lock*
  (`refresh:<id>`, `replan:<id>`) lets one job per athlete and kind wait, and
  its *lock* (`athlete:<id>`) keeps two jobs of one athlete from running at
  once on any worker. A push (`channel_id` in its kwargs) uses
  `push:<id>:<channel>` for both locks, so it never waits for a refresh and
  two pushes of one channel never overlap. `priority` flips sign (procrastinate runs higher first);
  `delay_s` is `schedule_in`. The body is `jobs.execute`, as in every engine.
- a fan-out defers its jobs in bulk, then (from `ANALYSE_AFTER` jobs) analyses
  the jobs table, so the workers' job-picking query is planned for the queue
  as it now is (`store/job_queue.py` says why).
- periodic fan-outs run in UTC on procrastinate's periodic tasks, which pass
  the tick's timestamp and defer each tick once however many workers run (a
  unique row per task and tick): the Garmin slot every minute (Strava is
  fetched on webhooks only: one read per announced activity), local midnight
  every `service.midnight_tick_minutes`, the drain of pending Strava work every
  `service.pending_tick_minutes` (best priority first), token renewal, plan
  sources, the daily cleanup, and the retry of jobs whose worker died.
- retries: a failed refresh or replan is retried by deferring a fresh job,
  `service.job_retry_wait_s` later, doubling, `service.job_attempts` in all.
  procrastinate's own retry would turn the running job back into a waiting
  one, which a job waiting under the same queueing lock forbids (the job would
  stay "doing" for ever and block its athlete); a fresh job under the queueing
  lock instead merges into the waiting one, which does all the pending work
  anyway. The failed attempt is kept (status failed) until the daily cleanup;
  successful jobs are deleted.
- a worker stops on SIGTERM: it takes no new job and gives the running ones
  `service.shutdown_grace_s`. A job still running then (a thread, which
  procrastinate cannot cancel) is put back in the queue as a dead worker's
  would be, and the process exits without waiting for it: its open
  transaction rolls back when its connection drops.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import procrastinate
import psycopg.conninfo
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Job as ProcrastinateJob
from procrastinate.jobs import JobDeferrer, Status
from procrastinate.worker import Worker as ProcrastinateWorker
from sqlalchemy.engine import make_url

from syncsvc.domain import Source
from syncsvc.runtime import Runtime
from syncsvc.server import fanout
from syncsvc.server.jobs import JobKind, JobRequest, StoreStravaBudget, execute, execute_push
from syncsvc.server.metrics import ServiceMetrics
from syncsvc.server.periodic import Periodic, midnight_requests, poll_requests, read_athletes
from syncsvc.store import job_stats
from syncsvc.store.database import Store
from syncsvc.store.job_queue import analyse_jobs, forget_finished_jobs, waiting_queueing_locks

log = logging.getLogger(__name__)

REFRESH_TASK = "syncsvc.refresh"
REPLAN_TASK = "syncsvc.replan"
PUSH_TASK = "syncsvc.push"
TASKS = {JobKind.REFRESH: REFRESH_TASK, JobKind.REPLAN: REPLAN_TASK, JobKind.PUSH: PUSH_TASK}
FANOUT_PRIORITY = 1000
"""Fan-outs and housekeeping run before any athlete's job (procrastinate: higher first)."""
STOP_MARGIN_S = 0.5
"""After the grace: time for procrastinate to record the jobs that did finish."""
EXECUTOR_GRACE_S = 2.0
"""After the worker stopped: how long its idle job threads get to end."""
BATCH = 500
"""A fan-out defers its jobs this many to an INSERT."""
ANALYSE_AFTER = 200
"""A fan-out that deferred at least this many jobs refreshes the jobs table's statistics
(`job_queue.analyse_jobs`: the workers' job-picking query is planned from them)."""


def conninfo(url: str) -> str:
    """The store's SQLAlchemy URL as a libpq conninfo (host, port, dbname, user, options...)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError("the distributed job engine needs a PostgreSQL store")
    parsed = parsed.set(drivername="postgresql+psycopg")
    _, params = parsed.get_dialect()().create_connect_args(parsed)
    return psycopg.conninfo.make_conninfo(**params)


def new_app(url: str, *, pool_size: int) -> procrastinate.App:
    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(url), min_size=1, max_size=max(2, pool_size)
    )
    return procrastinate.App(connector=connector)


def retry_wait_s(runtime: Runtime, attempt: int) -> float:
    """The wait before attempt number `attempt` (1 is the first retry): short, doubling."""
    return float(runtime.settings.service.job_retry_wait_s * 2 ** max(0, attempt - 1))


@dataclass
class ProcrastinateJobs:
    """`JobQueue` over procrastinate: an app opened synchronously (usable from any thread)."""

    app: procrastinate.App
    store: Store

    @classmethod
    def open(cls, runtime: Runtime, *, pool_size: int = 4) -> ProcrastinateJobs:
        app = new_app(runtime.settings.database_url, pool_size=pool_size)
        app.open()
        return cls(app, runtime.store)

    def close(self) -> None:
        self.app.close()

    def _deferrer(self, request: JobRequest, attempt: int) -> JobDeferrer:
        options: dict[str, Any] = {
            "lock": request.lock,
            "queueing_lock": request.queueing_lock,
            "priority": -int(request.priority),
            "task_kwargs": {
                "athlete_id": request.athlete_id,
                "reason": request.reason,
                "priority": int(request.priority),
                "sources": [source.value for source in request.sources],
                "attempt": attempt,
            },
        }
        if request.channel_id is not None:
            options["task_kwargs"]["channel_id"] = request.channel_id
        if request.delay_s > 0:
            options["schedule_in"] = {"seconds": request.delay_s}
        return self.app.configure_task(TASKS[request.kind], **options)

    def enqueue(self, request: JobRequest, *, attempt: int = 0) -> bool:
        try:
            self._deferrer(request, attempt).defer()
        except AlreadyEnqueued:
            return False
        return True

    def enqueue_many(self, requests: Sequence[JobRequest]) -> int:
        """A fan-out's requests, in batches (one INSERT each); returns the new jobs.

        Requests whose queueing lock already has a waiting job are left out
        first; should one appear meanwhile, that batch goes one by one. After
        `ANALYSE_AFTER` new jobs or more, the jobs table is analysed, so the
        workers' job-picking query is planned for the queue as it now is.
        """
        made = 0
        for start in range(0, len(requests), BATCH):
            chunk = list(requests[start : start + BATCH])
            taken = waiting_queueing_locks(self.store, [r.queueing_lock for r in chunk])
            fresh = [r for r in chunk if r.queueing_lock not in taken]
            if not fresh:
                continue
            try:
                self.app.job_manager.batch_defer_jobs([self._deferrer(r, 0).job for r in fresh])
                made += len(fresh)
            except AlreadyEnqueued:
                made += sum(self.enqueue(request) for request in fresh)
        if made >= ANALYSE_AFTER:
            try:
                analyse_jobs(self.store)
            except Exception as error:  # the jobs are deferred; autovacuum analyses later
                log.warning("jobs table not analysed: %s", type(error).__name__)
        return made

    def depth(self) -> int:
        return job_stats.read_queue_stats(self.store).waiting

    def oldest_wait_s(self) -> float:
        return job_stats.read_queue_stats(self.store).oldest_wait_s


def request_of(kind: JobKind, kwargs: dict[str, Any], *, delay_s: float = 0.0) -> JobRequest:
    return JobRequest(
        kind,
        int(kwargs["athlete_id"]),
        str(kwargs["reason"]),
        int(kwargs["priority"]),
        sources=tuple(Source(value) for value in kwargs.get("sources", ())),
        delay_s=delay_s,
        channel_id=int(kwargs["channel_id"]) if kwargs.get("channel_id") is not None else None,
    )


@dataclass
class Worker:
    """One worker process: the task bodies, bound to its runtime and its producer queue."""

    runtime: Runtime
    jobs: ProcrastinateJobs
    app: procrastinate.App = field(init=False)
    metrics: ServiceMetrics = field(default_factory=ServiceMetrics)
    periodic: Periodic = field(init=False)
    before_job: Callable[[JobKind, int], None] | None = None
    """A test hook around each job body (records start and end times)."""
    after_job: Callable[[JobKind, int], None] | None = None
    job_body: Callable[[JobRequest], None] | None = None
    """Replaces `execute` (the benchmark's no-op refreshes measure the engine alone)."""
    catch_up_at_start: bool = True
    _stopping: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        settings = self.runtime.settings
        self.app = new_app(settings.database_url, pool_size=settings.service.workers + 3)
        budget = StoreStravaBudget(self.runtime.store, settings.strava)
        self.periodic = Periodic(self.runtime, self.jobs, budget, self.metrics)
        self._register()

    # ------------------------------------------------------------ athlete jobs

    def run_job(self, kind: JobKind, **kwargs: Any) -> None:
        request = request_of(kind, kwargs)
        attempt = int(kwargs.get("attempt", 0))
        if attempt:
            job_stats.count(self.runtime.store, TASKS[kind], job_stats.RETRIED)
        if self.before_job is not None:
            self.before_job(kind, request.athlete_id)
        try:
            if self.job_body is not None:
                self.job_body(request)
            elif kind is JobKind.PUSH and request.channel_id is not None:
                execute_push(
                    self.runtime,
                    request.athlete_id,
                    request.channel_id,
                    reason=request.reason,
                    metrics=self.metrics,
                    follow_up=self.jobs.enqueue,
                )
            else:
                execute(
                    self.runtime,
                    kind,
                    request.athlete_id,
                    reason=request.reason,
                    sources=request.sources,
                    metrics=self.metrics,
                    follow_up=self.jobs.enqueue,
                )
        except Exception as error:
            job_stats.count(self.runtime.store, TASKS[kind], job_stats.FAILED)
            try:
                self.retry_later(kind, kwargs, attempt, error)
            except Exception as retry_error:  # the job's own error is the one to report
                log.warning("retry not deferred: %s", type(retry_error).__name__)
            raise
        finally:
            if self.after_job is not None:
                self.after_job(kind, request.athlete_id)

    def retry_later(
        self,
        kind: JobKind,
        kwargs: dict[str, Any],
        attempt: int,
        error: BaseException | None,
        *,
        at_once: bool = False,
    ) -> bool:
        """Defer the next attempt, if any is left; merged into a job already waiting.

        `at_once`: the worker died, not the job, so there is nothing to back off from.
        """
        attempts = self.runtime.settings.service.job_attempts
        if attempt + 1 >= attempts:
            log.warning(
                "job failed for good",
                extra={
                    "task": TASKS[kind],
                    "athlete_id": kwargs.get("athlete_id"),
                    "error": type(error).__name__ if error else "worker died",
                },
            )
            return False
        delay_s = 0.0 if at_once else retry_wait_s(self.runtime, attempt + 1)
        request = request_of(kind, kwargs, delay_s=delay_s)
        self.jobs.enqueue(request, attempt=attempt + 1)
        return True

    # ------------------------------------------------------------ periodic fan-outs

    def polls(self, timestamp: int) -> int:
        """Garmin in its slot. Strava is fetched on webhooks only here: with many
        athletes a fallback poll each would spend the application's whole budget."""
        tick = fanout.floor_tick(_instant(timestamp), fanout.MINUTE)
        views = [replace(view, strava=False) for view in read_athletes(self.runtime)]
        requests = poll_requests(
            self.runtime.settings, views, tick - fanout.MINUTE, tick, self.periodic.budget_left
        )
        return self.jobs.enqueue_many(requests)

    def midnight(self, timestamp: int) -> int:
        period = timedelta(minutes=self.runtime.settings.service.midnight_tick_minutes)
        tick = fanout.floor_tick(_instant(timestamp), period)
        requests = midnight_requests(read_athletes(self.runtime), tick - period, tick)
        return self.jobs.enqueue_many(requests)

    def drain(self, timestamp: int) -> int:
        return len(self.periodic.pending_tick(_instant(timestamp)))

    def tokens(self, timestamp: int) -> int:
        return len(self.periodic.token_tick(_instant(timestamp)))

    def plan_sources(self, timestamp: int) -> int:
        return len(self.periodic.plan_source_tick(_instant(timestamp)))

    def cleanup(self, timestamp: int) -> int:
        counts = self.periodic.cleanup_tick(_instant(timestamp))
        keep = timedelta(days=self.runtime.settings.service.history_keep_days)
        removed = forget_finished_jobs(self.runtime.store, keep)
        log.info("old jobs removed", extra={"jobs": removed, **counts})
        return removed

    def daily_push(self, timestamp: int) -> int:
        return self.periodic.push_tick(_instant(timestamp))

    def lagging_pushes(self, timestamp: int) -> int:
        return len(self.periodic.lagging_push_tick(_instant(timestamp)))

    async def retry_stalled(self, timestamp: int) -> int:
        """Jobs left "doing" by a worker whose heartbeat stopped: run them again.

        An athlete job is closed as failed and deferred afresh (merged into a
        waiting one if there is one, see the module docstring); a fan-out is
        put back as it was.
        """
        manager = self.app.job_manager
        stalled = await manager.get_stalled_jobs(
            seconds_since_heartbeat=self.runtime.settings.service.stalled_after_s
        )
        retried = 0
        for job in stalled:
            try:
                await self._retry_stalled_job(job)
                retried += 1
            except Exception as error:  # one job's trouble must not stop the others
                log.warning("stalled job not retried: %s", type(error).__name__)
        return retried

    async def _retry_stalled_job(self, job: ProcrastinateJob) -> None:
        manager = self.app.job_manager
        kind = next((k for k, name in TASKS.items() if name == job.task_name), None)
        log.warning("retrying a job whose worker died", extra={"task": job.task_name})
        if kind is None:
            await asyncio.to_thread(
                job_stats.count, self.runtime.store, job.task_name, job_stats.RETRIED
            )
            await manager.retry_job(job)
            return
        # The retry counts itself when it starts (`run_job`, attempt > 0).
        await manager.finish_job(job, status=Status.FAILED, delete_job=False)
        kwargs = dict(job.task_kwargs)
        attempt = int(kwargs.get("attempt", 0))  # type: ignore[arg-type]
        await asyncio.to_thread(
            functools.partial(self.retry_later, kind, kwargs, attempt, None, at_once=True)
        )

    # ------------------------------------------------------------ registration

    def _register(self) -> None:
        app = self.app
        service = self.runtime.settings.service

        def refresh(**kwargs: Any) -> None:
            self.run_job(JobKind.REFRESH, **kwargs)

        def replan(**kwargs: Any) -> None:
            self.run_job(JobKind.REPLAN, **kwargs)

        def push(**kwargs: Any) -> None:
            self.run_job(JobKind.PUSH, **kwargs)

        app.task(name=REFRESH_TASK)(refresh)
        app.task(name=REPLAN_TASK)(replan)
        app.task(name=PUSH_TASK)(push)
        periodic: list[tuple[str, str, Callable[..., Any]]] = [
            ("syncsvc.polls", "* * * * *", self.polls),
            ("syncsvc.midnight", f"*/{service.midnight_tick_minutes} * * * *", self.midnight),
            ("syncsvc.drain", f"*/{service.pending_tick_minutes} * * * *", self.drain),
            ("syncsvc.tokens", f"*/{service.token_tick_minutes} * * * *", self.tokens),
            ("syncsvc.plan_sources", "7 * * * *", self.plan_sources),
            ("syncsvc.cleanup", "17 3 * * *", self.cleanup),
            ("syncsvc.daily_push", "37 4 * * *", self.daily_push),
            ("syncsvc.lagging_pushes", "* * * * *", self.lagging_pushes),
            ("syncsvc.retry_stalled", "* * * * *", self.retry_stalled),
        ]
        for name, cron, body in periodic:
            task = app.task(name=name, priority=FANOUT_PRIORITY)(body)
            app.periodic(cron=cron, periodic_id=name)(task)

    # ------------------------------------------------------------ running

    def catch_up(self) -> int:
        """At start: pending work and missed midnights (queueing locks merge repeats)."""
        return len(self.periodic.catch_up())

    async def run_async(self, *, wait: bool = True, install_signal_handlers: bool = True) -> None:
        service = self.runtime.settings.service
        async with self.app.open_async():
            if self.catch_up_at_start:
                await asyncio.to_thread(self.catch_up)
            worker = ProcrastinateWorker(
                app=self.app,
                name=f"syncsvc-{os.getpid()}",
                concurrency=service.workers,
                wait=wait,
                delete_jobs="successful",
                shutdown_graceful_timeout=service.shutdown_grace_s,
                update_heartbeat_interval=service.heartbeat_s,
                stalled_worker_timeout=service.stalled_after_s,
                install_signal_handlers=False,
            )
            if install_signal_handlers:
                loop = asyncio.get_running_loop()
                for signum in (signal.SIGTERM, signal.SIGINT):
                    loop.add_signal_handler(signum, self._stop, worker, loop)
            await worker.run()  # type: ignore[no-untyped-call]

    def _stop(self, worker: ProcrastinateWorker, loop: asyncio.AbstractEventLoop) -> None:
        """SIGTERM: no new jobs; after the grace, requeue what still runs and leave."""
        if self._stopping:
            return
        self._stopping = True
        log.info(
            "worker stopping", extra={"grace_s": self.runtime.settings.service.shutdown_grace_s}
        )
        worker.stop()  # type: ignore[no-untyped-call]
        grace = self.runtime.settings.service.shutdown_grace_s + STOP_MARGIN_S
        loop.call_later(grace, lambda: loop.create_task(self._abandon(worker)))

    async def _abandon(self, worker: ProcrastinateWorker) -> None:
        running = await self.app.job_manager.list_jobs_async(
            worker_id=worker.worker_id, status="doing"
        )
        for job in running:
            try:
                await self._retry_stalled_job(job)
            except Exception as error:  # the stalled-jobs task will pick it up instead
                log.warning("running job not requeued: %s", type(error).__name__)
        if worker.worker_id is not None:
            await self.app.job_manager.unregister_worker(worker.worker_id)
        log.warning("jobs outlived the shutdown grace; requeued, exiting without them")
        logging.shutdown()
        os._exit(0)

    def run(self, *, wait: bool = True) -> bool:
        """Run until SIGTERM or Ctrl-C (or, without `wait`, until the queue is empty).

        A job still running after `service.shutdown_grace_s` is aborted and
        requeued; its thread cannot be interrupted, so the process then exits at
        once (status 0) without waiting for it: its open transaction rolls back
        on the server when the connection drops.
        """
        loop = asyncio.new_event_loop()
        finished = True
        try:
            loop.run_until_complete(self.run_async(wait=wait))
            try:
                loop.run_until_complete(
                    asyncio.wait_for(loop.shutdown_default_executor(), timeout=EXECUTOR_GRACE_S)
                )
            except TimeoutError:
                finished = False
        finally:
            self.jobs.close()
            loop.close()
        if not finished:
            log.warning("a job outlived the shutdown grace; exiting without it")
            logging.shutdown()
            os._exit(0)
        return finished


def _instant(timestamp: int) -> datetime:
    return datetime.fromtimestamp(int(timestamp), tz=UTC)


def run_worker(runtime: Runtime) -> bool:
    """Run a worker until SIGTERM or Ctrl-C; True when no job had to be abandoned."""
    jobs = ProcrastinateJobs.open(runtime)
    return Worker(runtime, jobs).run()
