"""Getting runs in from the CLI: `sync`, `import`, `activities unlink`, each then replanned."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from syncsvc.api.pipeline import ProgressCallback, RefreshResult, refresh_athlete
from syncsvc.domain import Source
from syncsvc.errors import AuthError
from syncsvc.runtime import Runtime
from syncsvc.store.locks import athlete_lock

if TYPE_CHECKING:
    from syncsvc.sources.imports import ImportReport


def sync_now(
    runtime: Runtime,
    *,
    sources: Sequence[Source] | None = None,
    full: bool = False,
    progress: ProgressCallback | None = None,
) -> RefreshResult:
    """Sync (all connected sources, or the named ones), then replan and publish."""
    from syncsvc.sources.sync import connected_sources

    athlete = runtime.athlete()
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


def import_now(runtime: Runtime, paths: list[Path]) -> tuple[ImportReport, str]:
    """Import files, then replan when they brought something new; (report, replan note)."""
    from syncsvc.api.connections import run_import
    from syncsvc.api.hooks import after_change

    athlete = runtime.athlete()
    # Under the athlete's lock, like every sync: a service refresh never merges beside it.
    with athlete_lock(runtime.store, runtime.home, athlete.id):
        report = run_import(runtime, paths)
    if not (report.new or report.updated):
        return report, ""
    return report, after_change(runtime, athlete.id, reason="files imported")


def unlink_now(runtime: Runtime, record_id: int) -> tuple[list[int], str]:
    """Undo a wrong merge, then replan (the day's load changed); (records set apart, note)."""
    from syncsvc.api.connections import unlink_activity
    from syncsvc.api.hooks import after_change

    athlete = runtime.athlete()
    with athlete_lock(runtime.store, runtime.home, athlete.id):
        apart = unlink_activity(runtime, record_id)
    return apart, after_change(runtime, athlete.id, reason="activity unlinked")
