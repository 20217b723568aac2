"""uvicorn's HTTP protocol with the feed's known answers written straight to the socket.

Why below ASGI: a calendar app's poll is nearly always answered from memory (the
token's status cached, the feed version prepared). Measured in `serve`, uvicorn's
ASGI round trip for such a poll (a request cycle, an event, a task, two ASGI
messages, a header check by regular expression and two socket writes) cost more
than our answer. So this protocol, uvicorn's own httptools protocol otherwise,
writes a known feed answer as soon as its request's headers are parsed: one write
of the bytes uvicorn would have sent, uvicorn's default headers (`date`) included.

What it answers is exactly what the app's fast path would (`FeedFastPath.known_answer`:
same decision, same access line, same count). Everything else goes the ASGI way
unchanged: other requests, a feed request whose token must be looked up in the
store, and any case where uvicorn itself would write something different or must
wait (a request still in flight on the connection, a paused write, a connection
that closes after the answer, HTTP/1.0, the concurrency limit reached).

The class leans on `HttpToolsProtocol`'s internals (its parser callbacks and
per-request fields), so uvicorn is pinned below its next minor release in
pyproject.toml; `tests/server/test_feed_protocol.py` compares this path's bytes
with uvicorn's own on a real socket for every kind of answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import httptools
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from syncsvc.server.feed_fast_path import FeedFastPath
from syncsvc.server.prepared_feed import FeedAnswer

if TYPE_CHECKING:
    from uvicorn._types import ASGI3Application, HTTPScope

_FEED_METHODS = frozenset({b"GET", b"HEAD"})


class FeedHttpProtocol(HttpToolsProtocol):
    """`HttpToolsProtocol`, answering a feed poll whose answer is known at once."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._fast_path, self._forwarded = _layers_of(self.config.loaded_app)
        self._answered_at_headers = False
        self._default_headers: object = None
        self._default_lines = b""

    def on_headers_complete(self) -> None:
        answer = self._known_answer() if self._fast_path is not None else None
        if answer is None:
            super().on_headers_complete()
            return
        self._answered_at_headers = True
        status_line = STATUS_LINE[answer.status]
        self.transport.write(
            b"".join((status_line, self._server_lines(), answer.head, answer.body))
        )
        assert self._fast_path is not None
        self._fast_path.record(cast("Scope", self.scope), answer.status)
        self.on_response_complete()  # what uvicorn does after a response: keep-alive timer

    def on_message_complete(self) -> None:
        if self._answered_at_headers:  # the request is whole, and already answered
            self._answered_at_headers = False
            return
        super().on_message_complete()

    def _known_answer(self) -> FeedAnswer | None:
        """The answer to write now, or None for uvicorn's own way (the module says when)."""
        parser = self.parser
        method = parser.get_method()
        if (
            method not in _FEED_METHODS
            or self.pipeline
            or (self.cycle is not None and not self.cycle.response_complete)  # in flight
            or self.flow.write_paused
            or parser.get_http_version() != "1.1"
            or not parser.should_keep_alive()
            or parser.should_upgrade()
            or self._over_concurrency_limit()
        ):
            return None
        try:
            parsed = httptools.parse_url(self.url)
        except httptools.HttpParserError:
            return None  # uvicorn's way answers it as it always has
        raw_path = parsed.path
        if b"%" in raw_path:
            return None  # a token never holds one; uvicorn's way unquotes it
        scope = cast("Scope", self.scope)  # uvicorn's TypedDict, as the ASGI app sees it
        scope["method"] = method.decode("ascii")
        scope["path"] = self.root_path + raw_path.decode("ascii")
        scope["raw_path"] = self.root_path.encode("ascii") + raw_path
        scope["query_string"] = parsed.query or b""
        assert self._fast_path is not None
        answer = self._fast_path.known_answer(scope)
        if answer is not None and self._forwarded is not None and _forwarded_headers(self.headers):
            self._forwarded.apply(scope)  # the client the access line names
        return answer

    def _over_concurrency_limit(self) -> bool:
        limit = self.limit_concurrency
        return limit is not None and (len(self.connections) >= limit or len(self.tasks) >= limit)

    def _server_lines(self) -> bytes:
        """uvicorn's default header lines (`date`, and `server` when on), as it writes them;
        its server replaces the list every second, so they are joined once per list."""
        headers = self.server_state.default_headers
        if headers is not self._default_headers:
            self._default_headers = headers
            self._default_lines = b"".join(
                b"%s: %s\r\n" % (name.lower(), value) for name, value in headers
            )
        return self._default_lines


def _forwarded_headers(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the request carries a header uvicorn's proxy-headers rules read (without
    one, they leave the scope as it is)."""
    return any(name.startswith(b"x-forwarded-") for name, _ in headers)


def _layers_of(app: ASGIApp | None) -> tuple[FeedFastPath | None, _Forwarded | None]:
    """The app's feed fast path, and uvicorn's proxy-headers rules if it applies them, found
    by walking the layers uvicorn built around our app (each keeps the next as `.app`)."""
    forwarded: _Forwarded | None = None
    layer: object = app
    for _ in range(10):  # uvicorn adds two or three layers at most
        if isinstance(layer, ProxyHeadersMiddleware):
            forwarded = _Forwarded.of(layer)
        elif isinstance(layer, FeedFastPath):
            return layer, forwarded
        layer = getattr(layer, "app", None)
    return None, None


async def _nothing(scope: Scope, receive: Receive, send: Send) -> None:
    """The inner app of `_Forwarded`'s middleware: the scope is all it is run for."""


class _Forwarded:
    """uvicorn's own proxy-headers rules, applied to a scope without an ASGI call.

    Runs the middleware's code rather than a copy of it: with an inner app that returns
    at once its call never waits, so one step of the coroutine completes it.
    """

    _last: tuple[ProxyHeadersMiddleware, _Forwarded] | None = None

    def __init__(self, layer: ProxyHeadersMiddleware) -> None:
        self._middleware = ProxyHeadersMiddleware(cast("ASGI3Application", _nothing))
        self._middleware.trusted_hosts = layer.trusted_hosts  # the server's, as configured

    @classmethod
    def of(cls, layer: ProxyHeadersMiddleware) -> _Forwarded:
        """One per server's layer (a connection's protocol asks for it on connecting)."""
        last = cls._last
        if last is None or last[0] is not layer:
            last = cls._last = (layer, cls(layer))
        return last[1]

    def apply(self, scope: Scope) -> None:
        step = self._middleware(cast("HTTPScope", scope), _never_called, _never_called)
        try:
            step.send(None)
        except StopIteration:
            return
        step.close()
        raise RuntimeError("uvicorn's proxy-headers middleware waited on a feed answer")


async def _never_called(*args: object) -> Any:
    raise AssertionError("the proxy-headers middleware neither receives nor sends")
