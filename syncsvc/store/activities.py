"""An athlete's activity records: one row per source record, merged into groups."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session as OrmSession

from syncsvc import clock
from syncsvc.domain import Activity, Source, SourceRecord
from syncsvc.store.convert import activity_from_row, activity_values
from syncsvc.store.schema import ActivityRow, SkippedRecordRow


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
        rows = self.orm.scalars(
            self._scoped().order_by(ActivityRow.start_utc, ActivityRow.id)
        ).all()
        sources: dict[int, set[Source]] = defaultdict(set)
        for row in rows:
            sources[row.merged_into_id or row.id].add(Source(row.source))
        return [
            activity_from_row(row, tuple(sorted(sources[row.id])))
            for row in rows
            if row.merged_into_id is None and (since_date is None or row.local_date >= since_date)
        ]

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
