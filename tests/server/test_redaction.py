"""Feed tokens and secret query parameters never reach a log line."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import httpx
import pytest
from starlette.applications import Starlette

from syncsvc import routes
from syncsvc.server.feed_routes import feed_routes
from syncsvc.server.redaction import (
    FeedTokenRedactor,
    SecretRedactor,
    install_token_redaction,
    redact_feed_tokens,
    redact_secrets,
)
from tests.server.feed_doubles import NEW_TOKEN, TOKEN, MemoryLookup, served_by_uvicorn, server_log

ACCESS_FORMAT = '%s - "%s %s HTTP/%s" %d'
"""uvicorn's access log line: the path arrives as an argument."""


def access_record(path: str) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        ACCESS_FORMAT,
        ("127.0.0.1:5", "GET", path, "1.1", 200),
        None,
    )


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


def test_the_redacted_segment_is_the_feed_routes_own_path() -> None:
    assert redact_feed_tokens(routes.feed_path(TOKEN)) == (
        routes.static_prefix(routes.FEED) + "[redacted]"
    )


def test_a_token_in_an_access_log_argument_is_redacted() -> None:
    record = access_record(routes.feed_path(TOKEN) + "?utm=x")

    FeedTokenRedactor().filter(record)

    line = record.getMessage()
    assert TOKEN not in line
    assert '"GET /feeds/[redacted]?utm=x HTTP/1.1" 200' in line


def test_a_token_in_mapping_arguments_is_redacted() -> None:
    record = logging.LogRecord(
        "uvicorn.error", logging.INFO, __file__, 1, "%(path)s answered %(status)d", None, None
    )
    record.args = {"path": routes.feed_path(TOKEN), "status": 410}

    FeedTokenRedactor().filter(record)

    assert record.getMessage() == "/feeds/[redacted] answered 410"


def test_installing_the_redaction_twice_adds_one_filter_per_logger() -> None:
    names = ("syncsvc.test.redaction.a", "syncsvc.test.redaction.b")
    first = install_token_redaction(names)
    install_token_redaction(names)
    try:
        for name in names:
            filters = logging.getLogger(name).filters
            assert [f for f in filters if isinstance(f, FeedTokenRedactor)] == [first]
    finally:
        for name in names:
            logging.getLogger(name).removeFilter(first)


@pytest.mark.parametrize(
    "secret", ["hub.verify_token", "verify_token", "client_secret", "access_token", "code"]
)
def test_secret_query_parameters_are_redacted_and_the_others_kept(secret: str) -> None:
    line = f"GET /callback?state=s1&{secret}=Sup3rS3cret&scope=read HTTP/1.1"

    assert redact_secrets(line) == (
        f"GET /callback?state=s1&{secret}=[redacted]&scope=read HTTP/1.1"
    )


def test_the_handler_filter_formats_first_then_redacts() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, "GET /feeds/%s.ics", (TOKEN,), None
    )

    SecretRedactor().filter(record)

    assert record.getMessage() == "GET /feeds/[redacted]"
    assert record.args is None


def test_a_record_that_cannot_be_formatted_is_still_redacted() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, f"GET /feeds/{TOKEN}.ics %d", ("not a number",), None
    )

    SecretRedactor().filter(record)

    assert TOKEN not in record.getMessage()


@pytest.fixture
def live_server(lookup: MemoryLookup) -> Iterator[str]:
    with served_by_uvicorn(Starlette(routes=feed_routes(lookup))) as base_url:
        yield base_url


@pytest.fixture
def lookup() -> MemoryLookup:
    return MemoryLookup()


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
        httpx.get(f"{live_server}{routes.feed_path(token)}?utm=x").status_code
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
