"""The feed route (GET/HEAD of a token's feed) over an in-memory FeedLookup (our own interface)."""

from __future__ import annotations

import asyncio
import gzip
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from email.utils import format_datetime
from typing import Any

import pytest
from starlette.applications import Starlette

from syncsvc import routes
from syncsvc.domain import Athlete, Profile
from syncsvc.feed import FeedSettings, feed_etag, render_feed
from syncsvc.server.feed_fast_path import FeedFastPath
from syncsvc.server.feed_routes import FeedServer, feed_routes
from syncsvc.testing.fixed_plan import demo_mobility, demo_sessions
from tests.server.feed_doubles import (
    BODY,
    NEW_TOKEN,
    RENDERED_AT,
    TOKEN,
    Clock,
    MemoryLookup,
    served_by_uvicorn,
    server_log,
    stored_feed,
)
from tests.server.harness import TestClient


@pytest.fixture
def lookup() -> MemoryLookup:
    return MemoryLookup()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["routed", "fast path"])
def client(
    request: pytest.FixtureRequest, lookup: MemoryLookup, clock: Clock
) -> Iterator[TestClient]:
    """Every test runs through the route, and through the raw ASGI fast path in front of it."""
    server = FeedServer(lookup, FeedSettings(), clock)
    app: Any = Starlette(routes=feed_routes(lookup, server=server))
    if request.param == "fast path":
        app = FeedFastPath(app, server)
    with TestClient(app) as test_client:
        yield test_client


def url(token: str = TOKEN) -> str:
    return routes.feed_path(token)


IDENTITY = {"Accept-Encoding": "identity"}


def test_get_serves_the_stored_bytes_with_calendar_headers(client: TestClient) -> None:
    response = client.get(url(), headers=IDENTITY)

    assert response.status_code == 200
    assert response.content == BODY
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["etag"] == f'"{feed_etag(BODY)}"'
    assert response.headers["last-modified"] == "Sun, 10 May 2026 07:45:12 GMT"
    assert response.headers["cache-control"] == "private, max-age=300"
    assert response.headers["content-length"] == str(len(BODY))
    assert "content-encoding" not in response.headers


def test_matching_if_none_match_answers_304_without_a_body(client: TestClient) -> None:
    etag = client.get(url(), headers=IDENTITY).headers["etag"]

    response = client.get(url(), headers={**IDENTITY, "If-None-Match": etag})

    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    assert response.headers["cache-control"] == "private, max-age=300"


@pytest.mark.parametrize(
    "if_none_match",
    [f'W/"{feed_etag(BODY)}"', f'"other", "{feed_etag(BODY)}"', "*"],
)
def test_weak_listed_and_star_etags_match(client: TestClient, if_none_match: str) -> None:
    response = client.get(url(), headers={**IDENTITY, "If-None-Match": if_none_match})

    assert response.status_code == 304


def test_stale_etag_gets_the_full_feed(client: TestClient) -> None:
    response = client.get(url(), headers={**IDENTITY, "If-None-Match": '"old-version"'})

    assert response.status_code == 200
    assert response.content == BODY


def test_if_modified_since_answers_304_unless_the_feed_is_newer(client: TestClient) -> None:
    same = format_datetime(RENDERED_AT, usegmt=True)
    before = format_datetime(datetime(2026, 5, 10, 7, 45, 11, tzinfo=UTC), usegmt=True)

    assert client.get(url(), headers={"If-Modified-Since": same}).status_code == 304
    assert client.get(url(), headers={"If-Modified-Since": before}).status_code == 200
    assert client.get(url(), headers={"If-Modified-Since": "yesterday"}).status_code == 200


def test_if_none_match_wins_over_if_modified_since(client: TestClient) -> None:
    headers = {
        "If-None-Match": '"old-version"',
        "If-Modified-Since": format_datetime(RENDERED_AT, usegmt=True),
    }

    assert client.get(url(), headers=headers).status_code == 200


def test_head_gives_the_headers_of_a_get_and_no_body(client: TestClient) -> None:
    get = client.get(url(), headers=IDENTITY)
    head = client.head(url(), headers=IDENTITY)

    assert head.status_code == 200
    assert head.content == b""
    for name in ("content-type", "etag", "last-modified", "cache-control", "content-length"):
        assert head.headers[name] == get.headers[name]


