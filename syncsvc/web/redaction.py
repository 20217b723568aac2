"""Secrets that pass through the web page's URLs never reach a log.

A sign-in link carries its token in the path (`/signin/<token>`), and Strava's
redirect to our callback carries the OAuth `code` and `state` in the query;
uvicorn's access log prints both. The filter rewrites them to `[redacted]` in
every record of the loggers it is installed on.
"""

from __future__ import annotations

import logging
import re

_SIGN_IN_PATH = re.compile(r"(/signin/)[^/?#\s\"']+")
_SECRET_QUERY = re.compile(r"((?:^|[?&\s])(?:code|state|token)=)[^&\s\"'#]+")


def redact_web_secrets(text: str) -> str:
    """`/signin/<token>` and `code=`, `state=`, `token=` values become `[redacted]`.

    Each pattern runs only when the text holds what it needs (a line per request).
    """
    if "/signin/" in text:
        text = _SIGN_IN_PATH.sub(r"\1[redacted]", text)
    if "=" in text:
        text = _SECRET_QUERY.sub(r"\1[redacted]", text)
    return text


class WebSecretRedactor(logging.Filter):
    """Formats the record, then redacts it (a `%s` template keeps its placeholder until then)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is logging's problem, not a reason to leak
            message = str(record.msg)
        redacted = redact_web_secrets(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True


WEB_LOGGERS = ("uvicorn.access", "uvicorn.error", "syncsvc")


def install_web_redaction(logger_names: tuple[str, ...] = WEB_LOGGERS) -> WebSecretRedactor:
    """Add one redactor to each named logger (idempotent); returns it."""
    redactor = WebSecretRedactor()
    for name in logger_names:
        target = logging.getLogger(name)
        if not any(isinstance(existing, WebSecretRedactor) for existing in target.filters):
            target.addFilter(redactor)
    return redactor
