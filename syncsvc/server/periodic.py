"""APScheduler keeps time: a few periodic ticks that fan work out through the job queue.

Nothing per athlete lives in APScheduler: each tick reads the athletes from the
store and asks a pure fan-out (`fanout.py`) which of them the tick concerns, so
the schedule is re-created from the store and the settings at every start and a
restart loses nothing. Ticks are coalesced (a late or missed run happens once),
and each tick remembers the previous one so a late tick still covers the gap.

- polls, every minute: a Garmin refresh for the athletes in this minute's slot
  of `garmin.poll_minutes`; Strava's fallback poll in their slot of
  `strava.poll_hours`, only when the budget has room beyond the webhook reserve.
- midnight, every `service.midnight_tick_minutes`: a replan for the athletes
  whose local date just changed.
- pending, every `service.pending_tick_minutes`: a refresh for the athletes
  with Strava work left pending, while budget is left.
- tokens, every `service.token_tick_minutes`: no job; Strava tokens expiring
  within `service.token_refresh_ahead_s` are refreshed.
- plan sources, hourly: imported training plans read longer ago than
  `service.plan_source_refresh_hours` are read again; a changed one replans.
- push, daily at 04:37 UTC: every push channel of every athlete, with a read
  (`push.admin.daily_push`): rolls the Garmin window on, catches anything missed.
- lagging pushes, every minute: a push job for each channel behind the plan
  that is neither paused nor backing off (a plan a CLI command changed, a push
  job lost with a stopped process).

At start, `catch_up` enqueues what a stopped service missed: the pending work,
and one replan for athletes whose last run is older than their local midnight.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler

from syncsvc import clock
from syncsvc.api.plan_sources import refresh_plan_sources
from syncsvc.config import Settings
from syncsvc.domain import Source
from syncsvc.push import admin as push_admin
from syncsvc.runtime import Runtime
from syncsvc.server import fanout
from syncsvc.server.jobs import (
    BACKFILL_REASON,
    JobKind,
    JobQueue,
    JobRequest,
    Priority,
    StravaBudget,
    push_request,
)
from syncsvc.server.metrics import ServiceMetrics
from syncsvc.sources.http import CountingSession
from syncsvc.sources.strava_auth import fresh_token
from syncsvc.store.locks import LockTimeout, athlete_lock

log = logging.getLogger(__name__)

GARMIN_SALT = "garmin"
STRAVA_SALT = "strava"


@dataclass(frozen=True, slots=True)
class AthleteView:
    """What the ticks need to know of an athlete, read in one transaction."""

    id: int
    timezone: str
    garmin: bool
    strava: bool
    strava_expires_at: datetime | None
    pending_priority: int | None
    last_run_at: datetime | None
    never_synced: frozenset[Source] = frozenset()
    """Connected sources without a successful sync yet: their first poll is a backfill."""


def read_athletes(runtime: Runtime) -> list[AthleteView]:
    """Every athlete's view, in one read transaction of a few queries whatever their number."""
    with runtime.store.read() as tx:
        athletes = tx.athletes.zones()
        everyone = tx.athlete_set(None)
        credentials = everyone.credential_infos()
        pending = everyone.pending(Source.STRAVA)
        last_runs = everyone.last_run_started()
        cursors = everyone.cursors()
    views: list[AthleteView] = []
    for athlete_id, timezone in athletes:
        connected = credentials.get(athlete_id, {})
        garmin, strava = connected.get("garmin"), connected.get("strava")
        synced = {c.source for c in cursors.get(athlete_id, ()) if c.last_success_at is not None}
        never = frozenset(
            source
            for source, info in ((Source.GARMIN, garmin), (Source.STRAVA, strava))
            if info is not None and source not in synced
        )
        views.append(
            AthleteView(
                id=athlete_id,
                timezone=timezone,
                garmin=garmin is not None and garmin.status == "ok",
                strava=strava is not None and strava.status == "ok",
                strava_expires_at=strava.expires_at if strava is not None else None,
                pending_priority=min((p for _, _, p in pending.get(athlete_id, ())), default=None),
                last_run_at=last_runs.get(athlete_id),
                never_synced=never,
            )
        )
    return views


