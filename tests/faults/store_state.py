"""What "the store ends equivalent" means: records by source id, merge groups, cursors.

Timestamps (attempts, successes, `updated_at`), logs and pipeline runs are left
aside, as the issue says; duplicates are counted, not hidden by a set.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from syncsvc.domain import Source
from syncsvc.store.database import Store


@dataclass(frozen=True)
class SyncState:
    records: tuple[tuple[str, str], ...]
    """(source, source id) of every stored record, sorted, duplicates kept."""
    groups: frozenset[frozenset[tuple[str, str]]]
    """Each merged activity as the set of its records."""
    cursors: tuple[tuple[str, datetime | None, str], ...]
    """(source, newest start, last error) of each cursor."""
    skipped: tuple[tuple[str, str], ...]

    def duplicates(self) -> list[tuple[str, str]]:
        return [key for key, count in Counter(self.records).items() if count > 1]


def sync_state(store: Store, athlete_id: int) -> SyncState:
    with store.read() as tx:
        scope = tx.athlete(athlete_id)
        stored = scope.activities.records()
        groups = scope.activities.groups()
        cursors = [scope.cursors.get(source) for source in (Source.STRAVA, Source.GARMIN)]
        skipped = scope.activities.skipped()
    records = sorted((r.activity.source.value, r.activity.source_id) for r in stored)
    return SyncState(
        records=tuple(records),
        groups=frozenset(
            frozenset((r.activity.source.value, r.activity.source_id) for r in group.records)
            for group in groups
        ),
        cursors=tuple(
            (cursor.source.value, cursor.newest_start_utc, cursor.last_error) for cursor in cursors
        ),
        skipped=tuple(sorted((s.source.value, s.source_id) for s in skipped)),
    )
