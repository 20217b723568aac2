"""A feed version's answers, with their header bytes prepared once: the one hand-built response.

Why by hand: a calendar app polls its feed every few minutes, nearly always
for bytes that have not changed, and each feed version is rendered once and
stored. So everything a poll sends back (both encodings, their validators,
the gzip bytes, the header lines of the 200, the HEAD and the 304) is computed
once per feed version here and reused as raw `(name, value)` byte pairs,
instead of Starlette encoding a header dict on every request. This is the only
module that sets response headers by hand.

`FeedFastPath` goes further: it sits in front of the app's routing and its other
middleware, and answers a GET or HEAD of a feed path straight from the feed
server (`feed_routes.FeedServer.answer`, the same answers and caches as the
route, token status included). Every other request, and any feed path the route
would not match, goes on to the app unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Protocol

from starlette.background import BackgroundTask
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from syncsvc import routes
from syncsvc.domain import RenderedFeed
from syncsvc.server.compression import VARY, gzip_bytes, gzip_etag
from syncsvc.server.conditional import quoted_etag

CONTENT_TYPE = "text/calendar; charset=utf-8"

RawHeaders = list[tuple[bytes, bytes]]


class RawResponse(Response):
    """A response whose header bytes were prepared once (no per-request encoding)."""

    def __init__(self, status_code: int, raw_headers: RawHeaders, body: bytes):
        self.status_code = status_code
        self.background: BackgroundTask | None = None
        self.body = body
        # A copy: middleware may append to the list it is sent, and ours is cached.
        self.raw_headers = list(raw_headers)


@dataclass(frozen=True, slots=True)
class Variant:
    """One encoding of one feed version: the header lines of its full and 304 answers."""

    full: RawHeaders
    not_modified: RawHeaders
    body: bytes


@dataclass(frozen=True, slots=True)
class PreparedFeed:
    """Both encodings of one feed version, and its validators."""

    identity: Variant
    gzipped: Variant
    etags: frozenset[str]
    rendered_at: datetime

    def answer(self, *, gzipped: bool, not_modified: bool, head: bool) -> Response:
        """The 304, the HEAD or the full 200 of the chosen encoding."""
        variant = self.gzipped if gzipped else self.identity
        if not_modified:
            return RawResponse(304, variant.not_modified, b"")
        return RawResponse(200, variant.full, b"" if head else variant.body)


def prepare_feed(feed: RenderedFeed, cache_control: str) -> PreparedFeed:
    """Headers for both encodings and the gzip bytes, computed once per feed version."""
    etag = quoted_etag(feed.etag)
    zipped_etag = gzip_etag(etag)
    rendered_at = (
        feed.rendered_at if feed.rendered_at.tzinfo else feed.rendered_at.replace(tzinfo=UTC)
    )
    validators = [
        (b"last-modified", format_datetime(rendered_at.astimezone(UTC), usegmt=True).encode()),
        (b"cache-control", cache_control.encode("latin-1")),
        (b"vary", VARY.encode("latin-1")),
    ]
    compressed = gzip_bytes(feed.body)

    def variant(tag: str, body: bytes, extra: RawHeaders) -> Variant:
        not_modified = [(b"etag", tag.encode("latin-1")), *validators]
        full = [
            *not_modified,
            (b"content-type", CONTENT_TYPE.encode()),
            (b"content-length", str(len(body)).encode()),
            *extra,
        ]
        return Variant(full, not_modified, body)

    return PreparedFeed(
        identity=variant(etag, feed.body, []),
        gzipped=variant(zipped_etag, compressed, [(b"content-encoding", b"gzip")]),
        etags=frozenset({etag, zipped_etag}),
        rendered_at=rendered_at,
    )


class FeedAnswers(Protocol):
    """The feed server, as the fast path calls it."""

    async def answer(self, token: str, method: str, headers: Mapping[str, str]) -> Response: ...


_FEED_PREFIX, _, _FEED_SUFFIX = routes.path_of(routes.FEED).partition("{token}")


class FeedFastPath:
    """ASGI middleware: a GET or HEAD of a feed path answered without routing.

    Matches what the route matches (`/feeds/{token}.ics`, the token one path
    segment); the answer is the route's own, sent the way Starlette sends it.
    """

    def __init__(self, app: ASGIApp, server: FeedAnswers) -> None:
        self.app = app
        self.server = server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            path: str = scope["path"]
            if (
                path.startswith(_FEED_PREFIX)
                and path.endswith(_FEED_SUFFIX)
                and len(path) > len(_FEED_PREFIX) + len(_FEED_SUFFIX)
            ):
                token = path[len(_FEED_PREFIX) : -len(_FEED_SUFFIX)]
                if "/" not in token:
                    response = await self.server.answer(
                        token, scope["method"], _request_headers(scope)
                    )
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def _request_headers(scope: Scope) -> dict[str, str]:
    """The request's headers keyed in lower case, the first of repeated ones (as Starlette)."""
    headers: dict[str, str] = {}
    for name, value in scope["headers"]:
        key = name.decode("latin-1").lower()
        if key not in headers:
            headers[key] = value.decode("latin-1")
    return headers
