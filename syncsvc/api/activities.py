"""Getting runs in and seeing them: `sync`, `import`, `activities`, `activities unlink`.

Each way in ends in a replan (through the pipeline) when it brought something
new. Every import and unlink runs under the athlete's lock, like every sync: a
service refresh never merges beside it. The load of each listed activity comes
from the pipeline's own read and load steps, so `activities` shows the loads the
planner sees.

The sources (their HTTP clients and file parsers) load inside the function
that uses them, so `syncsvc plan` does not pay for them at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from syncsvc.api.pipeline import (
    ProgressCallback,
    RefreshResult,
    load_step,
    read_context,
    refresh_athlete,
    replan_after_change,
    replan_note,
)
from syncsvc.domain import Athlete, Source
from syncsvc.errors import AuthError, NotFoundError
from syncsvc.runtime import Runtime
from syncsvc.sources.ingest import remerge
from syncsvc.store.activities import ActivityGroup
from syncsvc.store.locks import athlete_lock

if TYPE_CHECKING:
    from syncsvc.sources.imports import ImportReport


@dataclass(frozen=True, slots=True)
class ActivityListing:
    """One merged activity as `activities` lists it, with our load of it."""

    group: ActivityGroup
    load: float | None
    load_method: str | None


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    report: ImportReport
    replanned: str
    """The replan's note; empty when the files brought nothing new (no replan)."""


@dataclass(frozen=True, slots=True)
class UnlinkOutcome:
    apart: tuple[int, ...]
    """The ids of the records set apart."""
    replanned: str


def sync_now(
    runtime: Runtime,
    athlete: Athlete,
    *,
    sources: Sequence[Source] | None = None,
    full: bool = False,
    progress: ProgressCallback | None = None,
) -> RefreshResult:
    """Sync (all connected sources, or the named ones), then replan and publish."""
    from syncsvc.sources.sync import connected_sources  # noqa: PLC0415 - requests: sync only

    connected = connected_sources(runtime.store, athlete.id)
    for source in sources or ():
        if source not in connected:
            raise AuthError(
                f"{source.value.title()} is not connected", hint=f"run syncsvc auth {source.value}"
            )
    if not connected:
        raise AuthError(
            "no source is connected",
            hint="run syncsvc auth strava or syncsvc auth garmin, or syncsvc import FILES",
        )
    return refresh_athlete(
        runtime, athlete.id, trigger="cli sync", sources=sources, full=full, progress=progress
    )


def import_files(
    runtime: Runtime,
    athlete: Athlete,
    paths: list[Path],
    *,
    progress: Callable[[int], None] | None = None,
) -> ImportOutcome:
    """Import files, then replan when they brought something new."""
    from syncsvc.sources.imports import import_paths  # noqa: PLC0415 - requests: sync only

    with athlete_lock(runtime.store, runtime.home, athlete.id):
        report = import_paths(runtime.store, runtime.settings, athlete, paths, progress=progress)
    if not (report.new or report.updated):
        return ImportOutcome(report, "")
    result = replan_after_change(runtime, athlete.id, reason="files imported")
    return ImportOutcome(report, replan_note(result))


def list_activities(
    runtime: Runtime, athlete: Athlete, *, days: int | None
) -> list[ActivityListing]:
    """Merged activities, oldest first; `days`: the last N local days, today included."""
    context = read_context(runtime, athlete)
    since: date | None = None
    if days is not None:
        since = context.today - timedelta(days=days - 1)
    with runtime.store.read() as tx:
        all_groups = tx.athlete(athlete.id).activities.groups()
    loads: dict[int | None, tuple[float, str]] = {}
    if all_groups:
        analysis = load_step(runtime, context).analysis
        loads = {a.activity_id: (a.load, a.method.value) for a in analysis.activity_loads}
    return [
        ActivityListing(group, *loads.get(group.activity.id, (None, None)))
        for group in all_groups
        if since is None or group.activity.local_date >= since
    ]


def unlink_activity(runtime: Runtime, athlete: Athlete, record_id: int) -> UnlinkOutcome:
    """Undo a wrong merge: the record leaves its group and never merges again; then replan.

    Given the winner's id, the whole group splits (every record is kept apart).
    """
    with athlete_lock(runtime.store, runtime.home, athlete.id):
        apart = _set_apart(runtime, athlete, record_id)
    result = replan_after_change(runtime, athlete.id, reason="activity unlinked")
    return UnlinkOutcome(tuple(apart), replan_note(result))


def _set_apart(runtime: Runtime, athlete: Athlete, record_id: int) -> list[int]:
    with runtime.store.write() as tx:
        repository = tx.athlete(athlete.id).activities
        record = repository.record(record_id)
        if record is None:
            raise NotFoundError(
                f"no activity record {record_id}", hint="syncsvc activities --json lists them"
            )
        winner_id = record.merged_into_id or record_id
        group = [
            stored
            for stored in repository.records(
                since_utc=record.activity.start_utc - timedelta(hours=6),
                until_utc=record.activity.start_utc + timedelta(hours=6),
            )
            if stored.activity.id == winner_id or stored.merged_into_id == winner_id
        ]
        apart = (
            [record_id]
            if record.merged_into_id is not None
            else [stored.activity.id for stored in group if stored.activity.id is not None]
        )
        for activity_id in apart:
            repository.set_never_merge(activity_id, True)
        start = record.activity.start_utc
        remerge(repository, start, start, runtime.settings.merge)
    return apart
