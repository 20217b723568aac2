"""Secrets never reach a log: feed tokens and the webhook's secret in paths, secret parameters.

`GET /feeds%2F<token>.ics` and `GET /%66eeds/<token>.ics` reach the feed, and
a log line shows the path as the client wrote it: a pattern for `/feeds/` alone
misses both. So every run of text holding a percent escape is decoded (three
rounds, for double encoding) and redacted again; when that finds a secret, the
whole run is replaced by its redacted, decoded form (re-quoted, so a decoded
line break cannot forge a log line).

What is redacted: feed tokens in paths (any case), the secret segment of
Strava's callback path (`/webhooks/strava/<secret>`), the values of the query
parameters and fields that carry a secret (`client_secret`, `access_token`,
`refresh_token`, `code`, `hub.verify_token`, `verify_token`), in `key=value`,
JSON and Python-repr form. `syncsvc serve` and the CLI (`--debug` shows
urllib3's request lines, query strings included) use the same filter.

A feed token is the whole credential of a calendar feed, and an access log
prints every path with its query string. What cleans what is logged:

- `FeedTokenRedactor`, on uvicorn's own loggers (`install_token_redaction`):
  the path arrives as a record argument, so arguments are cleaned too (the
  demo's `--serve` keeps uvicorn's access log);
- `SecretRedactor`, on the service's log handler (`server/logging_setup.py`):
  formats each record first, then removes every secret (`redact_log_text`:
  feed tokens, the webhook's segment, secret parameters, the web page's
  sign-in links and OAuth parameters);
- `serve`'s own access log (`access_log.py`) writes paths through
  `redact_log_text` too, or, for a feed poll, with the token left out.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from urllib.parse import quote, unquote

from syncsvc import routes
from syncsvc.web.redaction import redact_web_secrets

_SECRET_PATH_PREFIXES = tuple(
    routes.static_prefix(name) for name in (routes.FEED, routes.STRAVA_WEBHOOK_SECRET_EVENT)
)
_SECRET_PREFIXES = "|".join(re.escape(prefix) for prefix in _SECRET_PATH_PREFIXES)
SECRET_PATH = re.compile(f"(?i)({_SECRET_PREFIXES})" + r"[^/?#\s\"']+")
"""A feed token (`/feeds/<token>.ics`) or the webhook's secret segment, in one pass: an
access line goes through it for every request the service answers."""
_NAMES_OF_SECRETS = r"hub\.verify_token|verify_token|client_secret|access_token|refresh_token|code"
_IN_EVERY_SECRET_NAME = ("token", "secret", "code")
SECRET_PARAMETERS = re.compile(rf"(?i)(\b(?:{_NAMES_OF_SECRETS})=)[^&\s\"']+")
SECRET_FIELDS = re.compile(rf"""(?i)(["'](?:{_NAMES_OF_SECRETS})["']\s*:\s*["'])[^"']+""")
"""`"access_token": "..."` (JSON) and `'access_token': '...'` (a dict's repr)."""
_ENCODED_RUN = re.compile(r"[^\s\"'<>]*%[0-9A-Fa-f]{2}[^\s\"'<>]*")
_KEEP_READABLE = "/?&=:;,.-_~+@!$()*[]"
REDACTED = "[redacted]"


def redact_secret_paths(text: str) -> str:
    """`/feeds/<token>.ics` becomes `/feeds/[redacted]`, `/webhooks/strava/<secret>`
    `/webhooks/strava/[redacted]`, however they were encoded."""
    return _through_encoding(text, _plain_secret_paths)


def redact_text(text: str) -> str:
    """Feed tokens and secret values redacted, however they were encoded."""
    return _through_encoding(text, _plain_secrets)


# Each pattern runs only when the lower-cased text holds the words it needs: most
# lines hold none, and the service writes a line per request.


def _plain_secret_paths(text: str, lowered: str | None = None) -> str:
    lowered = text.lower() if lowered is None else lowered
    if not any(prefix in lowered for prefix in _SECRET_PATH_PREFIXES):
        return text
    return SECRET_PATH.sub(rf"\1{REDACTED}", text)


def _plain_secrets(text: str) -> str:
    lowered = text.lower()
    if any(word in lowered for word in _IN_EVERY_SECRET_NAME):
        text = SECRET_FIELDS.sub(rf"\1{REDACTED}", text)
        text = SECRET_PARAMETERS.sub(rf"\1{REDACTED}", text)
        lowered = text.lower()
    return _plain_secret_paths(text, lowered)


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


def redact_log_text(text: str) -> str:
    """Every secret a log line can carry: feed tokens, the webhook's segment, secret
    values, and the web page's sign-in links and OAuth parameters (`web/redaction.py`)."""
    return redact_web_secrets(redact_text(text))


def redact_feed_tokens(text: str) -> str:
    """Feed tokens and the webhook's secret in paths redacted (any case, however encoded)."""
    return redact_secret_paths(text)


def redact_secrets(text: str) -> str:
    """Feed tokens and secret values redacted, however they were encoded."""
    return redact_text(text)


class FeedTokenRedactor(logging.Filter):
    """A logging filter that redacts secret paths (feed tokens, the webhook's secret
    segment) in a record's message and arguments.

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
    """A path is cleaned; a value with neither `/` nor `%` (an address, a method, a
    protocol version) cannot hold a secret path, plain or encoded, and is left as is."""
    if isinstance(value, str) and ("/" in value or "%" in value):
        return redact_feed_tokens(value)
    return value


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
    """Redacts every secret (`redact_log_text`) in every record a handler emits.

    The message is formatted first and then redacted (a template such as
    `/feeds/%s.ics` must not lose its placeholder).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is logging's problem, not a reason to leak
            message = str(record.msg)
        record.msg = redact_log_text(message)
        record.args = None
        return True


def redact_root_handlers() -> None:
    """A `SecretRedactor` on every handler of the root logger (idempotent): the CLI's logs."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(existing, SecretRedactor) for existing in handler.filters):
            handler.addFilter(SecretRedactor())
