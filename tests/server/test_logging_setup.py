"""The service's log lines: JSON with the record's extra fields, secrets redacted."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from syncsvc.server.logging_setup import JsonFormatter, configure_logging
from syncsvc.server.redaction import FeedTokenRedactor, SecretRedactor
from tests.server.service_builders import VERIFY_TOKEN


def test_json_log_lines_carry_the_extra_fields_and_no_secrets() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        (
            "127.0.0.1:5",
            "GET",
            f"/webhooks/strava?hub.verify_token={VERIFY_TOKEN}&hub.challenge=x",
            "1.1",
            200,
        ),
        None,
    )
    feed = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        "GET /feeds/%s.ics",
        ("abcdefghijklmnopqrstuvwx",),
        None,
    )
    feed.athlete_id = 3

    SecretRedactor().filter(record)
    SecretRedactor().filter(feed)
    lines = [json.loads(JsonFormatter().format(r)) for r in (record, feed)]

    assert VERIFY_TOKEN not in lines[0]["message"]
    assert "hub.challenge=x" in lines[0]["message"]
    assert "abcdefghijklmnopqrstuvwx" not in lines[1]["message"]
    assert lines[1]["athlete_id"] == 3
    assert lines[1]["level"] == "info"


@pytest.fixture
def restored_logging() -> object:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    uvicorn_saved = {
        name: (list(logging.getLogger(name).handlers), logging.getLogger(name).propagate)
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
    }
    switches = (logging._srcfile, logging.logThreads, logging.logProcesses)
    multiprocessing = logging.logMultiprocessing
    yield None
    logging._srcfile, logging.logThreads, logging.logProcesses = switches
    logging.logMultiprocessing = multiprocessing
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name, (handlers, propagate) in uvicorn_saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.propagate = propagate
        for existing in list(logger.filters):
            if isinstance(existing, FeedTokenRedactor):
                logger.removeFilter(existing)


def test_one_redacting_handler_on_stderr_takes_uvicorns_logs_too(restored_logging: object) -> None:
    access_log = configure_logging(json_lines=True, level="info")

    root = logging.getLogger()
    assert len(root.handlers) == 1
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    assert handler.stream is sys.stderr
    assert any(isinstance(f, SecretRedactor) for f in handler.filters)
    assert isinstance(handler.formatter, JsonFormatter)
    errors = logging.getLogger("uvicorn.error")
    assert errors.propagate
    assert not errors.handlers
    assert any(isinstance(f, FeedTokenRedactor) for f in errors.filters)
    # uvicorn logs requests whenever its access logger reaches a handler: it must
    # not, the service writes those lines itself, to the same stream.
    assert not logging.getLogger("uvicorn.access").hasHandlers()
    assert access_log is not None


def test_no_access_log_when_it_is_turned_off(restored_logging: object) -> None:
    assert configure_logging(json_lines=False, level="info", access_log=False) is None
    assert not logging.getLogger("uvicorn.access").hasHandlers()
