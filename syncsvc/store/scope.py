"""Everything one athlete owns, reached only through repositories scoped to them."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy.orm import Session as OrmSession

from syncsvc.secrets import SecretBox
from syncsvc.store.activities import ActivityRepository
from syncsvc.store.days import DayClassRepository
from syncsvc.store.feeds import FeedRepository, PlanSourceRepository
from syncsvc.store.plan import CheckInLog, OverrideLog, SessionRepository
from syncsvc.store.push import PushRepository
from syncsvc.store.runs import PipelineRuns
from syncsvc.store.sync_state import (
    CredentialRepository,
    CursorRepository,
    PendingFetches,
    WebhookEvents,
)
from syncsvc.store.web_access import WebAccess


class AthleteData:
    def __init__(self, orm: OrmSession, athlete_id: int, secrets: SecretBox) -> None:
        self.orm = orm
        self.athlete_id = athlete_id
        self._secrets = secrets

    @cached_property
    def activities(self) -> ActivityRepository:
        return ActivityRepository(self.orm, self.athlete_id)

    @cached_property
    def sessions(self) -> SessionRepository:
        return SessionRepository(self.orm, self.athlete_id)

    @cached_property
    def days(self) -> DayClassRepository:
        return DayClassRepository(self.orm, self.athlete_id)

    @cached_property
    def overrides(self) -> OverrideLog:
        return OverrideLog(self.orm, self.athlete_id)

    @cached_property
    def checkins(self) -> CheckInLog:
        return CheckInLog(self.orm, self.athlete_id)

    @cached_property
    def cursors(self) -> CursorRepository:
        return CursorRepository(self.orm, self.athlete_id)

    @cached_property
    def credentials(self) -> CredentialRepository:
        return CredentialRepository(self.orm, self.athlete_id, self._secrets)

    @cached_property
    def pending(self) -> PendingFetches:
        return PendingFetches(self.orm, self.athlete_id)

    @cached_property
    def webhook_events(self) -> WebhookEvents:
        return WebhookEvents(self.orm, self.athlete_id)

    @cached_property
    def feed(self) -> FeedRepository:
        return FeedRepository(self.orm, self.athlete_id, self._secrets)

    @cached_property
    def plan_sources(self) -> PlanSourceRepository:
        return PlanSourceRepository(self.orm, self.athlete_id)

    @cached_property
    def runs(self) -> PipelineRuns:
        return PipelineRuns(self.orm, self.athlete_id)

    @cached_property
    def push(self) -> PushRepository:
        return PushRepository(self.orm, self.athlete_id, self._secrets)

    @cached_property
    def web(self) -> WebAccess:
        return WebAccess(self.orm, self.athlete_id)
