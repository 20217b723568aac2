"""A feed version's answers, with their header bytes prepared once: the one hand-built response.

Why by hand: a calendar app polls its feed every few minutes, nearly always
for bytes that have not changed, and each feed version is rendered once and
stored. So everything a poll sends back (both encodings, their validators,
the gzip bytes, the header lines of the 200, the HEAD and the 304) is computed
once per feed version here and reused as raw `(name, value)` byte pairs,
instead of Starlette encoding a header dict on every request. This is the only
module that sets response headers by hand.

Each answer is a `FeedAnswer`, built once per feed version: the route sends
it as a Starlette response, the fast path in front of the app
(`feed_fast_path.py`) as its two ASGI messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime

from starlette.background import BackgroundTask
from starlette.responses import Response
from starlette.types import Send

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
class FeedAnswer:
    """One whole answer: its status, its header lines and its body."""

    status: int
    headers: RawHeaders
    body: bytes
    head: bytes = field(init=False, repr=False, compare=False)
    """Its header lines and the blank line, as HTTP/1.1 sends them after the status line
    and the server's own headers (`feed_protocol.py` writes them, then the body)."""

    def __post_init__(self) -> None:
        lines = b"".join(b"%s: %s\r\n" % (name.lower(), value) for name, value in self.headers)
        object.__setattr__(self, "head", lines + b"\r\n")

    def response(self) -> Response:
        """The answer as a Starlette response (the route's)."""
        return RawResponse(self.status, self.headers, self.body)

    async def send(self, send: Send) -> None:
        """The answer as its two ASGI messages (the fast path's).

        The header list is copied, as `RawResponse` does: ours is cached.
        """
        await send(
            {"type": "http.response.start", "status": self.status, "headers": [*self.headers]}
        )
        await send({"type": "http.response.body", "body": self.body})


def plain_answer(status: int, text: str, *extra: tuple[bytes, bytes]) -> FeedAnswer:
    """A short text answer that is never cached (404, 410, 503)."""
    body = text.encode()
    headers = [
        (b"cache-control", b"no-store"),
        *extra,
        (b"content-length", str(len(body)).encode()),
        (b"content-type", b"text/plain; charset=utf-8"),
    ]
    return FeedAnswer(status, headers, body)


@dataclass(frozen=True, slots=True)
class Variant:
    """One encoding of one feed version: its full, HEAD and 304 answers."""

    full: FeedAnswer
    head: FeedAnswer
    not_modified: FeedAnswer


@dataclass(frozen=True, slots=True)
class PreparedFeed:
    """Both encodings of one feed version, and its validators."""

    identity: Variant
    gzipped: Variant
    etags: frozenset[str]
    rendered_at: datetime

    def answer(self, *, gzipped: bool, not_modified: bool, head: bool) -> FeedAnswer:
        """The 304, the HEAD or the full 200 of the chosen encoding."""
        variant = self.gzipped if gzipped else self.identity
        if not_modified:
            return variant.not_modified
        return variant.head if head else variant.full


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
        return Variant(
            full=FeedAnswer(200, full, body),
            head=FeedAnswer(200, full, b""),
            not_modified=FeedAnswer(304, not_modified, b""),
        )

    return PreparedFeed(
        identity=variant(etag, feed.body, []),
        gzipped=variant(zipped_etag, compressed, [(b"content-encoding", b"gzip")]),
        etags=frozenset({etag, zipped_etag}),
        rendered_at=rendered_at,
    )
