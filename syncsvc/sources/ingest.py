"""Store one page of source records in one short write transaction, then re-merge.

A page either commits whole (its records, its skipped records, the merge around
them, and the cursor move) or not at all, so the cursor never passes an activity
that is not stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from syncsvc.domain import Source, SourceRecord
from syncsvc.sources.dedupe import merge_groups, record_key
from syncsvc.sources.records import MalformedRecord
from syncsvc.sources.settings import MergeSettings
from syncsvc.store.activities import ActivityRepository, UpsertOutcome
from syncsvc.store.database import Store, Transaction


@dataclass
class PageResult:
    fetched: int = 0
    new: int = 0
    updated: int = 0
    merged: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)
    starts: list[datetime] = field(default_factory=list)
    """Start instants of the page's valid records."""
    seen_ids: list[str] = field(default_factory=list)
    """Source ids of every record on the page, valid or not (for `sync --full`)."""

    @property
    def newest_start(self) -> datetime | None:
        return max(self.starts, default=None)

    @property
    def oldest_start(self) -> datetime | None:
        return min(self.starts, default=None)


def normalise_page(
    raws: Sequence[Any],
    normalise: Callable[[Any], SourceRecord],
    id_of: Callable[[Any], str],
) -> tuple[list[SourceRecord], list[tuple[str, str, Any]], list[str]]:
    """Valid records, malformed ones as (id, problem, raw), and every id seen."""
    records: list[SourceRecord] = []
    malformed: list[tuple[str, str, Any]] = []
    seen: list[str] = []
    for raw in raws:
        source_id = id_of(raw)
        seen.append(source_id)
        try:
            records.append(normalise(raw))
        except MalformedRecord as error:
            malformed.append((source_id, str(error), raw))
    return records, malformed, seen


def store_records(
    store: Store,
    athlete_id: int,
    source: Source,
    records: Sequence[SourceRecord],
    malformed: Sequence[tuple[str, str, Any]],
    merge: MergeSettings,
    *,
    after_commit_values: Callable[[Transaction, PageResult], None] | None = None,
) -> PageResult:
    """Upsert, record the malformed, re-merge around the page: one transaction."""
    result = PageResult(fetched=len(records) + len(malformed), skipped=len(malformed))
    result.starts = [record.activity.start_utc for record in records]
    with store.write() as tx:
        repository = tx.athlete(athlete_id).activities
        for source_id, problem, raw in malformed:
            repository.record_skipped(source, source_id, problem, raw)
            result.problems.append(f"{source.value} {source_id}: {problem}")
        if records:
            outcomes = repository.upsert_many(records)
            result.new = outcomes.count(UpsertOutcome.NEW)
            result.updated = outcomes.count(UpsertOutcome.UPDATED)
            result.merged = remerge(repository, min(result.starts), max(result.starts), merge)
        if after_commit_values is not None:
            after_commit_values(tx, result)
    return result


def store_page(
    store: Store,
    athlete_id: int,
    source: Source,
    raws: Sequence[Any],
    normalise: Callable[[Any], SourceRecord],
    id_of: Callable[[Any], str],
    merge: MergeSettings,
    *,
    in_transaction: Callable[[Transaction, PageResult], None] | None = None,
) -> PageResult:
    records, malformed, seen = normalise_page(raws, normalise, id_of)
    result = store_records(
        store, athlete_id, source, records, malformed, merge, after_commit_values=in_transaction
    )
    result.seen_ids = seen
    return result


def delete_missing(
    store: Store, athlete_id: int, source: Source, seen_ids: set[str], merge: MergeSettings
) -> int:
    """`sync --full`: remove records the source no longer has; merged groups keep the rest."""
    with store.write() as tx:
        repository = tx.athlete(athlete_id).activities
        gone = sorted(repository.source_ids(source) - seen_ids)
        return delete_and_remerge(tx, athlete_id, source, gone, merge)


def delete_and_remerge(
    tx: Transaction,
    athlete_id: int,
    source: Source,
    source_ids: Sequence[str],
    merge: MergeSettings,
) -> int:
    repository = tx.athlete(athlete_id).activities
    starts = repository.starts_of(source, source_ids)
    deleted = repository.delete_records(source, list(source_ids))
    if starts:
        remerge(repository, min(starts), max(starts), merge)
    return deleted


def remerge(
    activities: ActivityRepository, since_utc: datetime, until_utc: datetime, merge: MergeSettings
) -> int:
    """Recompute the merge groups around [since, until]; return how many records got linked.

    The window is padded by `merge.window_pad_s` on both sides, so every group
    touching it is seen whole (a group spans a few minutes at most). Runs in the
    caller's transaction: the links move with the records that moved them.
    """
    pad = timedelta(seconds=merge.window_pad_s)
    candidates = activities.merge_candidates(since_utc - pad, until_utc + pad)
    never = [record_key(c.activity) for c in candidates if c.never_merge]
    winners = merge_groups([c.activity for c in candidates], merge, never)
    id_of = {record_key(c.activity): c.id for c in candidates}
    links: dict[int, int | None] = {}
    linked = 0
    for candidate in candidates:
        key = record_key(candidate.activity)
        target = None if winners[key] == key else id_of[winners[key]]
        if candidate.merged_into_id != target:
            links[candidate.id] = target
            if candidate.merged_into_id is None and target is not None:
                linked += 1
    activities.set_merges(links)
    return linked


def remerge_all(activities: ActivityRepository, merge: MergeSettings) -> int:
    """Recompute every merge group of the athlete (after a settings change, say)."""
    bounds = activities.start_range()
    if bounds is None:
        return 0
    return remerge(activities, *bounds, merge)
