"""The feed protocol (`feed_protocol.py`) against uvicorn's own, on real sockets.

Each case is sent as raw bytes to two real uvicorn servers around the same app: one
with `FeedHttpProtocol`, one with uvicorn's httptools protocol. The answers must be
the same bytes (the `date` line aside, which uvicorn renews every second), the
access lines the same, and the known feed answers must not reach the ASGI app.
"""

from __future__ import annotations

import io
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from syncsvc import routes
from syncsvc.feed.settings import FeedSettings
from syncsvc.server.access_log import AccessLog
from syncsvc.server.feed_fast_path import FeedFastPath
from syncsvc.server.feed_protocol import FeedHttpProtocol
from syncsvc.server.feed_routes import FeedServer, feed_routes
from tests.server.feed_doubles import NEW_TOKEN, TOKEN, MemoryLookup

FEED = routes.feed_path(TOKEN).encode()
UNKNOWN = routes.feed_path("n0t-a-t0ken-we-know-of-at-all-xyz").encode()
MALFORMED = routes.feed_path("bad").encode()


class CountingLayer:
    """An ASGI layer outside the fast path: counts the requests that reach the app at all."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.calls = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.calls += 1
        await self.app(scope, receive, send)


@dataclass
class Served:
    port: int
    app: CountingLayer
    log: io.StringIO
    counts: list[int]

    def lines(self) -> list[str]:
        """The access lines without their time, each client port written as PORT (each
        connection has its own)."""
        return [
            re.sub(r":\d+ - ", ":PORT - ", line.partition(" INFO ")[2])
            for line in self.log.getvalue().splitlines()
        ]


@contextmanager
def served(lookup: MemoryLookup, http: Any) -> Iterator[Served]:
    """The service's arrangement of the feed (fast path, access log, count) under uvicorn."""
    server = FeedServer(lookup, FeedSettings())

    async def other(request: Any) -> PlainTextResponse:
        return PlainTextResponse("other")

    routed = Starlette(routes=[*feed_routes(lookup, server=server), Route("/other", other)])
    stream = io.StringIO()
    access = AccessLog(logging.StreamHandler(stream), json_lines=False)
    counts: list[int] = []
    app = CountingLayer(FeedFastPath(routed, server, counts.append, access))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app,
        http=http,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        server_header=False,
    )
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(target=uvicorn_server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uvicorn_server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield Served(sock.getsockname()[1], app, stream, counts)
    finally:
        uvicorn_server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        access.flush()


def exchange(port: int, raw: bytes, answers: int = 1, dated: bool = False) -> list[bytes]:
    """Send `raw` on one connection and read `answers` whole responses, their `date` lines
    left out unless `dated`."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(raw)
        received = b""
        responses: list[bytes] = []
        methods = re.findall(rb"(?:^|\r\n\r\n)([A-Z]+) ", raw)  # of each request, in order
        while len(responses) < answers:
            head_end = received.find(b"\r\n\r\n")
            if head_end >= 0:
                head = received[:head_end]
                length = re.search(rb"\r\ncontent-length: (\d+)", head)
                head_request = methods[len(responses)] == b"HEAD"
                no_body = head_request or b" 304 " in head.split(b"\r\n")[0]
                size = head_end + 4 + (0 if no_body or not length else int(length.group(1)))
                if len(received) >= size:
                    responses.append(received[:size])
                    received = received[size:]
                    continue
            chunk = connection.recv(65536)
            if not chunk:
                break
            received += chunk
    if dated:
        return responses
    return [re.sub(rb"\r\ndate: [^\r]*", b"", response) for response in responses]


def request(method: bytes, target: bytes, *headers: bytes) -> bytes:
    lines = [method + b" " + target + b" HTTP/1.1", b"host: feeds.test", *headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"


@pytest.fixture
def pair() -> Iterator[tuple[Served, Served, MemoryLookup]]:
    lookup = MemoryLookup()
    lookup.rotated.add(NEW_TOKEN)
    with served(lookup, FeedHttpProtocol) as ours, served(lookup, "httptools") as uvicorns:
        # Learn each token's status once (a store lookup goes uvicorn's way, ASGI and all).
        for target in (FEED, UNKNOWN, routes.feed_path(NEW_TOKEN).encode()):
            for server in (ours, uvicorns):
                exchange(server.port, request(b"GET", target))
        yield ours, uvicorns, lookup


def etag_of(port: int) -> bytes:
    [answer] = exchange(port, request(b"GET", FEED))
    found = re.search(rb"\r\netag: ([^\r]*)", answer)
    assert found
    return found.group(1)


CASES = {
    "200": request(b"GET", FEED),
    "200 gzip": request(b"GET", FEED, b"accept-encoding: gzip"),
    "HEAD": request(b"HEAD", FEED),
    "304 by date": request(b"GET", FEED, b"if-modified-since: Sun, 10 May 2026 07:45:12 GMT"),
    "with a query": request(b"GET", FEED + b"?code=abc&x=1"),
    "404": request(b"GET", UNKNOWN),
    "404 malformed": request(b"GET", MALFORMED),
    "410": request(b"GET", routes.feed_path(NEW_TOKEN).encode()),
    "forwarded": request(b"GET", FEED, b"x-forwarded-for: 203.0.113.9"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_known_answer_is_uvicorns_bytes_without_the_app(
    pair: tuple[Served, Served, MemoryLookup], case: str
) -> None:
    ours, uvicorns, _ = pair
    calls_before = (ours.app.calls, uvicorns.app.calls)

    assert exchange(ours.port, CASES[case]) == exchange(uvicorns.port, CASES[case])
    assert ours.app.calls == calls_before[0], "a known answer went through the ASGI app"
    assert uvicorns.app.calls == calls_before[1] + 1


def test_the_answer_carries_uvicorns_date_line_first(
    pair: tuple[Served, Served, MemoryLookup],
) -> None:
    ours, _, _ = pair

    [answer] = exchange(ours.port, CASES["200"], dated=True)

    assert re.match(rb"HTTP/1.1 200 OK\r\ndate: \w{3}, \d\d \w{3} \d{4} [\d:]{8} GMT\r\n", answer)


def test_a_304_by_etag_is_uvicorns_bytes(pair: tuple[Served, Served, MemoryLookup]) -> None:
    ours, uvicorns, _ = pair
    conditional = request(b"GET", FEED, b"if-none-match: " + etag_of(ours.port))

    [answer] = exchange(ours.port, conditional)

    assert answer.startswith(b"HTTP/1.1 304 ")
    assert [answer] == exchange(uvicorns.port, conditional)


def test_access_lines_and_counts_are_the_same_either_way(
    pair: tuple[Served, Served, MemoryLookup],
) -> None:
    ours, uvicorns, _ = pair
    for raw in CASES.values():
        for server in (ours, uvicorns):
            exchange(server.port, raw)
    time.sleep(0.2)  # the lines of the last loop turn are written

    assert ours.lines() == uvicorns.lines()
    assert ours.counts == uvicorns.counts
    assert any("203.0.113.9:PORT - " in line for line in ours.lines()), "the forwarded client"
    assert TOKEN not in ours.log.getvalue()


def test_many_polls_on_one_connection_are_all_answered(
    pair: tuple[Served, Served, MemoryLookup],
) -> None:
    ours, uvicorns, _ = pair
    raw = CASES["200"] * 5 + CASES["HEAD"] + CASES["404"]

    assert exchange(ours.port, raw, answers=7) == exchange(uvicorns.port, raw, answers=7)


def test_a_poll_behind_a_request_in_flight_waits_its_turn(
    pair: tuple[Served, Served, MemoryLookup],
) -> None:
    """Pipelined: the app's answer to /other comes first, then the feed's."""
    ours, uvicorns, _ = pair
    raw = request(b"GET", b"/other") + CASES["200"]

    answers = exchange(ours.port, raw, answers=2)

    assert answers[0].endswith(b"other")
    assert answers == exchange(uvicorns.port, raw, answers=2)


@pytest.mark.parametrize(
    "raw",
    [
        request(b"GET", FEED, b"connection: close"),
        CASES["200"].replace(b"HTTP/1.1", b"HTTP/1.0"),
        request(b"POST", FEED, b"content-length: 0"),
        request(b"GET", FEED, b"content-length: 3") + b"abc",
    ],
    ids=["connection close", "HTTP/1.0", "POST", "a body"],
)
def test_what_uvicorn_would_answer_differently_goes_its_way(
    pair: tuple[Served, Served, MemoryLookup], raw: bytes
) -> None:
    ours, uvicorns, _ = pair
    calls_before = ours.app.calls

    assert exchange(ours.port, raw) == exchange(uvicorns.port, raw)
    assert ours.app.calls == calls_before + 1


def test_a_token_whose_status_is_not_known_goes_the_asgi_way(
    pair: tuple[Served, Served, MemoryLookup],
) -> None:
    ours, _, lookup = pair
    fresh = "Fr3sh-t0ken-n0t-yet-looked-up-abc"
    lookup.current[fresh] = lookup.current[TOKEN]
    calls_before, lookups_before = ours.app.calls, lookup.calls

    [first] = exchange(ours.port, request(b"GET", routes.feed_path(fresh).encode()))
    [second] = exchange(ours.port, request(b"GET", routes.feed_path(fresh).encode()))

    assert first == second
    assert first.startswith(b"HTTP/1.1 200 ")
    assert (ours.app.calls, lookup.calls) == (calls_before + 1, lookups_before + 1)