def missed_midnight(view: AthleteView, now: datetime) -> bool:
    """No run since the athlete's last local midnight (or never): their plan window is stale."""
    if view.last_run_at is None:
        return True
    zone = ZoneInfo(view.timezone)
    return view.last_run_at.astimezone(zone).date() < now.astimezone(zone).date()


def poll_requests(
    settings: Settings,
    views: list[AthleteView],
    since: datetime,
    tick: datetime,
    budget_left: Callable[[], int],
) -> list[JobRequest]:
    """The polls of the minutes in (since, tick]: Garmin in its slot, Strava's fallback in its.

    Pure on the ticks (and the budget reading), so any engine and any process
    can run it: the distributed engine passes one minute, its tick's.
    """
    garmin_period = settings.garmin.poll_minutes
    strava_period = max(1, round(settings.strava.poll_hours * 60))
    minutes = [
        since + fanout.MINUTE * step for step in range(1, int((tick - since) / fanout.MINUTE) + 1)
    ]
    garmin_ids = {v.id for v in views if v.garmin}
    strava_ids = {v.id for v in views if v.strava}
    due_garmin: set[int] = set()
    due_strava: set[int] = set()
    for minute in minutes:
        due_garmin.update(fanout.due_for_poll(garmin_ids, minute, garmin_period, salt=GARMIN_SALT))
        due_strava.update(fanout.due_for_poll(strava_ids, minute, strava_period, salt=STRAVA_SALT))
    if due_strava and budget_left() <= settings.strava.budget_reserve:
        log.info("strava fallback poll skipped: budget kept for webhook work")
        due_strava.clear()
    never = {v.id: v.never_synced for v in views}
    requests: list[JobRequest] = []
    for athlete_id in sorted(due_garmin | due_strava):
        sources = tuple(
            source
            for source, due in ((Source.GARMIN, due_garmin), (Source.STRAVA, due_strava))
            if athlete_id in due
        )
        backfill = all(source in never[athlete_id] for source in sources)
        priority = Priority.BACKFILL if backfill else Priority.POLL
        reason = BACKFILL_REASON if backfill else "poll"
        requests.append(JobRequest(JobKind.REFRESH, athlete_id, reason, priority, sources=sources))
    return requests


def midnight_requests(
    views: list[AthleteView], since: datetime, tick: datetime
) -> list[JobRequest]:
    """A replan for each athlete whose local date changed in (since, tick]."""
    due = fanout.passed_local_midnight(((v.id, v.timezone) for v in views), tick, tick - since)
    return [JobRequest(JobKind.REPLAN, i, "midnight", Priority.MIDNIGHT) for i in due]


