"""The one pipeline: refresh one athlete.

Sync the sources that have something new, recompute the load series and
forecast, replan what is ahead, store the plan and re-render the feed. The
CLI's `sync` and `replan`, the scheduled jobs and the webhook all call
`refresh_athlete`; there is no second copy.

It holds the athlete's lock for its whole run (two refreshes never overlap), is
idempotent (a second run with nothing new writes nothing), and records what it
did in `pipeline_runs` and the log. Reads happen in one short transaction, the
pure work (load, planner, feed) outside any transaction, and the results are
written in one short write transaction, so the CLI stays responsive while the
service runs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syncsvc import clock
from syncsvc.api.day_views import views_of
from syncsvc.domain import (
    Activity,
    Athlete,
    PlannedWorkout,
    RenderedFeed,
    Source,
    Sport,
    SyncSummary,
)
from syncsvc.errors import SourceError
from syncsvc.runtime import Runtime
from syncsvc.store.locks import athlete_lock

if TYPE_CHECKING:
    from syncsvc.load.result import LoadAnalysis
    from syncsvc.planner.model import Change
    from syncsvc.programme.catalogue import Catalogue

log = logging.getLogger(__name__)

ProgressCallback = Callable[[Source, int], None]
"""Called with a source and its count of activities fetched so far (the CLI's progress bar)."""


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

    @property
    def new_activities(self) -> int:
        return sum(s.new + s.updated + s.deleted for s in self.syncs)

    def summary(self) -> dict[str, Any]:
        return {
            "trigger": self.trigger,
            "syncs": [{"source": s.source.value, **sync_summary_json(s)} for s in self.syncs],
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


def sync_summary_json(summary: SyncSummary) -> dict[str, Any]:
    """One source's sync as `sync --json` prints it and `pipeline_runs` records it."""
    return {
        "fetched": summary.fetched,
        "new": summary.new,
        "updated": summary.updated,
        "merged": summary.merged,
        "skipped": summary.skipped,
        "deleted": summary.deleted,
        "requests": summary.requests,
        "stopped": summary.stopped,
        "problems": list(summary.problems),
    }


@dataclass(frozen=True, slots=True)
class _Inputs:
    athlete: Athlete
    activities: tuple[Activity, ...]
    plan_sources: tuple[tuple[str, bytes], ...]
    current: tuple[Any, ...]
    overrides: tuple[Any, ...]
    checkins: tuple[Any, ...]
    uid_host: str


def local_today(athlete: Athlete) -> date:
    return clock.today_in(athlete.profile.timezone)


@lru_cache(maxsize=8)
def _catalogue(path: Path | None) -> Catalogue:
    from syncsvc.programme.catalogue import load_catalogue

    return load_catalogue(path)


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
    started = clock.now()
    began = time.perf_counter()
    store = runtime.store
    with athlete_lock(store, runtime.home, athlete_id):
        with store.read() as tx:
            athlete = tx.athletes.by_id(athlete_id)
        if athlete is None:
            raise SourceError(f"athlete {athlete_id} no longer exists")
        syncs = sync_sources(runtime, athlete, sources, full, progress) if sync else ()
        result = _replan_and_publish(runtime, athlete, trigger=trigger, syncs=syncs)
    result = replace(result, duration_s=time.perf_counter() - began)
    with store.write() as tx:
        tx.athlete(athlete_id).runs.record(
            trigger,
            started,
            clock.now(),
            "ok" if not result.problems else "partial",
            result.summary(),
        )
    log.info(
        "refresh done",
        extra={
            "athlete_id": athlete_id,
            "trigger": trigger,
            "new_activities": result.new_activities,
            "moved": len(result.moved),
            "feed_changed": result.feed_changed,
            "duration_s": round(result.duration_s, 4),
        },
    )
    return result


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
    from syncsvc.sources.strava_announcements import process_pending
    from syncsvc.sources.sync import connected_sources, sync_athlete

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


def _read_inputs(runtime: Runtime, athlete: Athlete) -> _Inputs:
    with runtime.store.read() as tx:
        scope = tx.athlete(athlete.id)
        return _Inputs(
            athlete=athlete,
            activities=tuple(scope.activities.merged()),
            plan_sources=tuple(
                (source.name, source.content)
                for source in scope.plan_sources.all()
                if source.content is not None
            ),
            current=tuple(scope.sessions.all()),
            overrides=tuple(scope.overrides.all()),
            checkins=tuple(scope.checkins.all()),
            uid_host=tx.store_info().uid_host,
        )


def planned_workouts(
    runtime: Runtime,
    athlete: Athlete,
    plan_sources: Sequence[tuple[str, bytes]],
    today: date,
    horizon_days: int,
) -> tuple[tuple[PlannedWorkout, ...], tuple[str, ...]]:
    """Workouts of the imported training plans over the forecast window."""
    from syncsvc.load.plan_source import parse_plan

    workouts: list[PlannedWorkout] = []
    problems: list[str] = []
    for name, content in plan_sources:
        try:
            workouts.extend(
                parse_plan(
                    content,
                    source_name=name,
                    start=today,
                    end=today + timedelta(days=horizon_days),
                    timezone=athlete.profile.timezone,
                    settings=runtime.settings.load.plan,
                )
            )
        except SourceError as error:
            problems.append(f"plan source {name}: {error.message}")
    return tuple(workouts), tuple(problems)


def analyse(runtime: Runtime, athlete: Athlete) -> LoadAnalysis:
    """The load analysis the planner sees (also what `syncsvc load` shows)."""
    analysis, _ = _analyse(runtime, athlete, _read_inputs(runtime, athlete), local_today(athlete))
    return analysis


def _analyse(
    runtime: Runtime, athlete: Athlete, inputs: _Inputs, today: date
) -> tuple[LoadAnalysis, tuple[str, ...]]:
    from syncsvc.load import analyse_load

    horizon_days = runtime.settings.planner.horizon_weeks * 7 + 7
    planned, problems = planned_workouts(runtime, athlete, inputs.plan_sources, today, horizon_days)
    analysis = analyse_load(
        inputs.activities,
        athlete.profile,
        runtime.settings.load,
        today,
        horizon_days=horizon_days,
        planned=planned,
    )
    return analysis, problems


def _replan_and_publish(
    runtime: Runtime, athlete: Athlete, *, trigger: str, syncs: tuple[SyncSummary, ...]
) -> RefreshResult:
    from syncsvc.feed import feed_etag, render_feed
    from syncsvc.planner.model import PlanInputs
    from syncsvc.planner.replan import replan

    settings = runtime.settings
    inputs = _read_inputs(runtime, athlete)
    today = local_today(athlete)
    analysis, problems = _analyse(runtime, athlete, inputs, today)
    result = replan(
        PlanInputs(
            athlete_id=athlete.id,
            profile=athlete.profile,
            now=clock.now(),
            today=today,
            days=analysis.days,
            weeks=analysis.weeks,
            current=inputs.current,
            overrides=inputs.overrides,
            checkins=inputs.checkins,
            strength_activities=tuple(
                a for a in inputs.activities if a.sport in (Sport.STRENGTH, Sport.MOBILITY)
            ),
            horizon_weeks=settings.planner.horizon_weeks,
        ),
        settings.planner,
        _catalogue(settings.planner.programme.catalogue_path),
    )
    rendered: RenderedFeed | None = None
    try:
        body = render_feed(
            athlete=athlete,
            sessions=result.plan.sessions,
            host=inputs.uid_host,
            settings=settings.feed,
            today=today,
            mobility=result.plan.mobility,
            day_loads=analysis.days,
        )
        etag = feed_etag(body)
        rendered = RenderedFeed(athlete.id, body, etag, clock.now(), etag)
    except Exception as error:  # keep serving the last good bytes; say why
        log.exception("feed render failed; the last good feed stays published")
        problems = (*problems, f"feed render failed: {type(error).__name__}")
    with runtime.store.write() as tx:
        scope = tx.athlete(athlete.id)
        written = scope.sessions.save_plan(result.plan)
        scope.days.replace(views_of(analysis.days, today))
        feed_changed = scope.feed.store_rendered(rendered) if rendered is not None else False
    return RefreshResult(
        athlete_id=athlete.id,
        trigger=trigger,
        syncs=syncs,
        changes=result.changes,
        moved=result.moved,
        sessions_written=written,
        feed_changed=feed_changed,
        problems=problems,
    )
