"""The feed's fast path: the outermost ASGI layer of the service's app.

A calendar app polls its feed every few minutes, all day, and nearly every
poll is a plain GET or HEAD. So the app's first step answers those straight
from the feed server (`feed_routes.FeedServer.answer`: the same answers and
caches as the route, token status included), before Starlette's middleware
stack and routing, and counts them in the same metric as the route.

Under `serve`, the feed protocol (`feed_protocol.py`) asks this layer first,
while uvicorn parses the request (`known_answer`, `record`): a poll answered
from memory then makes no ASGI call at all.

Everything else goes on to the app unchanged: other paths and methods, a feed
path the route would not match, and a feed request that carries a body (the
body limit and the route deal with those, as before).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from starlette.types import ASGIApp, Receive, Scope, Send

from syncsvc import routes
from syncsvc.server.access_log import AccessLog
from syncsvc.server.prepared_feed import FeedAnswer
from syncsvc.server.redaction import REDACTED

_FEED_PREFIX, _, _FEED_SUFFIX = routes.path_of(routes.FEED).partition("{token}")
_SHORTEST = len(_FEED_PREFIX) + len(_FEED_SUFFIX)
_ANSWERED_METHODS = frozenset({"GET", "HEAD"})
_BODY_HEADERS = frozenset({b"content-length", b"transfer-encoding"})
_READ_HEADERS = frozenset({b"accept-encoding", b"if-none-match", b"if-modified-since"})
"""What `FeedServer.answer` reads (`compression.accepts_gzip`, `conditional.is_not_modified`)."""
_REDACTED_FEED_PATH = _FEED_PREFIX + REDACTED
"""A feed path as the access log shows it: the token left out, without a pattern."""


class FeedAnswers(Protocol):
    """The feed server, as the fast path calls it (`feed_routes.FeedServer`)."""

    def known_answer(
        self, token: str, method: str, headers: Mapping[str, str]
    ) -> FeedAnswer | None: ...

    async def answer(self, token: str, method: str, headers: Mapping[str, str]) -> FeedAnswer: ...


def feed_token(path: str) -> str | None:
    """The token of a feed path (`/feeds/{token}.ics`, one segment), or None."""
    if (
        len(path) > _SHORTEST
        and path.startswith(_FEED_PREFIX)
        and path.endswith(_FEED_SUFFIX)
        and "/" not in (token := path[len(_FEED_PREFIX) : -len(_FEED_SUFFIX)])
    ):
        return token
    return None


class FeedFastPath:
    """ASGI: a GET or HEAD of a feed path, without a body, answered before the app.

    `count`: counts an answer by status (`ServiceMetrics.count_feed_request`, which
    counts the route's answers too); `access_log`: where each answer's line goes.
    """

    def __init__(
        self,
        app: ASGIApp,
        server: FeedAnswers,
        count: Callable[[int], None] | None = None,
        access_log: AccessLog | None = None,
    ) -> None:
        self.app = app
        self.server = server
        self._count = count
        self._access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = feed_request(scope)
            if request is not None:
                answer = self.server.known_answer(*request) or await self.server.answer(*request)
                self.record(scope, answer.status)
                await answer.send(send)
                return
        await self.app(scope, receive, send)

    def known_answer(self, scope: Scope) -> FeedAnswer | None:
        """The answer to a feed request that needs no wait (`FeedServer.known_answer`), or
        None: not a feed GET or HEAD without a body, or the store must be asked.

        The feed protocol (`feed_protocol.py`) answers with it before any ASGI call.
        """
        request = feed_request(scope)
        return None if request is None else self.server.known_answer(*request)

    def record(self, scope: Scope, status: int) -> None:
        """The access line and the count of one feed answer."""
        if self._access_log is not None:
            self._access_log.request(scope, status, _REDACTED_FEED_PATH)
        if self._count is not None:
            self._count(status)


FeedRequest = tuple[str, str, dict[str, str]]
"""What the feed server answers: the token, the method and the headers it reads."""


def feed_request(scope: Scope) -> FeedRequest | None:
    """A GET or HEAD of a feed path without a body, or None (the app's path takes it)."""
    if scope["method"] not in _ANSWERED_METHODS:
        return None
    token = feed_token(scope["path"])
    if token is None:
        return None
    headers = _request_headers(scope)
    if headers is None:
        return None
    return token, scope["method"], headers


def _request_headers(scope: Scope) -> dict[str, str] | None:
    """The request headers the feed's answer reads, keyed in lower case, the first of
    repeated ones (as Starlette); None when the request carries a body (the app's path
    takes it)."""
    headers: dict[str, str] = {}
    for raw_name, value in scope["headers"]:
        name = raw_name.lower()
        if name in _READ_HEADERS:
            key = name.decode("latin-1")
            if key not in headers:
                headers[key] = value.decode("latin-1")
        elif name in _BODY_HEADERS and not (name == b"content-length" and value.strip() == b"0"):
            return None
    return headers
