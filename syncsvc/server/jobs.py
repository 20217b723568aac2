"""The job layer: one small interface, and the in-process engine behind it.

The pipeline, the web app and the periodic fan-outs only ever call `JobQueue`:

- `enqueue(JobRequest)`: a refresh (sync, then replan) or a replan of one
  athlete, with a reason and a priority (lower runs first: webhook-announced
  work, then the runner's own changes, midnight replans, polls, backfills).
- Two locks name each job, with the semantics procrastinate gives them (the
  distributed engine plugs it in behind this interface): the *queueing lock*
  (`refresh:<id>` or `replan:<id>`) allows one waiting job per athlete and kind,
  so a burst of webhooks becomes one waiting refresh and a waiting poll cannot
  swallow a replan; the *lock* (`athlete:<id>`) keeps a refresh and a replan of
  one athlete from running at once. A job that has started no longer holds its
  queueing lock, so an event arriving during a refresh gets a refresh after it.
- A push job (`JobKind.PUSH`, `channel_id` set) brings one push channel in
  step after a run that changed the plan (`execute` hands one per channel to
  `follow_up`). Its queueing lock and its lock are both
  `push:<athlete>:<channel>`: a burst of replans makes one waiting push, and
  it never waits for the athlete's refresh. A failing channel never fails the
  job: `execute_push` records it and enqueues the push again when the
  channel's backoff ends.
- `delay_s` holds a job back (the webhook's coalescing delay); later requests
  merged into it never push it further back, so a burst waits at most once.

The distributed engine (`distributed.py`, procrastinate on PostgreSQL):
`JobRequest.queueing_lock` and `.lock` map to
`defer(queueing_lock=..., lock=...)` (an `AlreadyEnqueued` is the False of
`enqueue`); `priority` maps to procrastinate's with the sign flipped (it runs
higher numbers first); `delay_s` to `schedule_in`; the task body is `execute()`
below; the periodic ticks in `periodic.py` take the tick's timestamp, so
procrastinate's periodic tasks can call them with theirs. The web app only
needs `enqueue`, `depth` and `oldest_wait_s`. procrastinate does not merge a
second request into the waiting job (this engine merges sources and keeps the
best priority); nothing is lost either way, because webhook work lives in the
store (pending fetches) and every refresh does all of it, and a dropped poll
waits for the athlete's next slot.

The Strava budget (`StravaBudget`) is the other half of the interface: an
acquire that never waits, granted or not. Work that finds no budget is left in
the store as a pending fetch (`tx.athlete(id).pending`), which the periodic
drain hands out again when budget returns, so nothing waits for budget while
holding an athlete's lock, and nothing is lost on a restart.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Protocol

from syncsvc import clock
from syncsvc.api.app import Syncsvc
from syncsvc.api.pipeline import RefreshResult, refresh_athlete
from syncsvc.config import StravaSettings
from syncsvc.domain import Source
from syncsvc.errors import NotFoundError
from syncsvc.push import admin
from syncsvc.push.engine import next_attempt_at
from syncsvc.push.model import ChannelState, PushResult
from syncsvc.runtime import Runtime
from syncsvc.server.metrics import ServiceMetrics
from syncsvc.store.database import Store

log = logging.getLogger(__name__)


class JobKind(StrEnum):
    REFRESH = "refresh"
    """Sync (the named sources, and any pending webhook work), then replan and publish."""
    REPLAN = "replan"
    """Replan and publish only (midnight, a runner's change): no network."""
    PUSH = "push"
    """Bring one push channel in step with the plan (`channel_id`), after a plan change."""


class Priority(IntEnum):
    """Lower runs first (as the pending Strava fetches in the store)."""

    WEBHOOK = 0
    RUNNER = 10
    MIDNIGHT = 20
    POLL = 30
    START = 40
    PUSH = 50
    """After every refresh and replan of the day (a push follows one); before backfills,
    so a long first sync of one athlete never holds back another's calendar."""
    BACKFILL = 90


BACKFILL_REASON = "backfill"
"""A first Strava sync (a joined athlete's, or a first poll): it goes on when the budget returns."""


@dataclass(frozen=True, slots=True)
class JobRequest:
    kind: JobKind
    athlete_id: int
    reason: str
    priority: int = Priority.POLL
    sources: tuple[Source, ...] = ()
    """Sources to poll; empty means only the work already pending in the store."""
    delay_s: float = 0.0
    channel_id: int | None = None
    """A push job's channel (push jobs only)."""

    @property
    def queueing_lock(self) -> str:
        return queueing_lock_of(self.kind, self.athlete_id, self.channel_id)

    @property
    def lock(self) -> str:
        return lock_of(self.kind, self.athlete_id, self.channel_id)


def queueing_lock_of(kind: JobKind, athlete_id: int, channel_id: int | None) -> str:
    """One waiting job per athlete and kind; a push, per athlete and channel."""
    if kind is JobKind.PUSH:
        return f"push:{athlete_id}:{channel_id}"
    return f"{kind.value}:{athlete_id}"


def lock_of(kind: JobKind, athlete_id: int, channel_id: int | None) -> str:
    """A push holds its channel's lock, not the athlete's: it never waits for a refresh."""
    if kind is JobKind.PUSH:
        return f"push:{athlete_id}:{channel_id}"
    return f"athlete:{athlete_id}"


class JobQueue(Protocol):
    """What the web app, the fan-outs and the CLI enqueue through."""

    def enqueue(self, request: JobRequest) -> bool:
        """True when a new waiting job was made; False when merged into a waiting one."""
        ...

    def depth(self) -> int:
        """Jobs waiting (not running)."""
        ...

    def oldest_wait_s(self) -> float:
        """How long the oldest waiting job has waited (0 when none)."""
        ...


class StravaBudget(Protocol):
    def acquire(self, reads: int, *, priority: int) -> bool:
        """Take `reads` now if they fit; never waits. Webhook work may use the reserve."""
        ...

    def left(self) -> int: ...


@dataclass(frozen=True, slots=True)
class StoreStravaBudget:
    """The shared budget rows in the store (one per application, every process)."""

    store: Store
    settings: StravaSettings

    def acquire(self, reads: int, *, priority: int) -> bool:
        reserve = 0 if priority <= Priority.WEBHOOK else self.settings.budget_reserve
        with self.store.write() as tx:
            return tx.shared.acquire_strava(
                reads,
                clock.now(),
                limit_15min=self.settings.read_limit_15min,
                limit_day=self.settings.read_limit_daily,
                reserve=reserve,
            )

    def left(self) -> int:
        with self.store.read() as tx:
            return tx.shared.strava_budget(
                clock.now(),
                limit_15min=self.settings.read_limit_15min,
                limit_day=self.settings.read_limit_daily,
            ).left


# ---------------------------------------------------------------- the in-process engine


@dataclass
class Job:
    """A waiting job: the merged requests sharing one queueing lock."""

    kind: JobKind
    athlete_id: int
    priority: int
    sources: tuple[Source, ...]
    reasons: tuple[str, ...]
    not_before: float
    enqueued_at: float
    sequence: int
    merged: int = 1
    channel_id: int | None = None

    @property
    def reason(self) -> str:
        return self.reasons[0]

    @property
    def lock(self) -> str:
        return lock_of(self.kind, self.athlete_id, self.channel_id)

    @property
    def queueing_lock(self) -> str:
        return queueing_lock_of(self.kind, self.athlete_id, self.channel_id)

    def merge(self, request: JobRequest, not_before: float) -> None:
        if request.priority < self.priority:
            self.priority = request.priority
            self.reasons = (request.reason, *(r for r in self.reasons if r != request.reason))
        elif request.reason not in self.reasons:
            self.reasons = (*self.reasons, request.reason)
        self.sources = tuple(sorted(set(self.sources) | set(request.sources)))
        self.not_before = min(self.not_before, not_before)
        self.merged += 1


JobRunner = Callable[[Job], None]


@dataclass
class InProcessJobs:
    """A priority queue with delays, queueing locks and locks, run by a few worker threads.

    APScheduler keeps time (the periodic ticks, in `periodic.py`); this queue runs
    the jobs those ticks and the webhook enqueue, so priorities and the
    per-athlete locks hold, which APScheduler's one-off jobs cannot express.
    """

    runner: JobRunner
    workers: int = 2
    monotonic: Callable[[], float] = time.monotonic
    _waiting: dict[str, Job] = field(default_factory=dict)
    _running: dict[str, Job] = field(default_factory=dict)
    _condition: threading.Condition = field(default_factory=threading.Condition)
    _threads: list[threading.Thread] = field(default_factory=list)
    _stopping: bool = False
    _sequence: itertools.count[int] = field(default_factory=itertools.count)

    # ------------------------------------------------------------ JobQueue

    def enqueue(self, request: JobRequest) -> bool:
        now = self.monotonic()
        not_before = now + max(0.0, request.delay_s)
        with self._condition:
            if self._stopping:
                log.info("not taking jobs while stopping", extra={"job": request.queueing_lock})
                return False
            waiting = self._waiting.get(request.queueing_lock)
            if waiting is not None:
                waiting.merge(request, not_before)
                self._condition.notify_all()
                return False
            self._waiting[request.queueing_lock] = Job(
                kind=request.kind,
                athlete_id=request.athlete_id,
                priority=int(request.priority),
                sources=tuple(sorted(set(request.sources))),
                reasons=(request.reason,),
                not_before=not_before,
                enqueued_at=now,
                sequence=next(self._sequence),
                channel_id=request.channel_id,
            )
            self._condition.notify_all()
            return True

    def depth(self) -> int:
        with self._condition:
            return len(self._waiting)

    def oldest_wait_s(self) -> float:
        with self._condition:
            if not self._waiting:
                return 0.0
            return self.monotonic() - min(job.enqueued_at for job in self._waiting.values())

    # ------------------------------------------------------------ inspection

    def waiting(self) -> list[Job]:
        with self._condition:
            return sorted(self._waiting.values(), key=_order)

    def running(self) -> list[Job]:
        with self._condition:
            return list(self._running.values())

    @property
    def alive(self) -> bool:
        return not self._stopping and any(thread.is_alive() for thread in self._threads)

    # ------------------------------------------------------------ running

    def _take(self, now: float) -> tuple[Job | None, float | None]:
        """The next job to run (ready, its lock free), else how long until one may be."""
        ready: list[tuple[tuple[int, float, int], Job]] = []
        soonest: float | None = None
        busy = {job.lock for job in self._running.values()}
        for job in self._waiting.values():
            if job.not_before > now:
                wait = job.not_before - now
                soonest = wait if soonest is None else min(soonest, wait)
            elif job.lock not in busy:
                heapq.heappush(ready, (_order(job), job))
        if not ready:
            return None, soonest
        job = ready[0][1]
        del self._waiting[job.queueing_lock]
        self._running[job.queueing_lock] = job
        return job, None

    def run_ready(self) -> int:
        """Run every ready job in the calling thread (tests, `--once`); returns how many."""
        count = 0
        while True:
            with self._condition:
                job, _ = self._take(self.monotonic())
            if job is None:
                return count
            self._run(job)
            count += 1

    def _run(self, job: Job) -> None:
        try:
            self.runner(job)
        except Exception:  # a failed job must not kill its worker; the runner logged it
            log.exception("job failed", extra={"job": job.queueing_lock})
        finally:
            with self._condition:
                self._running.pop(job.queueing_lock, None)
                self._condition.notify_all()

    def _work(self) -> None:
        while True:
            with self._condition:
                job: Job | None = None
                while not self._stopping:
                    job, wait = self._take(self.monotonic())
                    if job is not None:
                        break
                    self._condition.wait(timeout=wait)
                if job is None:
                    return
            self._run(job)

    def start(self) -> None:
        with self._condition:
            self._stopping = False
        for number in range(self.workers):
            thread = threading.Thread(target=self._work, name=f"syncsvc-job-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, grace_s: float) -> bool:
        """Take no more jobs; wait up to `grace_s` for the running ones. True when all ended.

        A job still running after the grace is abandoned with the process: its
        open transaction rolls back, and what it had not finished stays pending in
        the store for the next start.
        """
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        deadline = self.monotonic() + grace_s
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - self.monotonic()))
        finished = not any(thread.is_alive() for thread in self._threads)
        if not finished:
            log.warning(
                "jobs still running after the shutdown grace; abandoning them "
                "(their writes roll back, the next start redoes the work)",
                extra={"jobs": [job.queueing_lock for job in self.running()]},
            )
        self._threads = [thread for thread in self._threads if thread.is_alive()]
        return finished

    def wait_idle(self, timeout_s: float) -> bool:
        """Block until nothing waits or runs (tests and benchmarks); False on timeout."""
        deadline = self.monotonic() + timeout_s
        with self._condition:
            while self._waiting or self._running:
                left = deadline - self.monotonic()
                if left <= 0:
                    return False
                self._condition.wait(timeout=min(left, 0.1))
        return True


