"""The access log's own lines: the handler's format, secrets redacted, one write a loop turn."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from syncsvc import routes
from syncsvc.feed.settings import FeedSettings
from syncsvc.server.access_log import (
    ACCESS_FORMAT,
    ACCESS_LOGGER,
    AccessLog,
    AccessLogMiddleware,
)
from syncsvc.server.feed_fast_path import FeedFastPath
from syncsvc.server.feed_routes import FeedServer, feed_routes
from syncsvc.server.logging_setup import TEXT_FORMAT, JsonFormatter
from syncsvc.server.redaction import SecretRedactor
from tests.server.feed_doubles import TOKEN, MemoryLookup
from tests.server.harness import TestClient

CREATED = 1_795_000_000.0429
"""A fixed instant (with milliseconds), so both lines carry the same time."""


class CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def service_handler(json_lines: bool, redacting: bool = True) -> logging.StreamHandler[Any]:
    """The handler `configure_logging` builds, on a stream the test can read."""
    handler: logging.StreamHandler[Any] = logging.StreamHandler(CountingStream())
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
    if redacting:
        handler.addFilter(SecretRedactor())
    return handler


def uvicorns_line(
    handler: logging.Handler, args: tuple[object, ...], created: float = CREATED
) -> str:
    """What the handler writes for the record uvicorn's access logger makes."""
    record = logging.LogRecord(ACCESS_LOGGER, logging.INFO, __file__, 1, ACCESS_FORMAT, args, None)
    record.created = created
    record.msecs = int((created - int(created)) * 1000)
    handler.filter(record)
    return handler.format(record) + "\n"


@pytest.mark.parametrize("json_lines", [False, True])
def test_a_line_is_the_one_the_handler_writes_for_uvicorns_record(json_lines: bool) -> None:
    handler = service_handler(json_lines)
    args = ("127.0.0.1:5555", "GET", "/load?week=2", "1.1", 200)

    line = AccessLog(handler, json_lines=json_lines).line(ACCESS_FORMAT % args, CREATED)

    assert line == uvicorns_line(handler, args)
    if json_lines:
        assert json.loads(line)["logger"] == "uvicorn.access"


@pytest.mark.parametrize("json_lines", [False, True])
@settings(max_examples=300, deadline=None)
@given(
    created=st.floats(min_value=0, max_value=4_102_444_800, allow_nan=False)
    | st.sampled_from([CREATED, 1_795_000_000.0, 1_795_000_000.9999996, 1_795_000_000.0000005]),
    path=st.text(st.characters(codec="utf-8"), max_size=30),
    client=st.sampled_from(["127.0.0.1:5555", "[::1]:80", ""]),
)
def test_every_line_is_the_handlers_whatever_the_time_and_the_text(
    json_lines: bool, created: float, path: str, client: str
) -> None:
    """The time's rounding and carry, and the message's escaping, as the handler does them
    (redaction aside: `request` redacts before the line is made)."""
    handler = service_handler(json_lines, redacting=False)
    args = (client, "GET", "/" + path, "1.1", 304)
    access = AccessLog(handler, json_lines=json_lines)

    twice = [access.line(ACCESS_FORMAT % args, created) for _ in range(2)]  # cached second

    assert twice == [uvicorns_line(handler, args, created)] * 2


def lines_of(handler: logging.StreamHandler[Any]) -> list[str]:
    stream = handler.stream
    assert isinstance(stream, CountingStream)
    return stream.getvalue().splitlines()


def logged_app(handler: logging.StreamHandler[Any]) -> tuple[TestClient, AccessLog]:
    """The service's arrangement: the fast path, then the access log around the app."""
    lookup = MemoryLookup()
    server = FeedServer(lookup, FeedSettings())

    async def hello(request: Any) -> PlainTextResponse:
        return PlainTextResponse("hello")

    app = Starlette(routes=[*feed_routes(lookup, server=server), Route("/signin/{x}", hello)])
    access = AccessLog(handler, json_lines=False)
    return TestClient(FeedFastPath(AccessLogMiddleware(app, access), server, None, access)), access


def test_a_feed_poll_is_logged_with_its_token_and_secret_parameters_redacted() -> None:
    handler = service_handler(json_lines=False)
    client, access = logged_app(handler)

    client.get(routes.feed_path(TOKEN) + "?code=abc123&x=1")
    client.get(routes.feed_path("n0-such-token-at-all"))
    access.flush()

    polled, unknown = lines_of(handler)
    assert polled.endswith('"GET /feeds/[redacted]?code=[redacted]&x=1 HTTP/1.1" 200')
    assert unknown.endswith('"GET /feeds/[redacted] HTTP/1.1" 404')
    assert TOKEN not in polled
    assert "abc123" not in polled


def test_every_other_request_is_logged_with_the_web_pages_secrets_redacted() -> None:
    handler = service_handler(json_lines=False)
    client, access = logged_app(handler)

    client.get("/signin/sign-in-secret?state=s3cret")
    client.post(routes.feed_path(TOKEN))
    access.flush()

    signed_in, posted = lines_of(handler)
    assert signed_in.endswith('"GET /signin/[redacted]?state=[redacted] HTTP/1.1" 200')
    assert posted.endswith('"POST /feeds/[redacted] HTTP/1.1" 405')
    assert "sign-in-secret" not in signed_in
    assert "s3cret" not in signed_in


def test_the_lines_of_one_loop_turn_are_written_together() -> None:
    handler = service_handler(json_lines=True)
    access = AccessLog(handler, json_lines=True)

    async def three_requests() -> None:
        for number in range(3):
            access.write(f"request {number}", CREATED)
        await asyncio.sleep(0)  # the turn ends: the gathered lines go out

    asyncio.run(three_requests())

    stream = handler.stream
    assert isinstance(stream, CountingStream)
    assert stream.writes == 1
    assert [json.loads(line)["message"] for line in lines_of(handler)] == [
        "request 0",
        "request 1",
        "request 2",
    ]


def test_without_an_event_loop_a_line_is_written_at_once() -> None:
    handler = service_handler(json_lines=False)

    AccessLog(handler, json_lines=False).write("request", CREATED)

    [line] = lines_of(handler)
    assert line.endswith(" INFO uvicorn.access: request")
