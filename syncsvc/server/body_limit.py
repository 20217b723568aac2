"""Request bodies: a byte limit per route, a read deadline, and quiet client disconnects.

Starlette reads a whole body into memory before any handler can check its size,
so ten concurrent 50 MB POSTs once cost the server 650 MB. This middleware sits
in front of every route:

- a `Content-Length` above the route's limit is refused with 413 before a byte
  of the body is read (the app is never called);
- a chunked body (no length) is counted as it arrives and stopped at the limit
  with the same 413; what was over the limit is never handed to the app;
- the whole body must arrive within `read_s` (a client sending a byte every few
  seconds gets a 408 instead of holding a worker);
- a client that goes away mid-body is one debug line, not an error traceback.

Limits are per path (`per_path`, exact) or per path prefix (`per_prefix`: the
webhook's secret callback path `/webhooks/strava/<secret>`), with
`default_bytes` for every other route; the settings are
`service.body_limit_webhook_bytes` and `service.body_limit_default_bytes`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syncsvc import routes
from syncsvc.config import Settings

log = logging.getLogger(__name__)


class BodyTooLarge(Exception):
    """The body went past its route's limit (413)."""


class BodyTooSlow(Exception):
    """The body did not arrive within the read deadline (408)."""


@dataclass(frozen=True, slots=True)
class BodyLimits:
    default_bytes: int
    per_path: Mapping[str, int]
    read_s: float
    per_prefix: Mapping[str, int] = field(default_factory=dict)

    def for_path(self, path: str) -> int:
        if path in self.per_path:
            return self.per_path[path]
        for prefix, limit in self.per_prefix.items():
            if path.startswith(prefix):
                return limit
        return self.default_bytes


def body_limits(settings: Settings) -> BodyLimits:
    service = settings.service
    return BodyLimits(
        default_bytes=service.body_limit_default_bytes,
        per_path={routes.path_of(routes.STRAVA_WEBHOOK_EVENT): service.body_limit_webhook_bytes},
        read_s=service.body_read_s,
        per_prefix={
            routes.static_prefix(routes.STRAVA_WEBHOOK_SECRET_EVENT): (
                service.body_limit_webhook_bytes
            )
        },
    )


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.for_path(str(scope.get("path", "")))
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            log.info(
                "request body refused: declared length over the limit",
                extra={"path_limit": limit, "declared": declared},
            )
            await _answer(send, 413, b"request body too large\n")
            return
        started = False
        received = 0
        deadline = time.monotonic() + self.limits.read_s

        async def limited_receive() -> Message:
            nonlocal received
            left = deadline - time.monotonic()
            try:
                message = await asyncio.wait_for(receive(), timeout=max(left, 0.001))
            except TimeoutError:
                raise BodyTooSlow() from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            log.info("request body refused: over the limit", extra={"path_limit": limit})
            if not started:
                await _answer(send, 413, b"request body too large\n")
        except BodyTooSlow:
            log.info("request body refused: not read in time", extra={"read_s": self.limits.read_s})
            if not started:
                await _answer(send, 408, b"request body too slow\n")
        except ClientDisconnect:
            log.debug("client disconnected before sending the whole body")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _answer(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
