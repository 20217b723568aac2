"""GET/HEAD /feeds/{token}.ics over a small in-memory FeedLookup (our own interface)."""

from __future__ import annotations

import gzip
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.testclient import TestClient

from syncsvc.domain import Athlete, Profile, RenderedFeed
from syncsvc.feed import FeedSettings, feed_etag, render_feed
from syncsvc.server.feed_routes import (
    FeedGone,
    FeedHit,
    FeedOk,
    FeedUnknown,
    accepts_gzip,
    feed_routes,
    install_token_redaction,
    redact_feed_tokens,
)
from syncsvc.testing.fixed_plan import demo_mobility, demo_sessions

TOKEN = "q3JtV0xkR2hZbE9pTnNwWk1fa2Vz-A7rT"
NEW_TOKEN = "Zx9_bQ2mLp4sNc8vRt6yWu1eHg3jKf5dA"
BODY = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-CALNAME:Zoë\r\nEND:VCALENDAR\r\n".encode() * 40
RENDERED_AT = datetime(2026, 5, 10, 7, 45, 12, tzinfo=UTC)


def stored_feed(body: bytes = BODY, athlete_id: int = 7) -> RenderedFeed:
    return RenderedFeed(athlete_id, body, feed_etag(body), RENDERED_AT, plan_version="v1")


class MemoryLookup:
    """Tokens in a dict; rotation moves the old one to `rotated`."""

    def __init__(self) -> None:
        self.current: dict[str, RenderedFeed] = {TOKEN: stored_feed()}
        self.rotated: set[str] = set()
        self.down = False
        self.calls = 0

    def find_feed(self, token: str) -> FeedHit:
        self.calls += 1
        if self.down:
            raise RuntimeError(f"database is down (while looking up {token})")
        if token in self.current:
            return FeedOk(self.current[token])
        if token in self.rotated:
            return FeedGone()
        return FeedUnknown()

    def rotate(self, old: str, new: str) -> None:
        self.current[new] = self.current.pop(old)
        self.rotated.add(old)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def lookup() -> MemoryLookup:
    return MemoryLookup()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(lookup: MemoryLookup, clock: Clock) -> Iterator[TestClient]:
    app = Starlette(routes=feed_routes(lookup, FeedSettings(), monotonic=clock))
    with TestClient(app) as test_client:
        yield test_client


def url(token: str = TOKEN) -> str:
    return f"/feeds/{token}.ics"


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


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("", False),
        ("gzip", True),
        ("deflate, gzip;q=0.5", True),
        ("GZIP", True),
        ("gzip;q=0", False),
        ("identity", False),
        ("*", True),
        ("*;q=0.1, gzip;q=0", False),
        ("br, *;q=0", False),
    ],
)
def test_accept_encoding_is_read_with_its_q_values(header: str | None, expected: bool) -> None:
    assert accepts_gzip(header) is expected


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


def server_log(caplog: pytest.LogCaptureFixture) -> str:
    """Captured log text, without the test's own HTTP client (httpx logs the URLs it fetches)."""
    return "\n".join(
        record.getMessage()
        for record in caplog.records
        if not record.name.startswith(("httpx", "httpcore"))
    )


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


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f"GET /feeds/{TOKEN}.ics HTTP/1.1", "GET /feeds/[redacted] HTTP/1.1"),
        (f"/feeds/{TOKEN}.ics?x=1", "/feeds/[redacted]?x=1"),
        (f'"/feeds/{TOKEN}"', '"/feeds/[redacted]"'),
        ("/health", "/health"),
    ],
)
def test_redaction_hides_the_token_segment(line: str, expected: str) -> None:
    assert redact_feed_tokens(line) == expected


@pytest.fixture
def live_server(lookup: MemoryLookup) -> Iterator[str]:
    """The route under a real uvicorn on 127.0.0.1, logging through the root logger."""
    app = Starlette(routes=feed_routes(lookup))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_config=None, access_log=True, log_level="info")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def redaction() -> Iterator[Callable[[], None]]:
    installed: list[logging.Filter] = []

    def install() -> None:
        installed.append(install_token_redaction())

    yield install
    for redactor in installed:
        for name in ("uvicorn.access", "uvicorn.error"):
            logging.getLogger(name).removeFilter(redactor)


def test_uvicorn_access_log_never_prints_the_token(
    live_server: str,
    lookup: MemoryLookup,
    redaction: Callable[[], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    redaction()
    lookup.rotate(TOKEN, NEW_TOKEN)

    statuses = [
        httpx.get(f"{live_server}/feeds/{token}.ics?utm=x").status_code
        for token in (TOKEN, NEW_TOKEN, "Q" * 40)
    ]

    assert statuses == [410, 200, 404]
    access_lines = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert len(access_lines) == 3
    assert all("/feeds/[redacted]" in line for line in access_lines)
    logged = server_log(caplog)
    assert TOKEN not in logged
    assert NEW_TOKEN not in logged
    assert "Q" * 40 not in logged


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

    result = icscheck(f"{live_server}/feeds/{TOKEN}.ics")

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


def test_headers_added_by_middleware_do_not_pile_up_in_the_cached_answer(
    lookup: MemoryLookup,
) -> None:
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
            response = test_client.get(url())

    assert response.headers.get_list("x-raw") == ["1"]
    assert response.headers.get_list("x-served-by") == ["test"]
