"""An athlete's activity records: one row per source record, merged into groups."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session as OrmSession

from syncsvc import clock
from syncsvc.domain import Activity, Source, SourceRecord, Sport
from syncsvc.store.convert import (
    ACTIVITY_COLUMNS,
    SOURCE_OF,
    activity_from_row,
    activity_from_values,
    activity_values,
)
from syncsvc.store.schema import ActivityRow, SkippedRecordRow
from syncsvc.store.sets import AthleteIds, among, by_athlete


class UpsertOutcome(StrEnum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A source record as stored, with its merge link."""

    activity: Activity
    merged_into_id: int | None
    never_merge: bool


@dataclass(frozen=True, slots=True)
class ActivityGroup:
    """One merged activity (the winner, naming every source) and all its records."""

    activity: Activity
    records: tuple[StoredRecord, ...]


@dataclass(frozen=True, slots=True)
class MergeCandidate:
    """A record as the merge reads it: `activity` holds only the `MERGE_COLUMNS`."""

    id: int
    activity: Activity
    merged_into_id: int | None
    never_merge: bool


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    source: Source
    source_id: str
    problem: str
    seen_at: datetime


MERGE_COLUMNS = (
    ActivityRow.id,
    ActivityRow.source,
    ActivityRow.source_id,
    ActivityRow.merged_into_id,
    ActivityRow.never_merge,
    ActivityRow.start_utc,
    ActivityRow.sport,
    ActivityRow.sport_raw,
    ActivityRow.distance_m,
    ActivityRow.moving_s,
    ActivityRow.elapsed_s,
    ActivityRow.avg_hr,
    ActivityRow.external_id,
)
"""What the merge reads of a record (sources/dedupe.py)."""


def _merge_view(row: Any) -> Activity:
    return Activity(
        id=row.id,
        source=Source(row.source),
        source_id=row.source_id,
        start_utc=row.start_utc,
        sport=Sport(row.sport),
        sport_raw=row.sport_raw,
        distance_m=row.distance_m,
        moving_s=row.moving_s,
        elapsed_s=row.elapsed_s,
        avg_hr=row.avg_hr,
        external_id=row.external_id,
    )


WINNER_COLUMNS = tuple(getattr(ActivityRow, name) for name in ACTIVITY_COLUMNS)
"""What `merged()` reads of a group's winning record: the `ACTIVITY_COLUMNS`, in order."""


def merged_of(
    orm: OrmSession, athlete_ids: AthleteIds, *, since_date: date | None = None
) -> dict[int, list[Activity]]:
    """Some athletes' activities, one per merge group (the winning record) naming every
    source, each athlete's by start.

    Read as plain rows of the normalised columns only: the pipeline reads every
    activity of the history on each run, and neither the raw JSON nor ORM
    objects are needed for that (they made up most of its time). The winners'
    rows are unpacked by position (`activity_from_values`), not read by column
    name; of the records merged into them (a third of a two-source history)
    only the link and the source are read.
    """
    winners = select(*WINNER_COLUMNS).where(
        among(ActivityRow.athlete_id, athlete_ids), ActivityRow.merged_into_id.is_(None)
    )
    if since_date is not None:
        winners = winners.where(ActivityRow.local_date >= since_date)
    rows = orm.execute(
        winners.order_by(ActivityRow.athlete_id, ActivityRow.start_utc, ActivityRow.id)
    ).all()
    joined: dict[int, set[Source]] = defaultdict(set)
    for winner_id, source in orm.execute(
        select(ActivityRow.merged_into_id, ActivityRow.source).where(
            among(ActivityRow.athlete_id, athlete_ids), ActivityRow.merged_into_id.is_not(None)
        )
    ):
        if winner_id is not None:  # always, by the query; the column is nullable
            joined[winner_id].add(SOURCE_OF[source])
    return by_athlete((row[1], activity_from_values(row, _sources(row, joined))) for row in rows)