def _order(job: Job) -> tuple[int, float, int]:
    return (job.priority, job.not_before, job.sequence)


@dataclass
class StoreOnlyJobs:
    """`--web-only`: enqueue nothing; the scheduler process's drain finds the pending rows."""

    def enqueue(self, request: JobRequest) -> bool:
        log.debug(
            "web-only process: job left to the scheduler", extra={"job": request.queueing_lock}
        )
        return False

    def depth(self) -> int:
        return 0

    def oldest_wait_s(self) -> float:
        return 0.0


# ---------------------------------------------------------------- what a job does


FollowUp = Callable[[JobRequest], bool]
"""Where a job enqueues the jobs that follow it (a push after a plan change)."""


def execute(
    runtime: Runtime,
    kind: JobKind,
    athlete_id: int,
    *,
    reason: str,
    sources: tuple[Source, ...] = (),
    metrics: ServiceMetrics | None = None,
    follow_up: FollowUp | None = None,
) -> RefreshResult:
    """Run one job through the one pipeline; every engine calls this.

    A refresh's sync step does the pending webhook work first (budget
    permitting; what finds none stays pending), then polls `sources`. A run
    that changed the plan names the push channels to bring in step: one push
    job each goes to `follow_up`.
    """
    try:
        if kind is JobKind.REPLAN:
            result = refresh_athlete(runtime, athlete_id, trigger=reason, sync=False)
        else:
            result = refresh_athlete(runtime, athlete_id, trigger=reason, sources=sources)
    except Exception as error:
        if metrics is not None:
            metrics.record_failure(reason, error)
        raise
    if metrics is not None:
        metrics.record_refresh(result)
    if follow_up is not None:
        for channel_id in result.push_channels:
            _follow(follow_up, push_request(athlete_id, channel_id, reason), metrics)
        if kind is JobKind.REFRESH and reason == BACKFILL_REASON:
            resume = backfill_resume_request(runtime, athlete_id)
            if resume is not None:
                _follow(follow_up, resume, metrics)
    return result


