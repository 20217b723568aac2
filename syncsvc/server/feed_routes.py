"""The feed route (`routes.FEED`): the stored feed bytes, cheap to poll.

The feed is rendered once per plan change and stored with its ETag; this route
only looks the token up and serves those bytes: strong ETag, Last-Modified,
Cache-Control, 304 on `If-None-Match` / `If-Modified-Since` (`conditional.py`),
gzip prepared once per feed version (`compression.py`, `prepared_feed.py`),
HEAD. A rotated-away token answers 410 (subscribers stop polling), an unknown
one 404.

Each process trusts a token's status for at most `token_status_ttl_s` (5 s),
so a rotation reaches every process within 5 seconds. Tokens are held in memory
only as SHA-256 digests: a dict lookup by digest leaks nothing usable about the
token, and the store compares its own digests with `hmac.compare_digest`.

Never a 5xx or an empty 200 for a feed that has stored bytes: when the store
cannot be read, the last bytes this process served for the token are served
again (up to `stale_on_error_s` old).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from syncsvc import routes
from syncsvc.domain import RenderedFeed
from syncsvc.feed.settings import FeedSettings
from syncsvc.server.compression import accepts_gzip
from syncsvc.server.conditional import is_not_modified
from syncsvc.server.prepared_feed import FeedAnswer, PreparedFeed, plain_answer, prepare_feed

logger = logging.getLogger(__name__)

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


# ---------------------------------------------------------------- the endpoint


NO_SUCH_FEED = plain_answer(404, "No such calendar feed.\n")
FEED_REPLACED = plain_answer(
    410, "This calendar feed address was replaced; subscribe to the new one.\n"
)
FEED_UNAVAILABLE = plain_answer(
    503, "The calendar feed is briefly unavailable.\n", (b"retry-after", b"60")
)


def _digest(token: str) -> bytes:
    """How a token is held in memory: its SHA-256, never the token itself."""
    return hashlib.sha256(token.encode()).digest()


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
        self.lookup = lookup
        self._settings = settings
        self._monotonic = monotonic
        self._tokens: OrderedDict[bytes, _Seen] = OrderedDict()
        self._feeds: OrderedDict[tuple[int, str], PreparedFeed] = OrderedDict()
        self._lookups: dict[bytes, asyncio.Future[FeedHit | None]] = {}

    async def handle(self, request: Request) -> Response:
        token = str(request.path_params.get("token", ""))
        answer = await self.answer(token, request.method, request.headers)
        return answer.response()

    async def answer(self, token: str, method: str, headers: Mapping[str, str]) -> FeedAnswer:
        """The answer to a GET or HEAD of the token's feed (`headers` keyed in lower case)."""
        known = self.known_answer(token, method, headers)
        if known is not None:
            return known
        return self._answer_for(await self._look_up(token), method, headers)

    def known_answer(
        self, token: str, method: str, headers: Mapping[str, str]
    ) -> FeedAnswer | None:
        """`answer` without waiting, when the token's status is fresh in the cache (or the
        token cannot be one); None when the store must be asked (`answer` does).

        Nearly every poll is answered here: the fast path then makes no coroutine of its own.
        """
        if not TOKEN_SHAPE.fullmatch(token):
            return NO_SUCH_FEED
        seen = self._tokens.get(_digest(token))
        if seen is None or self._monotonic() - seen.checked_at >= self._settings.token_status_ttl_s:
            return None
        return self._answer_for(seen.hit, method, headers)

    def _answer_for(
        self, hit: FeedHit | None, method: str, headers: Mapping[str, str]
    ) -> FeedAnswer:
        if hit is None:
            return FEED_UNAVAILABLE
        if isinstance(hit, FeedGone):
            return FEED_REPLACED
        if isinstance(hit, FeedUnknown):
            return NO_SUCH_FEED
        prepared = self._prepared(hit.feed)
        return prepared.answer(
            gzipped=accepts_gzip(headers.get("accept-encoding")),
            not_modified=is_not_modified(
                headers, etags=prepared.etags, last_modified=prepared.rendered_at
            ),
            head=method == "HEAD",
        )

    async def _look_up(self, token: str) -> FeedHit | None:
        """The token's status from the store (its cached one was missing or too old, as
        `known_answer` found); None when nothing can be served.

        One lookup a token at a time: the polls that find its status expired while a
        lookup is under way wait for that one. A calendar app's polls, or many clients
        of one feed, then never queue a store read each behind the thread pool (under
        load that was a burst of reads every 5 s, and the feed's p99).
        """
        key = _digest(token)
        lookup = self._lookups.get(key)
        if lookup is None:
            lookup = self._lookups[key] = asyncio.ensure_future(self._look_up_now(token, key))
            lookup.add_done_callback(lambda done: self._lookups.pop(key, None))
        # Shielded: a poll whose client went away does not cancel the others' lookup.
        return await asyncio.shield(lookup)

    async def _look_up_now(self, token: str, key: bytes) -> FeedHit | None:
        now = self._monotonic()
        seen = self._tokens.get(key)
        try:
            hit = await run_in_threadpool(self.lookup.find_feed, token)
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

    def _prepared(self, feed: RenderedFeed) -> PreparedFeed:
        key = (feed.athlete_id, feed.etag)
        prepared = self._feeds.get(key)
        if prepared is None:
            prepared = prepare_feed(feed, self._settings.cache_control)
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
    server: FeedServer | None = None,
) -> list[BaseRoute]:
    """The feed route, to add to the service's Starlette app (`server`: the one the
    app's fast path answers with too, `feed_fast_path.FeedFastPath`)."""
    server = server or FeedServer(lookup, settings or FeedSettings(), monotonic)
    return [
        Route(routes.path_of(routes.FEED), server.handle, methods=["GET", "HEAD"], name=routes.FEED)
    ]
