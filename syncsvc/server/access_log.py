"""The access log (`service.access_log`): uvicorn's line per request, at a feed poll's cost.

uvicorn's own access log goes through `logging` for every request: a record,
the redaction filters of its logger and of the service's handler, a formatter,
and a write of its own. Under load that cost more than the feed poll itself
(`scripts/bench`: a single process answered 31,000 polls a second without it,
12,000 with it), so the service writes the same lines itself, and uvicorn's
access logger is left silent (`logging_setup.configure_logging`):

- the line is uvicorn's (`'%s - "%s %s HTTP/%s" %d'`: the client, the method,
  the path with its query, the HTTP version, the status) under the logger name
  `uvicorn.access`, formatted exactly as the service's handler formats every
  record, in text or as a JSON line;
- the feed's fast path hands in its path already redacted (it knows where the
  token is, so no pattern runs for it); every other path and query goes through
  the same redaction as every log line (`redaction.redact_log_text`);
- the lines of one turn of the event loop are written together, in one write;
- a JSON line is assembled from its parts (the time's text kept for the second),
  not through `json.dumps` of a dict: the same bytes at a third of the cost.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import urllib.parse
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii as _json_string
from typing import TextIO

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syncsvc.server.redaction import redact_log_text

ACCESS_LOGGER = "uvicorn.access"
ACCESS_FORMAT = '%s - "%s %s HTTP/%s" %d'
"""uvicorn's access line (`uvicorn.protocols.http`), kept so log readers see no change."""


def access_message(scope: Scope, status: int, logged_path: str) -> str:
    """uvicorn's access message for a request (the client as `host:port`, as uvicorn)."""
    client = scope.get("client")
    address = "%s:%d" % tuple(client) if client else ""  # noqa: UP031 - uvicorn's own form
    return ACCESS_FORMAT % (address, scope["method"], logged_path, scope["http_version"], status)


def path_with_query(scope: Scope, redacted_path: str | None = None) -> str:
    """The path as uvicorn logs it (quoted, with its query string), secrets redacted.

    `redacted_path`: the path (after the root path) already redacted by the caller,
    so no pattern runs on it; the query string is redacted either way.
    """
    root = scope.get("root_path", "")
    query: bytes = scope.get("query_string", b"")
    suffix = f"?{query.decode('ascii', 'backslashreplace')}" if query else ""
    if redacted_path is None:
        return redact_log_text(urllib.parse.quote(root + scope["path"]) + suffix)
    quoted_root = urllib.parse.quote(root) if root else ""
    return quoted_root + redacted_path + (redact_log_text(suffix) if suffix else "")


def _whole_and_micros(created: float) -> tuple[int, int]:
    """`created` as whole seconds and microseconds, rounded as `datetime.fromtimestamp`
    rounds them (half to even, a carry into the next second)."""
    fraction, whole = math.modf(created)
    micros = round(fraction * 1_000_000)
    if micros >= 1_000_000:
        return int(whole) + 1, micros - 1_000_000
    return int(whole), micros


class AccessLog:
    """Writes access lines to the service's log stream, formatted as its handler would.

    `handler`: the service's stderr handler (its stream and its lock); `json_lines`:
    whether that handler writes JSON lines (`logging_setup.JsonFormatter`) or text
    (`logging_setup.TEXT_FORMAT`).
    """

    def __init__(self, handler: logging.StreamHandler[TextIO], *, json_lines: bool) -> None:
        self._handler = handler
        self._json_lines = json_lines
        self._pending: list[str] = []
        self._second = -1
        self._second_text = ""

    def request(self, scope: Scope, status: int, redacted_path: str | None = None) -> None:
        """Log one answered request; `redacted_path`: its path already redacted, if known
        (`path_with_query`)."""
        logged_path = path_with_query(scope, redacted_path)
        self.write(access_message(scope, status, logged_path), time.time())

    def write(self, message: str, created: float) -> None:
        """One line for `message`, logged at `created` (seconds since the epoch)."""
        self._pending.append(self.line(message, created))
        if len(self._pending) == 1:
            try:
                asyncio.get_running_loop().call_soon(self.flush)
            except RuntimeError:  # no event loop here: write at once
                self.flush()

    def line(self, message: str, created: float) -> str:
        """The line the service's handler would write for an INFO record of `uvicorn.access`."""
        if self._json_lines:
            second, micros = _whole_and_micros(created)
        else:
            second, micros = int(created), 0  # logging truncates to the millisecond
        if second != self._second:  # the time's text up to the second, once a second
            self._second = second
            if self._json_lines:
                moment = datetime.fromtimestamp(second, tz=UTC)
                self._second_text = moment.strftime("%Y-%m-%dT%H:%M:%S")
            else:  # `logging.Formatter.formatTime`
                self._second_text = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
        if self._json_lines:
            # `JsonFormatter`'s `json.dumps` of {time, level, logger, message}, built from
            # its parts: the time as `datetime.isoformat` writes it, the message escaped
            # by the same function json.dumps uses (tests/server/test_access_log.py
            # compares the two byte for byte).
            moment_text = f"{self._second_text}.{micros:06d}" if micros else self._second_text
            return (
                f'{{"time": "{moment_text}+00:00", "level": "info", '
                f'"logger": "{ACCESS_LOGGER}", "message": {_json_string(message)}}}\n'
            )
        millis = int((created - second) * 1000)
        return f"{self._second_text},{millis:03d} INFO {ACCESS_LOGGER}: {message}\n"

    def flush(self) -> None:
        """Write the gathered lines in one write, under the handler's lock."""
        if not self._pending:
            return
        text = "".join(self._pending)
        self._pending.clear()
        handler = self._handler
        handler.acquire()
        try:
            handler.stream.write(text)
            handler.flush()
        except (OSError, ValueError):  # a closed or broken stream: logging's own rule
            handler.handleError(logging.makeLogRecord({"msg": "access log write failed"}))
        finally:
            handler.release()


class AccessLogMiddleware:
    """ASGI: an access line for each HTTP request the app answers (the fast path logs its own)."""

    def __init__(self, app: ASGIApp, access: AccessLog) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def logging_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.access.request(scope, message["status"])
            await send(message)

        await self.app(scope, receive, logging_send)