def backfill_resume_request(runtime: Runtime, athlete_id: int) -> JobRequest | None:
    """The backfill's next job when the read budget paused it, held back until budget returns.

    Nothing waits for budget holding the athlete's lock: the paused backfill
    ends, and this job picks it up where it stopped (before the oldest start
    stored) once the spent window is over.
    """
    resumes_at = Syncsvc(runtime).athlete_with_id(athlete_id).backfill_resumes_at()
    if resumes_at is None:
        return None
    return JobRequest(
        JobKind.REFRESH,
        athlete_id,
        BACKFILL_REASON,
        Priority.BACKFILL,
        sources=(Source.STRAVA,),
        delay_s=max(1.0, (resumes_at - clock.now()).total_seconds()),
    )


def push_request(
    athlete_id: int, channel_id: int, reason: str, *, delay_s: float = 0.0
) -> JobRequest:
    return JobRequest(
        JobKind.PUSH,
        athlete_id,
        reason,
        Priority.PUSH,
        delay_s=delay_s,
        channel_id=channel_id,
    )


def _follow(follow_up: FollowUp, request: JobRequest, metrics: ServiceMetrics | None) -> None:
    try:
        made = follow_up(request)
    except Exception as error:  # the refresh is done and its feed published; the push waits
        log.warning("push job not enqueued: %s", type(error).__name__)
        return
    if metrics is not None:
        metrics.jobs_enqueued.labels(
            kind=request.kind.value, result="new" if made else "merged"
        ).inc()