def test_gzip_when_the_client_asks(client: TestClient) -> None:
    response = client.get(url(), headers={"Accept-Encoding": "gzip, deflate"})

    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert int(response.headers["content-length"]) < len(BODY) // 4
    assert response.content == BODY  # httpx decodes it
    assert response.headers["etag"] == f'"{feed_etag(BODY)}-gzip"'
    again = client.get(
        url(), headers={"Accept-Encoding": "gzip", "If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304


def test_gzip_is_prepared_once_per_feed_version(
    client: TestClient, lookup: MemoryLookup, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    compressions: list[int] = []
    real_compress = gzip.compress

    def counting_compress(data: bytes, *args: object, **kwargs: object) -> bytes:
        compressions.append(len(data))
        return real_compress(data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(gzip, "compress", counting_compress)
    for _ in range(5):
        client.get(url(), headers={"Accept-Encoding": "gzip"})
    lookup.current[TOKEN] = stored_feed(BODY + b"X-NEW:1\r\n")
    clock.now += 6
    for _ in range(3):
        client.get(url(), headers={"Accept-Encoding": "gzip"})

    assert len(compressions) == 2


def test_unknown_token_is_404(client: TestClient) -> None:
    response = client.get(url("A" * 32))

    assert response.status_code == 404
    assert response.content != b""


def test_malformed_token_is_404_without_asking_the_store(
    client: TestClient, lookup: MemoryLookup
) -> None:
    for token in ("short", "x" * 200, "bad%20token%20with%20spaces"):
        assert client.get(url(token)).status_code == 404
    assert lookup.calls == 0


def test_rotated_token_answers_410_within_5_seconds_and_the_new_one_works(
    client: TestClient, lookup: MemoryLookup, clock: Clock
) -> None:
    assert client.get(url()).status_code == 200
    lookup.rotate(TOKEN, NEW_TOKEN)

    clock.now += 5.0
    gone = client.get(url())
    fresh = client.get(url(NEW_TOKEN))

    assert gone.status_code == 410
    assert fresh.status_code == 200
    assert fresh.content == BODY


def test_token_status_is_cached_briefly(
    client: TestClient, lookup: MemoryLookup, clock: Clock
) -> None:
    for _ in range(10):
        client.get(url())
        clock.now += 0.4

    assert lookup.calls == 1


def test_store_failure_serves_the_last_good_bytes(
    client: TestClient, lookup: MemoryLookup, clock: Clock
) -> None:
    assert client.get(url()).status_code == 200
    lookup.down = True
    clock.now += 60

    response = client.get(url(), headers=IDENTITY)

    assert response.status_code == 200
    assert response.content == BODY


def test_store_failure_without_stored_bytes_is_never_an_empty_200(
    client: TestClient, lookup: MemoryLookup
) -> None:
    lookup.down = True

    response = client.get(url())

    assert response.status_code == 503
    assert response.headers["retry-after"] == "60"


def test_an_empty_stored_feed_is_never_served(
    client: TestClient, lookup: MemoryLookup, clock: Clock
) -> None:
    assert client.get(url()).status_code == 200
    lookup.current[TOKEN] = stored_feed(b"")
    clock.now += 6

    kept = client.get(url(), headers=IDENTITY)
    lookup.current[NEW_TOKEN] = stored_feed(b"")
    never_good = client.get(url(NEW_TOKEN))

    assert kept.status_code == 200
    assert kept.content == BODY
    assert never_good.status_code == 503


def test_route_logs_never_hold_the_token(
    client: TestClient, lookup: MemoryLookup, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client.get(url())
    lookup.down = True
    clock.now += 10
    client.get(url())
    client.get(url(NEW_TOKEN))

    assert "feed lookup failed" in server_log(caplog)
    assert TOKEN not in server_log(caplog)
    assert NEW_TOKEN not in server_log(caplog)


@pytest.fixture
def live_server(lookup: MemoryLookup) -> Iterator[str]:
    with served_by_uvicorn(Starlette(routes=feed_routes(lookup))) as base_url:
        yield base_url


@pytest.mark.shared
def test_icscheck_accepts_the_served_feed_over_http(
    live_server: str, lookup: MemoryLookup, icscheck: Callable[..., Any]
) -> None:
    """icscheck's HTTP mode: type, charset, gzip, validators, a conditional re-GET gives 304."""
    monday = date(2026, 3, 23)
    body = render_feed(
        athlete=Athlete(7, "Zoë", Profile(timezone="Europe/Berlin"), RENDERED_AT),
        sessions=demo_sessions(7, monday, 6),
        host="feeds.syncsvc.test",
        settings=FeedSettings(),
        today=monday,
        mobility=demo_mobility(monday, 6),
    )
    lookup.current[TOKEN] = stored_feed(body)

    result = icscheck(live_server + url())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "encoding=gzip" in result.stdout
    assert "conditional=304" in result.stdout
    # Plain http is expected on loopback: TLS ends at the proxy in front.
    assert "warnings=1 " in result.stdout
    assert "PLAIN_HTTP" in result.stdout


def test_store_failure_keeps_a_rotated_token_gone(
    client: TestClient, lookup: MemoryLookup, clock: Clock
) -> None:
    lookup.rotate(TOKEN, NEW_TOKEN)
    assert client.get(url()).status_code == 410
    lookup.down = True
    clock.now += 60

    assert client.get(url()).status_code == 410


def test_store_failure_beyond_the_stale_limit_is_503_not_old_bytes(
    client: TestClient, lookup: MemoryLookup, clock: Clock
) -> None:
    assert client.get(url()).status_code == 200
    lookup.down = True
    clock.now += FeedSettings().stale_on_error_s + 1

    assert client.get(url()).status_code == 503


def test_the_fast_path_answers_feed_reads_without_the_app(lookup: MemoryLookup) -> None:
    """GET and HEAD of a feed path never reach the app behind; anything else does."""
    reached: list[tuple[str, str]] = []

    async def behind(scope: Any, receive: Any, send: Any) -> None:
        reached.append((scope["method"], scope["path"]))
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    routed = Starlette(routes=feed_routes(lookup))
    fast = TestClient(FeedFastPath(behind, FeedServer(lookup, FeedSettings())))  # no lifespan
    with TestClient(routed) as plain:
        for method, path in (("GET", url()), ("HEAD", url()), ("GET", url("x" * 20))):
            answer = fast.request(method, path)
            expected = plain.request(method, path)
            assert (answer.status_code, answer.content) == (expected.status_code, expected.content)
            assert answer.headers.items() == expected.headers.items()
    assert reached == []
    for method, path in (("POST", url()), ("GET", "/feeds/a/b.ics"), ("GET", "/healthz")):
        assert fast.request(method, path).status_code == 299
    # A read that carries a body goes to the app, where the body limit stands.
    assert fast.request("GET", url(), content=b"x" * 10).status_code == 299
    assert fast.request("GET", url(), headers={"content-length": "0"}).status_code == 200
    assert reached == [
        ("POST", url()),
        ("GET", "/feeds/a/b.ics"),
        ("GET", "/healthz"),
        ("GET", url()),
    ]


class SlowLookup(MemoryLookup):
    """A store read that takes a while, so that polls pile up behind it."""

    def find_feed(self, token: str) -> Any:
        time.sleep(0.05)
        return super().find_feed(token)


def test_polls_that_find_the_status_expired_share_one_store_lookup(clock: Clock) -> None:
    lookup = SlowLookup()
    server = FeedServer(lookup, FeedSettings(), clock)

    async def polls(count: int) -> list[Any]:
        return await asyncio.gather(*(server.answer(TOKEN, "GET", {}) for _ in range(count)))

    first = asyncio.run(polls(20))
    clock.now += FeedSettings().token_status_ttl_s  # the status expires: one more lookup
    second = asyncio.run(polls(20))

    assert lookup.calls == 2
    assert {answer.status for answer in first + second} == {200}


def test_a_poll_whose_client_leaves_does_not_cancel_the_shared_lookup(clock: Clock) -> None:
    lookup = SlowLookup()
    server = FeedServer(lookup, FeedSettings(), clock)

    async def one_leaves() -> Any:
        leaving = asyncio.ensure_future(server.answer(TOKEN, "GET", {}))
        staying = asyncio.ensure_future(server.answer(TOKEN, "GET", {}))
        await asyncio.sleep(0.01)
        leaving.cancel()
        return await staying

    assert asyncio.run(one_leaves()).status == 200
    assert lookup.calls == 1