def _sources(winner: Sequence[Any], joined: Mapping[int, set[Source]]) -> tuple[Source, ...]:
    """Every source of a winner's group: its own, and those of the records merged into it."""
    own = SOURCE_OF[winner[2]]  # (id, athlete_id, source, ...): the ACTIVITY_COLUMNS
    others = joined.get(winner[0])
    return tuple(sorted({own, *others})) if others else (own,)


class ActivityRepository:
    def __init__(self, orm: OrmSession, athlete_id: int) -> None:
        self.orm = orm
        self.athlete_id = athlete_id

    def _scoped(self) -> Any:
        return select(ActivityRow).where(ActivityRow.athlete_id == self.athlete_id)

    def upsert(self, record: SourceRecord) -> tuple[int, UpsertOutcome]:
        activity = record.activity
        values = activity_values(activity)
        raw_json = json.dumps(record.raw, sort_keys=True, default=str)
        row = self.orm.scalar(
            self._scoped().where(
                ActivityRow.source == activity.source.value,
                ActivityRow.source_id == activity.source_id,
            )
        )
        now = clock.now()
        if row is None:
            row = ActivityRow(
                athlete_id=self.athlete_id,
                source=activity.source.value,
                source_id=activity.source_id,
                raw_json=raw_json,
                fetched_at=now,
                updated_at=now,
                **values,
            )
            self.orm.add(row)
            self.orm.flush()
            return row.id, UpsertOutcome.NEW
        changed = any(getattr(row, name) != value for name, value in values.items())
        if not changed and row.raw_json == raw_json:
            return row.id, UpsertOutcome.UNCHANGED
        for name, value in values.items():
            setattr(row, name, value)
        row.raw_json = raw_json
        row.updated_at = now
        return row.id, UpsertOutcome.UPDATED

    def records(
        self, *, since_utc: datetime | None = None, until_utc: datetime | None = None
    ) -> list[StoredRecord]:
        query = self._scoped().order_by(ActivityRow.start_utc, ActivityRow.id)
        if since_utc is not None:
            query = query.where(ActivityRow.start_utc >= since_utc)
        if until_utc is not None:
            query = query.where(ActivityRow.start_utc < until_utc)
        return [
            StoredRecord(activity_from_row(row), row.merged_into_id, row.never_merge)
            for row in self.orm.scalars(query)
        ]

    def merged(self, *, since_date: date | None = None) -> list[Activity]:
        """One activity per merge group (the winning record), naming every source."""
        return merged_of(self.orm, [self.athlete_id], since_date=since_date).get(
            self.athlete_id, []
        )

    def raw(self, activity_id: int) -> Any:
        row = self.orm.scalar(self._scoped().where(ActivityRow.id == activity_id))
        return None if row is None else json.loads(row.raw_json)

    def set_merge(self, activity_id: int, merged_into_id: int | None) -> None:
        self.orm.execute(
            update(ActivityRow)
            .where(ActivityRow.athlete_id == self.athlete_id, ActivityRow.id == activity_id)
            .values(merged_into_id=merged_into_id)
        )

    def set_never_merge(self, activity_id: int, value: bool) -> None:
        self.orm.execute(
            update(ActivityRow)
            .where(ActivityRow.athlete_id == self.athlete_id, ActivityRow.id == activity_id)
            .values(never_merge=value)
        )

    def delete_records(self, source: Source, source_ids: list[str]) -> int:
        """Delete records of one source; a group loses that record, keeps the others."""
        if not source_ids:
            return 0
        rows = self.orm.scalars(
            self._scoped().where(
                ActivityRow.source == source.value, ActivityRow.source_id.in_(source_ids)
            )
        ).all()
        ids = [row.id for row in rows]
        if not ids:
            return 0
        # Members of a group whose winner goes lose their link; the merge re-runs after.
        self.orm.execute(
            update(ActivityRow)
            .where(ActivityRow.athlete_id == self.athlete_id, ActivityRow.merged_into_id.in_(ids))
            .values(merged_into_id=None)
        )
        self.orm.execute(
            delete(ActivityRow).where(
                ActivityRow.athlete_id == self.athlete_id, ActivityRow.id.in_(ids)
            )
        )
        return len(ids)

    def source_ids(self, source: Source) -> set[str]:
        return set(
            self.orm.scalars(
                select(ActivityRow.source_id).where(
                    ActivityRow.athlete_id == self.athlete_id, ActivityRow.source == source.value
                )
            )
        )

    def newest_start(self, source: Source) -> datetime | None:
        row = self.orm.scalar(
            self._scoped()
            .where(ActivityRow.source == source.value)
            .order_by(ActivityRow.start_utc.desc())
            .limit(1)
        )
        return None if row is None else row.start_utc

    def oldest_start(self, source: Source) -> datetime | None:
        row = self.orm.scalar(
            self._scoped()
            .where(ActivityRow.source == source.value)
            .order_by(ActivityRow.start_utc.asc())
            .limit(1)
        )
        return None if row is None else row.start_utc

    def record_skipped(self, source: Source, source_id: str, problem: str, raw: Any) -> None:
        existing = self.orm.scalar(
            select(SkippedRecordRow).where(
                SkippedRecordRow.athlete_id == self.athlete_id,
                SkippedRecordRow.source == source.value,
                SkippedRecordRow.source_id == source_id,
            )
        )
        raw_json = json.dumps(raw, sort_keys=True, default=str)
        if existing is None:
            self.orm.add(
                SkippedRecordRow(
                    athlete_id=self.athlete_id,
                    source=source.value,
                    source_id=source_id,
                    problem=problem,
                    raw_json=raw_json,
                    seen_at=clock.now(),
                )
            )
        else:
            existing.problem, existing.raw_json, existing.seen_at = problem, raw_json, clock.now()

    def upsert_many(self, records: Sequence[SourceRecord]) -> list[UpsertOutcome]:
        """Insert or update a page of records with one lookup and one bulk insert."""
        latest: dict[tuple[str, str], SourceRecord] = {}
        for record in records:
            latest[(record.activity.source.value, record.activity.source_id)] = record
        existing: dict[tuple[str, str], ActivityRow] = {}
        by_source: dict[str, list[str]] = defaultdict(list)
        for source, source_id in latest:
            by_source[source].append(source_id)
        for source, source_ids in by_source.items():
            for start in range(0, len(source_ids), 500):
                chunk = source_ids[start : start + 500]
                rows = self.orm.scalars(
                    self._scoped().where(
                        ActivityRow.source == source, ActivityRow.source_id.in_(chunk)
                    )
                )
                existing.update({(row.source, row.source_id): row for row in rows})
        now = clock.now()
        outcomes: dict[tuple[str, str], UpsertOutcome] = {}
        inserts: list[dict[str, Any]] = []
        for key, record in latest.items():
            values = activity_values(record.activity)
            raw_json = json.dumps(record.raw, sort_keys=True, default=str)
            row = existing.get(key)
            if row is None:
                inserts.append(
                    {
                        "athlete_id": self.athlete_id,
                        "source": key[0],
                        "source_id": key[1],
                        "raw_json": raw_json,
                        "fetched_at": now,
                        "updated_at": now,
                        "never_merge": False,
                        **values,
                    }
                )
                outcomes[key] = UpsertOutcome.NEW
                continue
            changed = any(getattr(row, name) != value for name, value in values.items())
            if not changed and row.raw_json == raw_json:
                outcomes[key] = UpsertOutcome.UNCHANGED
                continue
            for name, value in values.items():
                setattr(row, name, value)
            row.raw_json = raw_json
            row.updated_at = now
            outcomes[key] = UpsertOutcome.UPDATED
        if inserts:
            self.orm.execute(insert(ActivityRow), inserts)
        self.orm.flush()
        return [
            outcomes[(record.activity.source.value, record.activity.source_id)]
            for record in records
        ]

    def merge_candidates(self, since_utc: datetime, until_utc: datetime) -> list[MergeCandidate]:
        """Records starting in [since, until], with every record linked to or from them.

        The records linked across the window's edge (a record whose start moved,
        say) come along, so the merge re-judges them with it and leaves no link
        pointing across. Only the columns the merge reads are loaded: this runs
        after every page.
        """
        window = (ActivityRow.start_utc >= since_utc) & (ActivityRow.start_utc <= until_utc)
        rows = self._merge_rows(window)
        rows.extend(self._linked_across(window, rows))
        return [
            MergeCandidate(row.id, _merge_view(row), row.merged_into_id, row.never_merge)
            for row in rows
        ]

    def set_merges(self, links: Mapping[int, int | None]) -> None:
        """Point each record (by id) at its group's winner, or at nothing."""
        if not links:
            return
        self.orm.execute(
            update(ActivityRow),
            [{"id": record_id, "merged_into_id": target} for record_id, target in links.items()],
        )
        self.orm.expire_all()

    def _merge_rows(self, condition: Any) -> list[Any]:
        query = select(*MERGE_COLUMNS).where(ActivityRow.athlete_id == self.athlete_id, condition)
        return list(self.orm.execute(query).all())

    def _linked_across(self, window: Any, rows: Sequence[Any]) -> list[Any]:
        """Rows outside the window linked to or from it.

        Both lookups go through an index (merged_into_id, the primary key).
        """
        ids = {row.id for row in rows}
        inside = select(ActivityRow.id).where(ActivityRow.athlete_id == self.athlete_id, window)
        targets = select(ActivityRow.merged_into_id).where(
            ActivityRow.athlete_id == self.athlete_id, window
        )
        found = {
            row.id: row
            for condition in (
                ActivityRow.merged_into_id.in_(inside),
                ActivityRow.id.in_(targets),
            )
            for row in self._merge_rows(condition)
            if row.id not in ids
        }
        return list(found.values())

    def start_range(self) -> tuple[datetime, datetime] | None:
        """The first and the last start of the athlete's records; None when there are none."""
        first, last = self.orm.execute(
            select(func.min(ActivityRow.start_utc), func.max(ActivityRow.start_utc)).where(
                ActivityRow.athlete_id == self.athlete_id
            )
        ).one()
        # min/max keep the column type: aware UTC on both databases.
        if first is None or last is None:
            return None
        return first, last

    def starts_of(self, source: Source, source_ids: Sequence[str]) -> list[datetime]:
        if not source_ids:
            return []
        return list(
            self.orm.scalars(
                select(ActivityRow.start_utc).where(
                    ActivityRow.athlete_id == self.athlete_id,
                    ActivityRow.source == source.value,
                    ActivityRow.source_id.in_(list(source_ids)),
                )
            )
        )

    def record(self, record_id: int) -> StoredRecord | None:
        row = self.orm.scalar(self._scoped().where(ActivityRow.id == record_id))
        if row is None:
            return None
        return StoredRecord(activity_from_row(row), row.merged_into_id, row.never_merge)

    def groups(self, *, since_date: date | None = None) -> list[ActivityGroup]:
        """Merged activities with their records, oldest first."""
        query = self._scoped().order_by(ActivityRow.start_utc, ActivityRow.id)
        if since_date is not None:
            # Members start within minutes of their winner: a day of slack keeps groups whole.
            query = query.where(ActivityRow.local_date >= since_date - timedelta(days=1))
        rows = self.orm.scalars(query).all()
        members: dict[int, list[StoredRecord]] = defaultdict(list)
        for row in rows:
            stored = StoredRecord(activity_from_row(row), row.merged_into_id, row.never_merge)
            members[row.merged_into_id or row.id].append(stored)
        groups: list[ActivityGroup] = []
        for row in rows:
            if row.merged_into_id is not None:
                continue
            if since_date is not None and row.local_date < since_date:
                continue
            records = tuple(members[row.id])
            sources = tuple(sorted({record.activity.source for record in records}))
            groups.append(ActivityGroup(activity_from_row(row, sources), records))
        return groups

    def skipped(self, source: Source | None = None) -> list[SkippedRecord]:
        query = select(SkippedRecordRow).where(SkippedRecordRow.athlete_id == self.athlete_id)
        if source is not None:
            query = query.where(SkippedRecordRow.source == source.value)
        return [
            SkippedRecord(Source(row.source), row.source_id, row.problem, row.seen_at)
            for row in self.orm.scalars(query.order_by(SkippedRecordRow.seen_at))
        ]
