"""What each pipeline run did, for `syncsvc status` and the server's health."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session as OrmSession

from syncsvc.store.schema import PipelineRunRow
from syncsvc.store.sets import AthleteIds, among


def last_started_of(orm: OrmSession, athlete_ids: AthleteIds) -> dict[int, datetime]:
    """When each of some athletes' latest pipeline run started (athletes without one left out).

    The start of `PipelineRuns.latest(1)`'s run, for many athletes in one query.
    """
    rows = orm.execute(
        select(PipelineRunRow.athlete_id, func.max(PipelineRunRow.started_at))
        .where(among(PipelineRunRow.athlete_id, athlete_ids))
        .group_by(PipelineRunRow.athlete_id)
    )
    return {athlete_id: started for athlete_id, started in rows}


@dataclass(frozen=True, slots=True)
class PipelineRun:
    id: int
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    summary: dict[str, Any]


class PipelineRuns:
    def __init__(self, orm: OrmSession, athlete_id: int) -> None:
        self.orm = orm
        self.athlete_id = athlete_id

    def record(
        self,
        trigger: str,
        started_at: datetime,
        finished_at: datetime,
        status: str,
        summary: dict[str, Any],
    ) -> None:
        self.orm.add(
            PipelineRunRow(
                athlete_id=self.athlete_id,
                trigger=trigger,
                started_at=started_at,
                finished_at=finished_at,
                status=status,
                summary_json=json.dumps(summary, sort_keys=True, default=str),
            )
        )

    def latest(self, limit: int = 10) -> list[PipelineRun]:
        rows = self.orm.scalars(
            select(PipelineRunRow)
            .where(PipelineRunRow.athlete_id == self.athlete_id)
            .order_by(PipelineRunRow.started_at.desc(), PipelineRunRow.id.desc())
            .limit(limit)
        )
        return [
            PipelineRun(
                r.id, r.trigger, r.started_at, r.finished_at, r.status, json.loads(r.summary_json)
            )
            for r in rows
        ]

    def forget_before(self, instant: datetime) -> int:
        """Drop the records of runs started before `instant`; how many went."""
        return forget_runs_before(self.orm, [self.athlete_id], instant)


def forget_runs_before(orm: OrmSession, athlete_ids: AthleteIds, instant: datetime) -> int:
    """Drop some athletes' run records started before `instant`; how many went."""
    result = orm.execute(
        delete(PipelineRunRow).where(
            among(PipelineRunRow.athlete_id, athlete_ids), PipelineRunRow.started_at < instant
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
