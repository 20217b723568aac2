"""The one pipeline: refresh one athlete, as read -> pure compute -> write.

Sync the sources that have something new, recompute the load series and
forecast, replan what is ahead, store the plan and re-render the feed. The
CLI's `sync` and `replan`, the runner's decisions, the scheduled jobs and the
webhook all call `refresh_athlete` (or `decide_and_replan`, the same steps with
one decision recorded first); there is no second copy.

The steps:

- read: `read_context` reads everything the compute needs in one short read
  transaction, into one `PipelineContext` (athlete, activities, plan sources,
  sessions, overrides, check-ins, uid host, today);
- compute (pure, no store): `compute_load` (the load analysis, computed once and
  shared by the decision checks, the activity listing and the replan),
  `compute_plan` (the planner) and `render` (the feed);
- write: `write_results` stores the plan, the day classes and the feed in one
  short write transaction.

It holds the athlete's lock for its whole run (two refreshes never overlap), is
idempotent (a second run with nothing new writes nothing), and records what it
did in `pipeline_runs` and the log. The CLI stays responsive while the service
runs because no transaction spans the pure work.

The load model, the planner, the feed and the sources are imported inside the
step that uses them: `syncsvc plan` and `--help` read the store only and must
not pay for pandas, the planner's catalogue or the Strava client at start-up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from syncsvc import clock
from syncsvc.api import load_compute
from syncsvc.api.gc_pause import collector_paused
from syncsvc.api.load_compute import LoadInputs, LoadStep, analyse_inputs
from syncsvc.config import Settings
from syncsvc.domain import (
    Activity,
    Athlete,
    CheckIn,
    DayLoad,
    DayView,
    Override,
    PlannedWorkout,
    RenderedFeed,
    Session,
    Source,
    Sport,
    SyncSummary,
)
from syncsvc.errors import SourceError
from syncsvc.feed import feed_etag, render_feed
from syncsvc.load.ratio_history import ratio_from, ratio_means_something
from syncsvc.planner.model import PlanInputs
from syncsvc.planner.replan import replan
from syncsvc.programme.catalogue import load_catalogue
from syncsvc.push import admin as push_admin
from syncsvc.runtime import Runtime
from syncsvc.store.database import Transaction
from syncsvc.store.locks import athlete_lock

if TYPE_CHECKING:
    from syncsvc.load.result import LoadAnalysis
    from syncsvc.planner.model import Change, PlanInputs, PlanResult
    from syncsvc.programme.catalogue import Catalogue

log = logging.getLogger(__name__)

ProgressCallback = Callable[[Source, int], None]
"""Called with a source and its count of activities fetched so far (the CLI's progress bar)."""

KEPT_PAST_DAYS = 28
"""Past days of classes kept beside the forecast: the plan view shows the last 7, the feed 28."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RefreshResult:
    athlete_id: int
    trigger: str
    syncs: tuple[SyncSummary, ...] = ()
    changes: tuple[Change, ...] = ()
    moved: tuple[str, ...] = ()
    sessions_written: int = 0
    feed_changed: bool = False
    duration_s: float = 0.0
    problems: tuple[str, ...] = field(default=())
    push_channels: tuple[int, ...] = ()
    """The push channels to bring in step (the plan changed): one push job each."""

    @property
    def new_activities(self) -> int:
        return sum(s.new + s.updated + s.deleted for s in self.syncs)

    def summary(self) -> dict[str, Any]:
        return {
            "trigger": self.trigger,
            "syncs": [{"source": s.source.value, **s.as_json()} for s in self.syncs],
            "changes": [
                {
                    "session": c.session_id,
                    "what": c.what,
                    "before": c.before,
                    "after": c.after,
                    "reason": c.reason,
                }
                for c in self.changes
            ],
            "moved": list(self.moved),
            "sessions_written": self.sessions_written,
            "feed_changed": self.feed_changed,
            "duration_s": round(self.duration_s, 4),
            "problems": list(self.problems),
        }


def replan_note(result: RefreshResult) -> str:
    """A short note on what a replan after a change moved, for a command to print."""
    if result.moved:
        return f"Replanned: {len(result.moved)} session(s) moved."
    return "Replanned: nothing moved." if result.sessions_written == 0 else "Replanned."


# ---------------------------------------------------------------- read


@dataclass(frozen=True, slots=True)
class PipelineContext:
    """Everything one run reads, read once in one transaction."""

    athlete: Athlete
    activities: tuple[Activity, ...]
    plan_sources: tuple[tuple[str, bytes], ...]
    sessions: tuple[Session, ...]
    overrides: tuple[Override, ...]
    checkins: tuple[CheckIn, ...]
    uid_host: str
    now: datetime
    today: date
    """The calendar day in the athlete's zone (`clock.today_in`)."""
    id_namespace: str = ""
    """The installation's session-id namespace ("" for a store made before it had one)."""


def local_today(athlete: Athlete) -> date:
    return clock.today_in(athlete.profile.timezone)


def read_context(runtime: Runtime, athlete: Athlete) -> PipelineContext:
    """The read step: one read transaction, then no store until the write step."""
    return read_contexts(runtime, [athlete])[0]


def read_contexts(runtime: Runtime, athletes: Sequence[Athlete]) -> list[PipelineContext]:
    """The read step of several athletes: one read transaction, one query per table for all."""
    with runtime.store.read() as tx:
        return contexts_of(tx, athletes)


def contexts_by_id(
    tx: Transaction, athlete_ids: Sequence[int], now: datetime | None = None
) -> list[PipelineContext]:
    """The contexts of those of `athlete_ids` who still exist, in that order (`contexts_of`)."""
    found = tx.athletes.by_ids(athlete_ids)
    return contexts_of(tx, [found[i] for i in athlete_ids if i in found], now)


def contexts_of(
    tx: Transaction, athletes: Sequence[Athlete], now: datetime | None = None
) -> list[PipelineContext]:
    """The contexts of `athletes` as of `now` (the clock's by default; a replan worker
    is handed its caller's, so both see the same instant)."""
    group = tx.athlete_set([athlete.id for athlete in athletes])
    info = tx.store_info()
    with collector_paused():  # every activity of the batch becomes an object: no cycles
        activities = group.merged_activities()
        plan_sources = group.plan_sources()
        sessions = group.sessions()
        overrides = group.overrides()
        checkins = group.checkins()
    now = clock.now() if now is None else now
    return [
        PipelineContext(
            athlete=athlete,
            activities=tuple(activities.get(athlete.id, ())),
            plan_sources=tuple(
                (source.name, source.content)
                for source in plan_sources.get(athlete.id, ())
                if source.content is not None
            ),
            sessions=tuple(sessions.get(athlete.id, ())),
            overrides=tuple(overrides.get(athlete.id, ())),
            checkins=tuple(checkins.get(athlete.id, ())),
            uid_host=info.uid_host,
            id_namespace=info.id_namespace,
            now=now,
            today=clock.day_at(now, athlete.profile.timezone),
        )
        for athlete in athletes
    ]


# ---------------------------------------------------------------- pure compute


@lru_cache(maxsize=8)
def _catalogue(path: Path | None) -> Catalogue:
    return load_catalogue(path)


def catalogue(settings: Settings) -> Catalogue:
    """The programme's exercise catalogue (read once per process)."""
    return _catalogue(settings.planner.programme.catalogue_path)


def horizon_days(settings: Settings) -> int:
    return settings.planner.horizon_weeks * 7 + 7


def planned_workouts(
    settings: Settings,
    athlete: Athlete,
    plan_sources: Sequence[tuple[str, bytes]],
    today: date,
) -> tuple[tuple[PlannedWorkout, ...], tuple[str, ...]]:
    """Workouts of the imported training plans over the forecast window."""
    return load_compute.planned_workouts(
        settings.load, athlete, plan_sources, today, horizon_days(settings)
    )


def load_inputs(settings: Settings, context: PipelineContext) -> LoadInputs:
    return LoadInputs(
        athlete=context.athlete,
        activities=context.activities,
        plan_sources=context.plan_sources,
        today=context.today,
        settings=settings.load,
        horizon_days=horizon_days(settings),
    )


def compute_load(settings: Settings, context: PipelineContext) -> LoadStep:
    """The load analysis the planner sees (also what `syncsvc load` shows)."""
    return analyse_inputs(load_inputs(settings, context))


def load_step(runtime: Runtime, context: PipelineContext) -> LoadStep:
    """`compute_load`, in the runtime's load worker when it has one (the service's)."""
    if runtime.load_worker is not None:
        return runtime.load_worker.compute(load_inputs(runtime.settings, context))
    return compute_load(runtime.settings, context)


def plan_inputs(settings: Settings, context: PipelineContext, analysis: LoadAnalysis) -> PlanInputs:
    """What the planner reads: the context and the load analysis, nothing else."""
    return PlanInputs(
        athlete_id=context.athlete.id,
        profile=context.athlete.profile,
        now=context.now,
        today=context.today,
        days=analysis.days,
        weeks=analysis.weeks,
        current=context.sessions,
        overrides=context.overrides,
        checkins=context.checkins,
        strength_activities=tuple(
            a for a in context.activities if a.sport in (Sport.STRENGTH, Sport.MOBILITY)
        ),
        horizon_weeks=settings.planner.horizon_weeks,
        id_namespace=context.id_namespace,
    )


def compute_plan(
    settings: Settings, context: PipelineContext, analysis: LoadAnalysis
) -> PlanResult:
    return replan(plan_inputs(settings, context, analysis), settings.planner, catalogue(settings))


def render(
    settings: Settings, context: PipelineContext, plan: PlanResult, analysis: LoadAnalysis
) -> tuple[bytes | None, tuple[str, ...]]:
    """The feed's bytes; on a failure none (the last good feed stays published) and why."""
    try:
        return render_feed(
            athlete=context.athlete,
            sessions=plan.plan.sessions,
            host=context.uid_host,
            settings=settings.feed,
            today=context.today,
            mobility=plan.plan.mobility,
            day_loads=analysis.days,
        ), ()
    except Exception as error:  # keep serving the last good bytes; say why
        log.exception("feed render failed; the last good feed stays published")
        return None, (f"feed render failed: {type(error).__name__}",)


@dataclass(frozen=True, slots=True)
class Computed:
    """One athlete's compute step as the write step takes it: the plan, the day classes
    to keep, the feed's bytes (None when the render failed) and the problems. Small
    on purpose: a replan worker (`replan_workers.py`) sends it back to be written."""

    athlete_id: int
    plan: PlanResult
    days: tuple[DayView, ...]
    feed: bytes | None
    problems: tuple[str, ...]
    compute_s: float = 0.0
    """Seconds the compute took where it ran (a worker's count towards the run's time)."""


def compute(settings: Settings, context: PipelineContext, load: LoadStep) -> Computed:
    """The plan and the feed from a context and its load analysis (no store)."""
    plan = compute_plan(settings, context, load.analysis)
    body, render_problems = render(settings, context, plan, load.analysis)
    days = tuple(views_of(load.analysis.days, context.today))
    return Computed(context.athlete.id, plan, days, body, (*load.problems, *render_problems))


def views_of(days: Sequence[DayLoad], today: date) -> list[DayView]:
    """The stored form of an analysis' days: the last four weeks and the forecast.

    The acute:chronic ratio is kept only where it means something (`ratio_from`: 3
    weeks of runs behind it), so no page, chart or squad table shows a ratio of 2 to
    a runner who started last week."""
    first, since = today - timedelta(days=KEPT_PAST_DAYS), ratio_from(days)
    return [
        DayView(
            day=day.day,
            day_class=day.day_class,
            reason=day.reason,
            class_source=day.class_source,
            forecast=day.forecast,
            load=round(day.load, 1),
            distance_m=round(day.distance_m, 1),
            atl=round(day.atl, 2),
            ctl=round(day.ctl, 2),
            acwr=(
                round(day.acwr, 3)
                if day.acwr is not None and ratio_means_something(day.day, since)
                else None
            ),
        )
        for day in days
        if day.day >= first
    ]


# ---------------------------------------------------------------- write


def write_results(runtime: Runtime, computed: Computed) -> tuple[int, bool]:
    """The write step, one transaction: (sessions written, feed changed)."""
    with runtime.store.write() as tx:
        scope = tx.athlete(computed.athlete_id)
        written = scope.sessions.save_plan(computed.plan.plan)
        scope.days.replace(computed.days)
        feed_changed = False
        if computed.feed is not None:
            etag = feed_etag(computed.feed)
            rendered = RenderedFeed(computed.athlete_id, computed.feed, etag, clock.now(), etag)
            feed_changed = scope.feed.store_rendered(rendered)
    return written, feed_changed


def publish(
    runtime: Runtime,
    computed: Computed,
    *,
    trigger: str,
    syncs: tuple[SyncSummary, ...] = (),
) -> RefreshResult:
    """Write what was computed and say what the run did."""
    written, feed_changed = write_results(runtime, computed)
    channels = channels_to_push(runtime, computed.athlete_id) if written else ()
    return RefreshResult(
        athlete_id=computed.athlete_id,
        trigger=trigger,
        syncs=syncs,
        changes=computed.plan.changes,
        moved=computed.plan.moved,
        sessions_written=written,
        feed_changed=feed_changed,
        problems=computed.problems,
        push_channels=channels,
    )


# ---------------------------------------------------------------- the runs


def analyse(runtime: Runtime, athlete: Athlete) -> LoadAnalysis:
    """The load analysis the planner sees, read and computed now."""
    return load_step(runtime, read_context(runtime, athlete)).analysis


def refresh_athlete(
    runtime: Runtime,
    athlete_id: int,
    *,
    trigger: str,
    sync: bool = True,
    sources: Sequence[Source] | None = None,
    full: bool = False,
    progress: ProgressCallback | None = None,
) -> RefreshResult:
    """Run the whole pipeline for one athlete under their lock."""

    def step(athlete: Athlete) -> tuple[None, RefreshResult]:
        syncs = sync_sources(runtime, athlete, sources, full, progress) if sync else ()
        context = read_context(runtime, athlete)
        return None, replan_and_publish(runtime, context, None, trigger=trigger, syncs=syncs)

    return _run(runtime, athlete_id, trigger, step)[1]


class Decision:
    """What a decision sees: the pipeline's context, and the load analysis on first use."""

    def __init__(self, runtime: Runtime, context: PipelineContext) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.context = context
        self._load: LoadStep | None = None

    @property
    def load(self) -> LoadStep:
        if self._load is None:
            self._load = load_step(self.runtime, self.context)
        return self._load

    @property
    def computed_load(self) -> LoadStep | None:
        """The load analysis when a check asked for it (the replan then reuses it)."""
        return self._load


def decide_and_replan(
    runtime: Runtime,
    athlete_id: int,
    *,
    trigger: str,
    decide: Callable[[Decision], tuple[Override, T]],
) -> tuple[T, RefreshResult]:
    """One decision of the runner's, then the replan, under the athlete's lock.

    `decide` checks the decision against the context (it raises before anything
    is written when the decision is refused) and returns the override to record.
    The replan reuses the same context and, when the decision needed it, the same
    load analysis: recording an override changes neither the activities nor the
    plan sources, and the lock keeps a sync from changing them meanwhile.
    """

    def step(athlete: Athlete) -> tuple[T, RefreshResult]:
        decision = Decision(runtime, read_context(runtime, athlete))
        override, value = decide(decision)
        with runtime.store.write() as tx:
            stored = tx.athlete(athlete.id).overrides.append(override)
        overrides = sorted(  # the log's own order (`OverrideLog.all`): by time, then id
            (*decision.context.overrides, stored), key=lambda o: (o.at, o.id or 0)
        )
        context = replace(decision.context, overrides=tuple(overrides))
        return value, replan_and_publish(runtime, context, decision.computed_load, trigger=trigger)

    return _run(runtime, athlete_id, trigger, step)


def replan_after_change(runtime: Runtime, athlete_id: int, *, reason: str) -> RefreshResult:
    """Replan now, without a sync, after the runner changed something (a check-in, a profile).

    Every change replans and re-renders the feed at once, whether or not the
    service is running; the lock keeps it from overlapping a service refresh.
    """
    return refresh_athlete(runtime, athlete_id, trigger=reason, sync=False)


def _run(
    runtime: Runtime,
    athlete_id: int,
    trigger: str,
    step: Callable[[Athlete], tuple[T, RefreshResult]],
) -> tuple[T, RefreshResult]:
    """Lock, find the athlete, run `step`, then record the run and log it."""
    started = clock.now()
    began = time.perf_counter()
    store = runtime.store
    with athlete_lock(store, runtime.home, athlete_id):
        with store.read() as tx:
            athlete = tx.athletes.by_id(athlete_id)
        if athlete is None:
            raise SourceError(f"athlete {athlete_id} no longer exists")
        value, result = step(athlete)
    return value, record_run(runtime, result, started, time.perf_counter() - began)


def record_run(
    runtime: Runtime, result: RefreshResult, started: datetime, duration_s: float
) -> RefreshResult:
    """Record what a run did in `pipeline_runs`, and log it."""
    result = replace(result, duration_s=duration_s)
    with runtime.store.write() as tx:
        tx.athlete(result.athlete_id).runs.record(
            result.trigger,
            started,
            clock.now(),
            "ok" if not result.problems else "partial",
            result.summary(),
        )
    log.info(
        "refresh done",
        extra={
            "athlete_id": result.athlete_id,
            "trigger": result.trigger,
            "new_activities": result.new_activities,
            "moved": len(result.moved),
            "feed_changed": result.feed_changed,
            "duration_s": round(result.duration_s, 4),
        },
    )
    return result


def replan_and_publish(
    runtime: Runtime,
    context: PipelineContext,
    load: LoadStep | None,
    *,
    trigger: str,
    syncs: tuple[SyncSummary, ...] = (),
) -> RefreshResult:
    load = load or load_step(runtime, context)
    return publish(runtime, compute(runtime.settings, context, load), trigger=trigger, syncs=syncs)


def channels_to_push(runtime: Runtime, athlete_id: int) -> tuple[int, ...]:
    """The plan changed: every push channel lags from now; the ones to push (paused wait).

    A failure here never fails the run: the feed is published, and the daily
    push brings the channels in step.
    """
    try:
        return tuple(push_admin.note_plan_changed(runtime.store, athlete_id))
    except Exception:
        log.exception("push channels not noted; the daily push will catch up")
        return ()


# ---------------------------------------------------------------- sync


def sync_sources(
    runtime: Runtime,
    athlete: Athlete,
    sources: Sequence[Source] | None,
    full: bool,
    progress: ProgressCallback | None = None,
) -> tuple[SyncSummary, ...]:
    """The sync step: Strava work a webhook announced first, then polling `sources`.

    `sources` None polls every connected source; an empty tuple polls none (a
    webhook refresh only does its announced work). A source that fails stops
    with its reason in its summary; the replan after it runs all the same.
    """

    from syncsvc.sources.strava_announcements import process_pending  # noqa: PLC0415 - requests: sync only
    from syncsvc.sources.sync import connected_sources, sync_athlete  # noqa: PLC0415 - requests: sync only

    summaries: list[SyncSummary] = []
    announced = process_pending(runtime.store, runtime.settings, athlete)
    if announced.did_anything:
        summaries.append(announced.summary())
    connected = connected_sources(runtime.store, athlete.id)
    chosen = connected if sources is None else [s for s in sources if s in connected]
    if chosen:
        for outcome in sync_athlete(
            runtime.store, runtime.settings, athlete, sources=chosen, full=full, progress=progress
        ):
            summary = outcome.summary
            if outcome.error is not None and not summary.stopped:
                summary = replace(summary, stopped=outcome.error.one_line())
            summaries.append(summary)
    return _one_per_source(summaries)


def _one_per_source(summaries: Sequence[SyncSummary]) -> tuple[SyncSummary, ...]:
    """Announced Strava work and the Strava poll reported as one Strava summary."""
    combined: dict[Source, SyncSummary] = {}
    for summary in summaries:
        seen = combined.get(summary.source)
        if seen is None:
            combined[summary.source] = summary
            continue
        combined[summary.source] = SyncSummary(
            source=summary.source,
            fetched=seen.fetched + summary.fetched,
            new=seen.new + summary.new,
            updated=seen.updated + summary.updated,
            merged=seen.merged + summary.merged,
            skipped=seen.skipped + summary.skipped,
            deleted=seen.deleted + summary.deleted,
            requests=seen.requests + summary.requests,
            stopped="; ".join(s for s in (seen.stopped, summary.stopped) if s),
            problems=seen.problems + summary.problems,
        )
    return tuple(combined.values())
