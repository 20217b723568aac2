"""Strava's webhook: `GET` validates the subscription, `POST` takes an event.

Strava wants a 200 within 2 seconds and retries otherwise, so a POST only
checks the event, records it with the work it announces (one short write
transaction, waited for at most `service.webhook_answer_s`), enqueues a
refresh held back by `service.webhook_coalesce_s` (a create followed by title
updates becomes one refresh), and answers. The refresh fetches the activity
from the API: the payload's own data is never trusted.

- Strava calls `/webhooks/strava/<secret>` once `syncsvc strava webhook
  register` stored a secret path segment; the plain `/webhooks/strava` (and any
  other segment) is then a 404. Without a stored segment the plain path works.
- Only our subscription id (`strava.subscription_id`, else the one `register`
  stored, read at once: `webhook_state.py`) and athletes we know (by Strava
  owner id) are taken; anything else is dropped, so it is not retried.
- A duplicate delivery (same athlete, object, aspect and event time) changes
  nothing; a malformed body is a 400 and stores nothing.
- Events carry no signature and cost Strava reads, so only Strava's own
  `updates` keys are stored (bounded), at most `strava.webhook_events_per_day`
  per athlete per day (beyond it: counted as `over_cap`, and one catch-up sync
  of the athlete's activity list is scheduled), and a fetch already waiting
  for an activity absorbs every further event for it.
- Events carry no signature and athlete ids are public, so every well-formed
  event gets the same answer (200, `accepted`) whatever its subscription id,
  athlete or duplicate state: what became of it goes to the log and to
  `syncsvc_webhook_events_total{outcome=...}` only, never to the sender (a
  different answer let the subscription id be guessed in seconds).
- The verify token (`strava.webhook_verify_token`, else the stored one) is
  compared in constant time and never logged (stravalib's own check is a bare
  assert, which `python -O` removes).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from syncsvc import routes
from syncsvc.config import Settings
from syncsvc.domain import Source
from syncsvc.errors import StoreError
from syncsvc.server.jobs import JobKind, JobQueue, JobRequest, Priority
from syncsvc.server.metrics import ServiceMetrics
from syncsvc.server.webhook_state import WebhookStateCache
from syncsvc.sources.strava_announcements import Announcement, record_announcement
from syncsvc.store.database import Store

log = logging.getLogger(__name__)


StoredInt = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
"""An integer the store can hold as text or BIGINT: a larger one is malformed, not a 500."""


class StravaEvent(BaseModel):
    """One push event as Strava documents it (unknown extra keys are ignored).

    `subscription_id` is a string in old examples and an int in the docs;
    both validate (pydantic's lax mode reads "120475" as an int).
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    object_type: Literal["activity", "athlete"]
    object_id: StoredInt
    aspect_type: Literal["create", "update", "delete"]
    owner_id: StoredInt
    subscription_id: StoredInt
    event_time: StoredInt
    updates: dict[str, Any] | None = None


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    NOTED = "noted"
    UNKNOWN_ATHLETE = "unknown_athlete"
    OTHER_SUBSCRIPTION = "other_subscription"
    MALFORMED = "malformed"
    DEFERRED = "deferred"
    FAILED = "failed"
    OVER_CAP = "over_cap"
    """Beyond `strava.webhook_events_per_day` for the athlete: dropped, not stored."""


def accepted() -> Response:
    """The one answer to every well-formed event: what became of it is nobody's business."""
    return PlainTextResponse("accepted\n")


def parse_event(body: bytes) -> StravaEvent | None:
    """The event, or None when the body is not one."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None  # RecursionError: deeply nested JSON, a malformed body like any other
    if not isinstance(data, dict):
        return None
    try:
        return StravaEvent.model_validate(data)
    except (ValidationError, RecursionError):
        return None


def not_found() -> Response:
    """A plain or wrong callback path once a secret one is stored: as if nothing were here."""
    return PlainTextResponse("Not Found", status_code=404)


def try_again() -> Response:
    return PlainTextResponse("try again\n", status_code=503)


@dataclass
class StravaWebhook:
    store: Store
    settings: Settings
    jobs: JobQueue
    metrics: ServiceMetrics
    state: WebhookStateCache = field(init=False)

    def __post_init__(self) -> None:
        self.state = WebhookStateCache(self.store, self.settings)

    async def validate(self, request: Request) -> Response:
        """Subscription validation: echo `hub.challenge` when the verify token is ours."""
        params = request.query_params
        given = params.get("hub.verify_token", "")
        segment = request.path_params.get("secret")
        try:
            on_our_path = await self.state.matching(lambda state: state.takes_path(segment))
            if on_our_path is None:
                return not_found()
            if params.get("hub.mode") != "subscribe" or "hub.challenge" not in params:
                return PlainTextResponse("not a subscription validation\n", status_code=400)
            ours = await self.state.matching(
                lambda state: state.takes_path(segment) and state.takes_verify_token(given)
            )
        except StoreError:
            return try_again()
        if ours is None:
            log.warning("webhook validation refused: wrong verify token")
            return PlainTextResponse("wrong verify token\n", status_code=403)
        return JSONResponse({"hub.challenge": params["hub.challenge"]})

    async def receive(self, request: Request) -> Response:
        segment = request.path_params.get("secret")
        try:
            on_our_path = await self.state.matching(lambda state: state.takes_path(segment))
        except StoreError:
            return try_again()
        if on_our_path is None:
            return not_found()
        body = await request.body()
        # body_limit.py refuses a larger body before reading it; this is the last resort.
        limit = self.settings.service.body_limit_webhook_bytes
        event = parse_event(body) if len(body) <= limit else None
        if event is None:
            self.metrics.webhook_events.labels(outcome=Outcome.MALFORMED.value).inc()
            return PlainTextResponse("malformed event\n", status_code=400)
        subscription_id = event.subscription_id
        try:
            ours = await self.state.matching(
                lambda state: (
                    state.takes_path(segment) and state.takes_subscription(subscription_id)
                )
            )
        except StoreError:
            return try_again()
        if ours is None:
            self._count(Outcome.OTHER_SUBSCRIPTION, event)
            return accepted()
        loop = asyncio.get_running_loop()
        work = loop.run_in_executor(None, self.handle, event)
        try:
            outcome = await asyncio.wait_for(
                asyncio.shield(work), timeout=self.settings.service.webhook_answer_s
            )
        except TimeoutError:
            # The write goes on in its thread; Strava must have its answer now.
            log.warning("webhook event still being stored after the answer time; answering")
            return accepted()
        except StoreError:
            return try_again()
        log.debug("webhook event answered", extra={"outcome": outcome.value})
        return accepted()

    def handle(self, event: StravaEvent) -> Outcome:
        """Record the event and enqueue its refresh (in a worker thread)."""
        try:
            with self.store.read() as tx:
                athlete_id = tx.shared.athlete_for_provider_user("strava", str(event.owner_id))
            if athlete_id is None:
                self._count(Outcome.UNKNOWN_ATHLETE, event)
                return Outcome.UNKNOWN_ATHLETE
            announced = record_announcement(
                self.store,
                athlete_id,
                object_type=event.object_type,
                object_id=event.object_id,
                aspect_type=event.aspect_type,
                event_time=event.event_time,
                updates=dict(event.updates or {}),
                priority=Priority.WEBHOOK,
                daily_cap=self.settings.strava.webhook_events_per_day,
            )
        except StoreError:
            self._count(Outcome.FAILED, event)
            log.exception("webhook event could not be stored")
            raise
        if announced is Announcement.DUPLICATE:
            self._count(Outcome.DUPLICATE, event)
            return Outcome.DUPLICATE
        if announced is Announcement.NOTED:
            self._count(Outcome.NOTED, event)
            return Outcome.NOTED
        if announced is Announcement.CAPPED:
            self._count(Outcome.OVER_CAP, event, athlete_id)
            return Outcome.OVER_CAP
        if announced is Announcement.CATCH_UP:
            log.warning(
                "strava webhook events over the daily cap; one catch-up sync instead",
                extra={"athlete_id": athlete_id},
            )
            self.jobs.enqueue(
                JobRequest(
                    JobKind.REFRESH,
                    athlete_id,
                    reason="webhook-catch-up",
                    priority=Priority.POLL,
                    sources=(Source.STRAVA,),
                    delay_s=self.settings.service.webhook_coalesce_s,
                )
            )
            self._count(Outcome.OVER_CAP, event, athlete_id)
            return Outcome.OVER_CAP
        self.jobs.enqueue(
            JobRequest(
                JobKind.REFRESH,
                athlete_id,
                reason="webhook",
                priority=Priority.WEBHOOK,
                delay_s=self.settings.service.webhook_coalesce_s,
            )
        )
        self._count(Outcome.ACCEPTED, event, athlete_id)
        return Outcome.ACCEPTED

    def _count(self, outcome: Outcome, event: StravaEvent, athlete_id: int | None = None) -> None:
        self.metrics.webhook_events.labels(outcome=outcome.value).inc()
        log.info(
            "strava webhook event",
            extra={
                "outcome": outcome.value,
                "object_type": event.object_type,
                "aspect_type": event.aspect_type,
                "athlete_id": athlete_id,
            },
        )


def webhook_routes(webhook: StravaWebhook) -> list[BaseRoute]:
    """The plain path and the secret one; which of them answers is the stored state's call."""
    return [
        Route(routes.path_of(name), endpoint, methods=[method], name=name)
        for name, endpoint, method in (
            (routes.STRAVA_WEBHOOK_VALIDATE, webhook.validate, "GET"),
            (routes.STRAVA_WEBHOOK_EVENT, webhook.receive, "POST"),
            (routes.STRAVA_WEBHOOK_SECRET_VALIDATE, webhook.validate, "GET"),
            (routes.STRAVA_WEBHOOK_SECRET_EVENT, webhook.receive, "POST"),
        )
    ]
