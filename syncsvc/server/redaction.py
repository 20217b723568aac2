"""Secrets never reach a log: feed tokens in paths, secret query parameters.

A feed token is the whole credential of a calendar feed, and uvicorn's access
log prints every path with its query string. Two filters clean what is logged:

- `FeedTokenRedactor`, on uvicorn's own loggers (`install_token_redaction`):
  the path arrives as a record argument, so arguments are cleaned too;
- `SecretRedactor`, on the service's log handler (`server/logging_setup.py`):
  formats each record first, then removes feed tokens and the secret query
  parameters (the webhook's verify token, OAuth codes and tokens).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from syncsvc import routes

_TOKEN_IN_PATH = re.compile(f"({re.escape(routes.static_prefix(routes.FEED))})" + r"[^/?#\s\"']+")

SECRET_PARAMETERS = re.compile(
    r"((?:hub\.verify_token|verify_token|client_secret|access_token|refresh_token|code)=)[^&\s\"']+"
)
"""Query parameters that carry a secret (uvicorn's access log prints the query string)."""


def redact_feed_tokens(text: str) -> str:
    """`/feeds/<token>.ics` becomes `/feeds/[redacted]` (also with a query or no suffix)."""
    return _TOKEN_IN_PATH.sub(r"\1[redacted]", text)


def redact_secrets(text: str) -> str:
    """Feed tokens and the values of secret query parameters, redacted."""
    return redact_feed_tokens(SECRET_PARAMETERS.sub(r"\1[redacted]", text))


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


class SecretRedactor(logging.Filter):
    """Redacts feed tokens and secret query parameters in every record a handler emits.

    The message is formatted first and then redacted (a template such as
    `/feeds/%s.ics` must not lose its placeholder).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is logging's problem, not a reason to leak
            message = str(record.msg)
        record.msg = redact_secrets(message)
        record.args = None
        return True