def execute_push(
    runtime: Runtime,
    athlete_id: int,
    channel_id: int,
    *,
    reason: str,
    metrics: ServiceMetrics | None = None,
    follow_up: FollowUp | None = None,
) -> PushResult | None:
    """One push job: bring a channel in step. A failing channel never fails the job.

    While the channel backs off (or after this push failed), the job comes back
    when the backoff ends; a paused channel waits for the runner. A channel
    removed meanwhile is nothing to do (None).
    """
    try:
        result = admin.run_push_job(runtime.store, runtime.settings, athlete_id, channel_id)
    except NotFoundError:
        return None
    if metrics is not None:
        metrics.record_push(result)
    if result.skipped_sessions and follow_up is not None:
        # The runner deleted pushed sessions in their calendar: replan now, so the plan's
        # reasons and the feed say so ("deleted in iCloud on 3 Dec") without waiting.
        replan = JobRequest(JobKind.REPLAN, athlete_id, "deleted in a calendar", Priority.RUNNER)
        _follow(follow_up, replan, metrics)
    if result.state == ChannelState.FAILING and follow_up is not None:
        with runtime.store.read() as tx:
            channel = tx.athlete(athlete_id).push.channel(channel_id)
        retry = next_attempt_at(channel) if channel is not None else None
        if retry is not None:
            wait = max(1.0, (retry - clock.now()).total_seconds())
            _follow(follow_up, push_request(athlete_id, channel_id, reason, delay_s=wait), metrics)
    return result


def job_runner(
    runtime: Runtime,
    metrics: ServiceMetrics | None = None,
    follow_up: FollowUp | None = None,
) -> JobRunner:
    """The in-process engine's runner: `execute` (or `execute_push`) for each job."""

    def run(job: Job) -> None:
        if job.kind is JobKind.PUSH:
            if job.channel_id is not None:
                execute_push(
                    runtime,
                    job.athlete_id,
                    job.channel_id,
                    reason=job.reason,
                    metrics=metrics,
                    follow_up=follow_up,
                )
            return
        execute(
            runtime,
            job.kind,
            job.athlete_id,
            reason=job.reason,
            sources=job.sources,
            metrics=metrics,
            follow_up=follow_up,
        )

    return run
