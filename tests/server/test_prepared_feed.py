"""A feed version's prepared answers: the header lines of the 200, the HEAD and the 304."""

from __future__ import annotations

import gzip
from dataclasses import replace
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response

from syncsvc import routes
from syncsvc.feed import feed_etag
from syncsvc.server.feed_routes import feed_routes
from syncsvc.server.prepared_feed import FeedAnswer, prepare_feed
from tests.server.feed_doubles import BODY, TOKEN, MemoryLookup, stored_feed
from tests.server.harness import TestClient

CACHE_CONTROL = "private, max-age=300"


def headers_of(answer: FeedAnswer) -> dict[str, str]:
    return {name.decode(): value.decode() for name, value in answer.headers}


def test_the_full_answer_carries_the_body_and_every_header() -> None:
    prepared = prepare_feed(stored_feed(), CACHE_CONTROL)

    response = prepared.answer(gzipped=False, not_modified=False, head=False)

    assert (response.status, response.body) == (200, BODY)
    assert headers_of(response) == {
        "etag": f'"{feed_etag(BODY)}"',
        "last-modified": "Sun, 10 May 2026 07:45:12 GMT",
        "cache-control": CACHE_CONTROL,
        "vary": "Accept-Encoding",
        "content-type": "text/calendar; charset=utf-8",
        "content-length": str(len(BODY)),
    }


def test_the_gzip_answer_has_its_own_etag_length_and_encoding() -> None:
    prepared = prepare_feed(stored_feed(), CACHE_CONTROL)

    response = prepared.answer(gzipped=True, not_modified=False, head=False)

    headers = headers_of(response)
    assert gzip.decompress(response.body) == BODY
    assert headers["content-encoding"] == "gzip"
    assert headers["content-length"] == str(len(response.body))
    assert headers["etag"] == f'"{feed_etag(BODY)}-gzip"'
    assert prepared.etags == {f'"{feed_etag(BODY)}"', f'"{feed_etag(BODY)}-gzip"'}


def test_head_keeps_the_full_length_and_sends_no_body() -> None:
    prepared = prepare_feed(stored_feed(), CACHE_CONTROL)

    head = prepared.answer(gzipped=False, not_modified=False, head=True)

    assert (head.status, head.body) == (200, b"")
    assert headers_of(head)["content-length"] == str(len(BODY))


def test_the_304_carries_the_validators_and_no_content_headers() -> None:
    prepared = prepare_feed(stored_feed(), CACHE_CONTROL)

    response = prepared.answer(gzipped=True, not_modified=True, head=False)

    assert (response.status, response.body) == (304, b"")
    assert set(headers_of(response)) == {"etag", "last-modified", "cache-control", "vary"}


def test_a_feed_rendered_without_a_zone_is_dated_in_utc() -> None:
    feed = stored_feed()
    naive = replace(feed, rendered_at=feed.rendered_at.replace(tzinfo=None))

    response = prepare_feed(naive, CACHE_CONTROL).answer(
        gzipped=False, not_modified=False, head=False
    )

    assert headers_of(response)["last-modified"] == "Sun, 10 May 2026 07:45:12 GMT"


def test_headers_added_by_middleware_do_not_pile_up_in_the_cached_answer() -> None:
    lookup = MemoryLookup()

    class Stamp(BaseHTTPMiddleware):
        async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
            response = await call_next(request)
            response.headers.append("x-served-by", "test")
            return response

    class Raw:
        """Pure ASGI middleware appending to the header list it is sent."""

        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            async def sending(message: Any) -> None:
                if message["type"] == "http.response.start":
                    message["headers"].append((b"x-raw", b"1"))
                await send(message)

            await self.app(scope, receive, sending)

    app = Starlette(routes=feed_routes(lookup), middleware=[Middleware(Stamp), Middleware(Raw)])
    with TestClient(app) as test_client:
        for _ in range(3):
            response = test_client.get(routes.feed_path(TOKEN))

    assert response.headers.get_list("x-raw") == ["1"]
    assert response.headers.get_list("x-served-by") == ["test"]
