"""Reads over many athletes at once, each in one query whatever their number (and the
daily cleanup's deletes, one statement each).

`tx.athlete_set(ids)` (None: every athlete) is the set-wide twin of
`tx.athlete(id)`: the same reads, run once for the whole set and handed back
by athlete id. A fan-out over thousands of athletes (the minute tick, the
replan of everyone) then costs a handful of queries, not a handful per athlete.
The athlete-scoped repositories call the same functions with one id, so each
read is written once.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session as OrmSession

from syncsvc.domain import Activity, CheckIn, Override, Session, Source, SyncCursor
from syncsvc.store.activities import merged_of
from syncsvc.store.feeds import PlanSource, plan_sources_of
from syncsvc.store.plan import checkins_of, forget_cancelled_of, overrides_of, sessions_of
from syncsvc.store.push import Channel, channels_behind_of, channels_of, ledger_counts_of
from syncsvc.store.runs import forget_runs_before, last_started_of
from syncsvc.store.sets import AthleteIds
from syncsvc.store.sync_state import (
    CredentialInfo,
    credential_infos_of,
    cursors_of,
    forget_webhook_events_before,
    pending_of,
)


class AthleteSet:
    def __init__(self, orm: OrmSession, athlete_ids: AthleteIds) -> None:
        self.orm = orm
        self.athlete_ids = None if athlete_ids is None else list(athlete_ids)

    def merged_activities(self) -> dict[int, list[Activity]]:
        return merged_of(self.orm, self.athlete_ids)

    def plan_sources(self) -> dict[int, list[PlanSource]]:
        return plan_sources_of(self.orm, self.athlete_ids)

    def sessions(self) -> dict[int, list[Session]]:
        return sessions_of(self.orm, self.athlete_ids)

    def overrides(self) -> dict[int, list[Override]]:
        return overrides_of(self.orm, self.athlete_ids)

    def checkins(self) -> dict[int, list[CheckIn]]:
        return checkins_of(self.orm, self.athlete_ids)

    def cursors(self) -> dict[int, list[SyncCursor]]:
        return cursors_of(self.orm, self.athlete_ids)

    def credential_infos(self) -> dict[int, dict[str, CredentialInfo]]:
        return credential_infos_of(self.orm, self.athlete_ids)

    def pending(self, source: Source) -> dict[int, list[tuple[str, str, int]]]:
        return pending_of(self.orm, self.athlete_ids, source)

    def last_run_started(self) -> dict[int, datetime]:
        return last_started_of(self.orm, self.athlete_ids)

    def push_channels(self) -> dict[int, list[Channel]]:
        return channels_of(self.orm, self.athlete_ids)

    def push_ledger_counts(self, state: str) -> dict[int, int]:
        """Ledger entries in `state`, by channel id."""
        return ledger_counts_of(self.orm, self.athlete_ids, state)

    def push_channels_behind(self) -> list[tuple[int, Channel]]:
        """The channels whose plan changed since their last successful push, by athlete name."""
        return channels_behind_of(self.orm, self.athlete_ids)

    # ------------------------------------------------------------ the daily cleanup

    def forget_webhook_events_before(self, instant: datetime) -> int:
        return forget_webhook_events_before(self.orm, self.athlete_ids, instant)

    def forget_runs_before(self, instant: datetime) -> int:
        return forget_runs_before(self.orm, self.athlete_ids, instant)

    def forget_cancelled_sessions(self, *, changed_before: datetime, day_before: date) -> int:
        return forget_cancelled_of(
            self.orm, self.athlete_ids, changed_before=changed_before, day_before=day_before
        )
