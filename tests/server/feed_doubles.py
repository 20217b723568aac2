"""A small in-memory `FeedLookup` and a real uvicorn around an app, for the feed route's tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
import uvicorn
from starlette.types import ASGIApp

from syncsvc.domain import RenderedFeed
from syncsvc.feed import feed_etag
from syncsvc.server.feed_routes import FeedGone, FeedHit, FeedOk, FeedUnknown

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


@contextmanager
def served_by_uvicorn(app: ASGIApp) -> Iterator[str]:
    """`app` under a real uvicorn on 127.0.0.1, logging through the root logger; its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_config=None, access_log=True, log_level="info")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def server_log(caplog: pytest.LogCaptureFixture) -> str:
    """Captured log text, without the test's own HTTP client (httpx logs the URLs it fetches)."""
    return "\n".join(
        record.getMessage()
        for record in caplog.records
        if not record.name.startswith(("httpx", "httpcore"))
    )
