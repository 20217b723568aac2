"""Secrets out of log text, also when a client percent-encodes them.

`GET /feeds%2F<token>.ics` and `GET /%66eeds/<token>.ics` reach the feed, and
a log line shows the path as the client wrote it: a pattern for `/feeds/` alone
misses both. So every run of text holding a percent escape is decoded (three
rounds, for double encoding) and redacted again; when that finds a secret, the
whole run is replaced by its redacted, decoded form (re-quoted, so a decoded
line break cannot forge a log line).

What is redacted: feed tokens in paths (any case), the values of the query
parameters and fields that carry a secret (`client_secret`, `access_token`,
`refresh_token`, `code`, `hub.verify_token`, `verify_token`), in `key=value`,
JSON and Python-repr form. `syncsvc serve` and the CLI (`--debug` shows
urllib3's request lines, query strings included) use the same filter.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from urllib.parse import quote, unquote

FEED_PATH = re.compile(r"(?i)(/feeds/)[^/?#\s\"']+")
_NAMES_OF_SECRETS = r"hub\.verify_token|verify_token|client_secret|access_token|refresh_token|code"
SECRET_PARAMETERS = re.compile(rf"(?i)(\b(?:{_NAMES_OF_SECRETS})=)[^&\s\"']+")
SECRET_FIELDS = re.compile(rf"""(?i)(["'](?:{_NAMES_OF_SECRETS})["']\s*:\s*["'])[^"']+""")
"""`"access_token": "..."` (JSON) and `'access_token': '...'` (a dict's repr)."""
_ENCODED_RUN = re.compile(r"[^\s\"'<>]*%[0-9A-Fa-f]{2}[^\s\"'<>]*")
_KEEP_READABLE = "/?&=:;,.-_~+@!$()*[]"
REDACTED = "[redacted]"


def redact_feed_paths(text: str) -> str:
    """`/feeds/<token>.ics` becomes `/feeds/[redacted]`, however it was encoded."""
    return _through_encoding(text, _plain_feed_paths)


def redact_text(text: str) -> str:
    """Feed tokens and secret values redacted, however they were encoded."""
    return _through_encoding(text, _plain_secrets)


def _plain_feed_paths(text: str) -> str:
    return FEED_PATH.sub(rf"\1{REDACTED}", text)


def _plain_secrets(text: str) -> str:
    text = SECRET_FIELDS.sub(rf"\1{REDACTED}", text)
    text = SECRET_PARAMETERS.sub(rf"\1{REDACTED}", text)
    return _plain_feed_paths(text)


def _through_encoding(text: str, redact: Callable[[str], str]) -> str:
    text = redact(text)
    if "%" not in text:
        return text

    def decoded_run(match: re.Match[str]) -> str:
        run = match.group(0)
        decoded = run
        for _ in range(3):
            once = unquote(decoded)
            if once == decoded:
                break
            decoded = once
        cleaned = redact(decoded)
        return run if cleaned == decoded else quote(cleaned, safe=_KEEP_READABLE)

    return _ENCODED_RUN.sub(decoded_run, text)


class SecretFilter(logging.Filter):
    """Formats each record, then redacts the text (a handler filter: every logger's records)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is logging's problem, not a reason to leak
            message = str(record.msg)
        record.msg = redact_text(message)
        record.args = None
        return True


def redact_root_handlers() -> None:
    """Put a `SecretFilter` on every handler of the root logger (idempotent): the CLI's logging."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(existing, SecretFilter) for existing in handler.filters):
            handler.addFilter(SecretFilter())
