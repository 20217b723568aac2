"""`GET /feeds/{token}.ics`: the stored feed bytes, cheap to poll (issue 6).

The feed is rendered once per plan change and stored with its ETag; this route
only looks the token up and serves those bytes: strong ETag, Last-Modified,
Cache-Control, 304 on `If-None-Match` / `If-Modified-Since`, gzip prepared once
per feed version, HEAD. A rotated-away token answers 410 (subscribers stop
polling), an unknown one 404.

Each process trusts a token's status for at most `token_status_ttl_s` (5 s),
so a rotation reaches every process within 5 seconds. Tokens are held in memory
only as SHA-256 digests: a dict lookup by digest leaks nothing usable about the
token, and the store compares its own digests with `hmac.compare_digest`.

Never a 5xx or an empty 200 for a feed that has stored bytes: when the store
cannot be read, the last bytes this process served for the token are served
again (up to `stale_on_error_s` old).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Protocol

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from syncsvc.domain import RenderedFeed
from syncsvc.feed.settings import FeedSettings

logger = logging.getLogger(__name__)

CONTENT_TYPE = "text/calendar; charset=utf-8"

TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,128}")
"""What a feed token can look like (URL-safe base64 or hex); anything else is 404 unseen."""

_MAX_TOKENS = 4096
_MAX_FEEDS = 512


# ---------------------------------------------------------------- the lookup interface


@dataclass(frozen=True, slots=True)
class FeedOk:
    """The token is current: serve these stored bytes."""

    feed: RenderedFeed


@dataclass(frozen=True, slots=True)
class FeedGone:
    """The token was rotated away: 410, so subscribers stop polling."""


@dataclass(frozen=True, slots=True)
class FeedUnknown:
    """No such token: 404."""


FeedHit = FeedOk | FeedGone | FeedUnknown


class FeedLookup(Protocol):
    """Finds the stored feed of a token (the store implements it)."""

    def find_feed(self, token: str) -> FeedHit: ...


# ---------------------------------------------------------------- log redaction


def redact_feed_tokens(text: str) -> str:
    """`/feeds/<token>.ics` becomes `/feeds/[redacted]` (also with a query or no suffix,
    in any case, and percent-encoded: `/feeds%2F<token>`, `/%66eeds/<token>`)."""
    from syncsvc.server.secret_redaction import redact_feed_paths

    return redact_feed_paths(text)


class FeedTokenRedactor(logging.Filter):
    """A logging filter that redacts feed tokens in a record's message and arguments.

    uvicorn's access logger passes the path as an argument
    (`'%s - "%s %s HTTP/%s" %d'`), so both are cleaned.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_feed_tokens(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_value(value) for value in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {key: _redact_value(value) for key, value in record.args.items()}
        return True


def _redact_value(value: object) -> object:
    return redact_feed_tokens(value) if isinstance(value, str) else value


def install_token_redaction(
    logger_names: tuple[str, ...] = ("uvicorn.access", "uvicorn.error"),
) -> FeedTokenRedactor:
    """Add one `FeedTokenRedactor` to each named logger (idempotent); returns it."""
    redactor = FeedTokenRedactor()
    for name in logger_names:
        target = logging.getLogger(name)
        if not any(isinstance(existing, FeedTokenRedactor) for existing in target.filters):
            target.addFilter(redactor)
    return redactor


# ---------------------------------------------------------------- HTTP details


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether `Accept-Encoding` allows gzip (RFC 9110 §12.5.3, q=0 means no)."""
    if not accept_encoding:
        return False
    gzip_q: float | None = None
    any_q: float | None = None
    for part in accept_encoding.split(","):
        coding, _, parameters = part.partition(";")
        coding = coding.strip().lower()
        quality = 1.0
        for parameter in parameters.split(";"):
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        if coding in ("gzip", "x-gzip"):
            gzip_q = quality
        elif coding == "*":
            any_q = quality
    chosen = gzip_q if gzip_q is not None else any_q
    return chosen is not None and chosen > 0


def _etag_matches(if_none_match: str, etags: frozenset[str]) -> bool:
    """Weak comparison, as RFC 9110 §13.1.2 asks for If-None-Match."""
    for candidate in if_none_match.split(","):
        tag = candidate.strip()
        if tag == "*":
            return True
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag in etags:
            return True
    return False


def _not_modified_since(if_modified_since: str, rendered_at: datetime) -> bool:
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return int(rendered_at.timestamp()) <= since.timestamp()


def _quoted(etag: str) -> str:
    bare = etag[2:] if etag.startswith("W/") else etag
    return bare if bare.startswith('"') else f'"{bare}"'


class _RawResponse(Response):
    """A response whose header bytes were prepared once (no per-request encoding)."""

    def __init__(self, status_code: int, raw_headers: list[tuple[bytes, bytes]], body: bytes):
        self.status_code = status_code
        self.background: BackgroundTask | None = None
        self.body = body
        # A copy: middleware may append to the list it is sent, and ours is cached.
        self.raw_headers = list(raw_headers)


@dataclass(frozen=True, slots=True)
class _Variant:
    """One encoding of one feed version: its full, HEAD and 304 answers."""

    full: list[tuple[bytes, bytes]]
    not_modified: list[tuple[bytes, bytes]]
    body: bytes


@dataclass(frozen=True, slots=True)
class _PreparedFeed:
    identity: _Variant
    gzipped: _Variant
    etags: frozenset[str]
    rendered_at: datetime


def _prepare(feed: RenderedFeed, cache_control: str) -> _PreparedFeed:
    """Headers for both encodings and the gzip bytes, computed once per feed version."""
    etag = _quoted(feed.etag)
    gzip_etag = etag[:-1] + '-gzip"'
    rendered_at = (
        feed.rendered_at if feed.rendered_at.tzinfo else feed.rendered_at.replace(tzinfo=UTC)
    )
    validators = [
        (b"last-modified", format_datetime(rendered_at.astimezone(UTC), usegmt=True).encode()),
        (b"cache-control", cache_control.encode("latin-1")),
        (b"vary", b"Accept-Encoding"),
    ]
    compressed = gzip.compress(feed.body, compresslevel=9, mtime=0)

    def variant(tag: str, body: bytes, extra: list[tuple[bytes, bytes]]) -> _Variant:
        not_modified = [(b"etag", tag.encode("latin-1")), *validators]
        full = [
            *not_modified,
            (b"content-type", CONTENT_TYPE.encode()),
            (b"content-length", str(len(body)).encode()),
            *extra,
        ]
        return _Variant(full, not_modified, body)

    return _PreparedFeed(
        identity=variant(etag, feed.body, []),
        gzipped=variant(gzip_etag, compressed, [(b"content-encoding", b"gzip")]),
        etags=frozenset({etag, gzip_etag}),
        rendered_at=rendered_at,
    )


def _plain(status_code: int, text: str, extra: Mapping[str, str] | None = None) -> Response:
    headers = {"cache-control": "no-store", **(extra or {})}
    return Response(text, status_code=status_code, media_type="text/plain", headers=headers)


# ---------------------------------------------------------------- the endpoint


@dataclass(slots=True)
class _Seen:
    checked_at: float
    hit: FeedHit


class FeedServer:
    """The feed endpoint with its two small caches (token status, prepared feeds)."""

    def __init__(
        self,
        lookup: FeedLookup,
        settings: FeedSettings,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lookup = lookup
        self._settings = settings
        self._monotonic = monotonic
        self._tokens: OrderedDict[bytes, _Seen] = OrderedDict()
        self._feeds: OrderedDict[tuple[int, str], _PreparedFeed] = OrderedDict()

    async def handle(self, request: Request) -> Response:
        token = str(request.path_params.get("token", ""))
        if not TOKEN_SHAPE.fullmatch(token):
            return _plain(404, "No such calendar feed.\n")
        hit = await self._find(token)
        if hit is None:
            return _plain(503, "The calendar feed is briefly unavailable.\n", {"retry-after": "60"})
        if isinstance(hit, FeedGone):
            return _plain(
                410, "This calendar feed address was replaced; subscribe to the new one.\n"
            )
        if isinstance(hit, FeedUnknown):
            return _plain(404, "No such calendar feed.\n")
        prepared = self._prepared(hit.feed)
        variant = (
            prepared.gzipped
            if accepts_gzip(request.headers.get("accept-encoding"))
            else prepared.identity
        )
        if self._is_not_modified(request, prepared):
            return _RawResponse(304, variant.not_modified, b"")
        if request.method == "HEAD":
            return _RawResponse(200, variant.full, b"")
        return _RawResponse(200, variant.full, variant.body)

    @staticmethod
    def _is_not_modified(request: Request, prepared: _PreparedFeed) -> bool:
        if_none_match = request.headers.get("if-none-match")
        if if_none_match is not None:
            return _etag_matches(if_none_match, prepared.etags)
        if_modified_since = request.headers.get("if-modified-since")
        if if_modified_since is not None:
            return _not_modified_since(if_modified_since, prepared.rendered_at)
        return False

    async def _find(self, token: str) -> FeedHit | None:
        """The token's status, from the cache when fresh; None when nothing can be served."""
        key = hashlib.sha256(token.encode()).digest()
        now = self._monotonic()
        seen = self._tokens.get(key)
        if seen is not None and now - seen.checked_at < self._settings.token_status_ttl_s:
            return seen.hit
        try:
            hit = await run_in_threadpool(self._lookup.find_feed, token)
            if isinstance(hit, FeedOk) and not hit.feed.body:
                raise ValueError("stored feed is empty")
        except Exception as error:
            return self._stale(seen, now, error)
        self._remember(key, _Seen(now, hit))
        return hit

    def _stale(self, seen: _Seen | None, now: float, error: Exception) -> FeedHit | None:
        """What this process last knew about the token, if recent enough (else None: 503).

        A 410 or 404 seen earlier stays true (tokens are never revived), and a
        feed seen earlier is better than a 5xx, which disables the calendar.
        """
        usable = seen is not None and now - seen.checked_at < self._settings.stale_on_error_s
        # The error text could quote the token; log its type only.
        logger.warning(
            "feed lookup failed (%s); %s",
            type(error).__name__,
            "answering from the last lookup" if usable else "nothing stored to serve",
        )
        return seen.hit if usable and seen is not None else None

    def _remember(self, key: bytes, seen: _Seen) -> None:
        self._tokens[key] = seen
        self._tokens.move_to_end(key)
        while len(self._tokens) > _MAX_TOKENS:
            self._tokens.popitem(last=False)

    def _prepared(self, feed: RenderedFeed) -> _PreparedFeed:
        key = (feed.athlete_id, feed.etag)
        prepared = self._feeds.get(key)
        if prepared is None:
            prepared = _prepare(feed, self._settings.cache_control)
            self._feeds[key] = prepared
            while len(self._feeds) > _MAX_FEEDS:
                self._feeds.popitem(last=False)
        else:
            self._feeds.move_to_end(key)
        return prepared


def feed_routes(
    lookup: FeedLookup,
    settings: FeedSettings | None = None,
    *,
    monotonic: Callable[[], float] = time.monotonic,
) -> list[BaseRoute]:
    """The feed route, to add to the service's Starlette app."""
    server = FeedServer(lookup, settings or FeedSettings(), monotonic)
    return [Route("/feeds/{token}.ics", server.handle, methods=["GET", "HEAD"], name="feed")]