@dataclass
class Periodic:
    runtime: Runtime
    jobs: JobQueue
    budget: StravaBudget
    metrics: ServiceMetrics
    scheduler: BackgroundScheduler | None = None
    _last: dict[str, datetime] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        service = self.runtime.settings.service
        scheduler = BackgroundScheduler(
            timezone=UTC,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": service.misfire_grace_s,
            },
        )
        scheduler.add_job(self.poll_tick, "cron", second=0, id="polls")
        scheduler.add_job(
            self.midnight_tick,
            "cron",
            minute=f"*/{service.midnight_tick_minutes}",
            second=0,
            id="midnight",
        )
        scheduler.add_job(
            self.pending_tick, "interval", minutes=service.pending_tick_minutes, id="pending"
        )
        scheduler.add_job(
            self.token_tick, "interval", minutes=service.token_tick_minutes, id="tokens"
        )
        scheduler.add_job(
            self.plan_source_tick,
            "interval",
            minutes=max(1, min(60, round(service.plan_source_refresh_hours * 60))),
            id="plan-sources",
        )
        scheduler.add_job(self.cleanup_tick, "cron", hour=3, minute=17, id="cleanup")
        scheduler.add_job(self.push_tick, "cron", hour=4, minute=37, id="daily-push")
        scheduler.add_job(self.lagging_push_tick, "cron", second=30, id="lagging-pushes")
        scheduler.start()
        self.scheduler = scheduler

    def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    @property
    def alive(self) -> bool:
        return self.scheduler is not None and self.scheduler.running

    # ------------------------------------------------------------ ticks

    def _since(self, name: str, tick: datetime, period: timedelta, cap: timedelta) -> datetime:
        """The previous tick of `name` (one period back the first time), at most `cap` back."""
        with self._guard:
            previous = self._last.get(name, tick - period)
            self._last[name] = tick
        return max(previous, tick - cap)

    def _enqueue(self, request: JobRequest) -> None:
        made = self.jobs.enqueue(request)
        self.metrics.jobs_enqueued.labels(
            kind=request.kind.value, result="new" if made else "merged"
        ).inc()

    def poll_tick(self, now: datetime | None = None) -> list[JobRequest]:
        """Garmin in its slot; Strava's fallback poll in its slot, when the budget has room."""
        tick = fanout.floor_tick(now or clock.now(), fanout.MINUTE)
        garmin_period = self.runtime.settings.garmin.poll_minutes
        since = self._since("polls", tick, fanout.MINUTE, timedelta(minutes=garmin_period))
        requests = poll_requests(
            self.runtime.settings, read_athletes(self.runtime), since, tick, self.budget_left
        )
        for request in requests:
            self._enqueue(request)
        return requests

    def midnight_tick(self, now: datetime | None = None) -> list[JobRequest]:
        period = timedelta(minutes=self.runtime.settings.service.midnight_tick_minutes)
        tick = fanout.floor_tick(now or clock.now(), period)
        since = self._since("midnight", tick, period, timedelta(days=1))
        requests = midnight_requests(read_athletes(self.runtime), since, tick)
        for request in requests:
            self._enqueue(request)
        return requests

    def pending_tick(self, now: datetime | None = None) -> list[JobRequest]:
        """Hand pending Strava work out again, best priority first, while budget is left."""
        views = [v for v in read_athletes(self.runtime) if v.pending_priority is not None]
        if not views or self.budget_left() <= 0:
            return []
        views.sort(key=lambda v: (v.pending_priority, v.id))
        requests = [
            JobRequest(JobKind.REFRESH, v.id, "pending", v.pending_priority or Priority.WEBHOOK)
            for v in views
        ]
        for request in requests:
            self._enqueue(request)
        return requests

    def token_tick(self, now: datetime | None = None) -> list[int]:
        """Refresh Strava tokens ahead of expiry, each under its athlete's lock."""
        tick = now or clock.now()
        settings = self.runtime.settings
        ahead = timedelta(seconds=settings.service.token_refresh_ahead_s)
        views = read_athletes(self.runtime)
        due = fanout.expiring(((v.id, v.strava_expires_at) for v in views if v.strava), tick, ahead)
        refreshed: list[int] = []
        for athlete_id in due:
            try:
                with athlete_lock(self.runtime.store, self.runtime.home, athlete_id, timeout_s=5):
                    fresh_token(
                        self.runtime.store,
                        settings.strava.model_copy(
                            update={"refresh_margin_s": int(ahead.total_seconds())}
                        ),
                        athlete_id,
                        CountingSession(),
                        tick,
                    )
                refreshed.append(athlete_id)
            except LockTimeout:
                continue  # the running refresh renews it itself if needed
            except Exception as error:  # one athlete's failure must not stop the others
                self.metrics.errors.labels(kind=f"token_refresh_{type(error).__name__}").inc()
                log.warning("strava token refresh failed: %s", type(error).__name__)
        return refreshed

    def plan_source_tick(self, now: datetime | None = None) -> list[JobRequest]:
        """Re-read imported training plans older than `service.plan_source_refresh_hours`.

        A source whose content changed gets its athlete a replan; a failed read
        keeps the last good copy (recorded beside the source).
        """
        older_than = timedelta(hours=self.runtime.settings.service.plan_source_refresh_hours)
        with self.runtime.store.read() as tx:
            with_sources = tx.athlete_set(None).plan_sources()  # one query for everyone
            athletes = [a for a in tx.athletes.all() if with_sources.get(a.id)]
        requests: list[JobRequest] = []
        for athlete in athletes:
            try:
                changed = refresh_plan_sources(self.runtime, athlete, older_than=older_than)
            except Exception as error:  # one athlete's failure must not stop the others
                self.metrics.errors.labels(kind=f"plan_source_{type(error).__name__}").inc()
                log.warning("plan source re-read failed: %s", type(error).__name__)
                continue
            if changed:
                requests.append(
                    JobRequest(JobKind.REPLAN, athlete.id, "plan source", Priority.RUNNER)
                )
        for request in requests:
            self._enqueue(request)
        return requests

    def cleanup_tick(self, now: datetime | None = None) -> dict[str, int]:
        """Forget what nobody reads any more, so the tables stop growing.

        Webhook events (kept to recognise a repeated delivery, which Strava makes
        within hours) and pipeline-run records older than
        `service.history_keep_days`; cancelled sessions once they have left the
        feed (`feed.cancelled_retention_days` after they were cancelled) and
        their day is past, so no calendar can still show them.
        """
        instant = now or clock.now()
        keep = timedelta(days=self.runtime.settings.service.history_keep_days)
        retention = timedelta(days=self.runtime.settings.feed.cancelled_retention_days)
        with self.runtime.store.write() as tx:
            everyone = tx.athlete_set(None)  # three statements, whatever the number of athletes
            counts = {
                "webhook_events": everyone.forget_webhook_events_before(instant - keep),
                "pipeline_runs": everyone.forget_runs_before(instant - keep),
                "cancelled_sessions": everyone.forget_cancelled_sessions(
                    changed_before=instant - retention, day_before=(instant - retention).date()
                ),
            }
        log.info("cleanup done", extra=counts)
        return counts

    def push_tick(self, now: datetime | None = None) -> int:
        """The daily push of every channel; returns how many pushed. Never raises."""
        try:
            results = push_admin.daily_push(self.runtime.store, self.runtime.settings)
        except Exception as error:  # one bad day must not stop the scheduler
            self.metrics.errors.labels(kind=f"daily_push_{type(error).__name__}").inc()
            log.warning("daily push failed: %s", type(error).__name__)
            return 0
        for result in results:
            self.metrics.record_push(result)
        return sum(1 for result in results if result.ran)

    def lagging_push_tick(self, now: datetime | None = None) -> list[JobRequest]:
        """A push job for every channel behind the plan (merged into any waiting one)."""
        try:
            lagging = push_admin.lagging_channels(self.runtime.store)
        except Exception as error:  # the next minute tries again
            self.metrics.errors.labels(kind=f"push_tick_{type(error).__name__}").inc()
            log.warning("lagging push channels unreadable: %s", type(error).__name__)
            return []
        requests = [push_request(a, c, "lagging") for a, c in lagging]
        for request in requests:
            self._enqueue(request)
        return requests

    def catch_up(self, now: datetime | None = None) -> list[JobRequest]:
        """At start: the pending work, and one replan for each athlete past a missed midnight."""
        instant = now or clock.now()
        requests: list[JobRequest] = []
        for view in read_athletes(self.runtime):
            if view.pending_priority is not None:
                requests.append(
                    JobRequest(JobKind.REFRESH, view.id, "start", view.pending_priority)
                )
            if missed_midnight(view, instant):
                requests.append(JobRequest(JobKind.REPLAN, view.id, "start", Priority.MIDNIGHT))
        for request in requests:
            self._enqueue(request)
        return requests

    def budget_left(self) -> int:
        """Strava reads left; an unreadable budget reads as none (no spending)."""
        try:
            return self.budget.left()
        except Exception as error:  # an unreadable budget means no spending
            log.warning("strava budget unreadable: %s", type(error).__name__)
            return 0
