"""`syncsvc import PATH...`: files, folders and export archives into the store.

Records go in batches, each in one short write transaction with its merge. A
damaged file is reported and skipped; the rest imports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from syncsvc import clock
from syncsvc.config import Settings
from syncsvc.domain import Athlete, Source, SourceRecord
from syncsvc.sources.archives import walk
from syncsvc.sources.files import DamagedFile, activity_format, parse_activity_file
from syncsvc.sources.ingest import store_records
from syncsvc.store.database import Store

BATCH_SIZE = 200


FUTURE_GRACE = timedelta(hours=1)
"""Clocks drift: an activity an hour ahead is not called future-dated."""


@dataclass
class ImportReport:
    files: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    damaged: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def import_paths(
    store: Store,
    settings: Settings,
    athlete: Athlete,
    paths: list[Path],
    *,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    report = ImportReport()
    merge = settings.merge
    batch: list[SourceRecord] = []

    def flush() -> None:
        if not batch:
            return
        result = store_records(store, athlete.id, Source.FILE, batch, [], merge)
        report.new += result.new
        report.updated += result.updated
        report.unchanged += len(batch) - result.new - result.updated
        report.merged += result.merged
        batch.clear()
        if progress is not None:
            progress(report.files)

    for entry in walk(paths):
        if entry.problem:
            if activity_format(entry.name) is not None or entry.name.endswith(".zip"):
                report.damaged.append((entry.name, entry.problem))
            else:
                report.notes.append(f"{entry.name}: {entry.problem}")
            continue
        report.files += 1
        try:
            record = parse_activity_file(
                entry.name, entry.data, athlete_timezone=athlete.profile.timezone, hints=entry.hints
            )
        except DamagedFile as error:
            report.damaged.append((entry.name, str(error)))
            continue
        problem = record.raw["summary"].get("problem") if isinstance(record.raw, dict) else None
        if problem:
            report.notes.append(f"{entry.name}: {problem}")
        if record.activity.start_utc > clock.now() + FUTURE_GRACE:
            report.notes.append(
                f"{entry.name}: dated {record.activity.start_utc:%Y-%m-%d %H:%M} UTC, in the "
                "future: imported all the same; check the device's clock"
            )
        batch.append(record)
        if len(batch) >= BATCH_SIZE:
            flush()
    flush()
    return report
