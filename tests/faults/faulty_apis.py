"""The Strava and Garmin fakes behind one request counter, with one fault injected.

`FaultyApis(mock, ...)` registers the fakes of `tests/sources/fakes.py` on a
`responses` mock through a wrapper: request number `at` (1-based, across both
services) gets the fault instead of the fake's answer. Faults are what the
services really send: a 429 with its rate-limit headers, a 500 page, a read
timeout, a 200 whose JSON is cut off.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import requests
import responses

from tests.sources.fakes import STRAVA_429_BODY, FakeGarmin, FakeStrava

Reply = tuple[int, dict[str, str], Any]
FAULTS = ("429", "500", "timeout", "malformed json")


class _Recorder:
    """Stands in for the mock while the fakes register their callbacks."""

    def __init__(self) -> None:
        self.callbacks: list[tuple[str, Any, Callable[[Any], Reply]]] = []

    def add_callback(self, method: str, url: Any, callback: Callable[[Any], Reply]) -> None:
        self.callbacks.append((method, url, callback))


def fault_reply(fault: str, url: str) -> Reply:
    strava = "strava.com" in url
    if fault == "429":
        if strava:
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "X-Ratelimit-Limit": "200,2000",
                "X-Ratelimit-Usage": "200,410",
                "X-Readratelimit-Limit": "100,1000",
                "X-Readratelimit-Usage": "100,320",
            }
            return 429, headers, json.dumps(STRAVA_429_BODY)
        return 429, {"Content-Type": "application/json", "Retry-After": "60"}, "{}"
    if fault == "500":
        return 500, {"Content-Type": "text/html"}, "<html><body>Internal Server Error</body></html>"
    if fault == "timeout":
        return 0, {}, requests.exceptions.ReadTimeout(f"read timed out: {url.split('?')[0]}")
    if fault == "malformed json":
        return 200, {"Content-Type": "application/json"}, '[{"id": 1, "start_date": "2026-'
    raise ValueError(fault)


class FaultyApis:
    def __init__(
        self,
        mock: responses.RequestsMock,
        strava_activities: list[dict[str, Any]],
        garmin_activities: list[dict[str, Any]],
        *,
        at: int | None = None,
        fault: str = "",
    ) -> None:
        self.at = at
        self.fault = fault
        self.count = 0
        self.faulted: str | None = None
        """The URL that got the fault, once it was served."""
        self._recorder = _Recorder()
        self.strava = FakeStrava(self._recorder, strava_activities)  # type: ignore[arg-type]
        self.garmin = FakeGarmin(self._recorder, garmin_activities)  # type: ignore[arg-type]
        self.register(mock)

    def register(self, mock: responses.RequestsMock) -> None:
        """Serve on `mock` too: the same services (tokens, budgets) in a later run."""
        for method, url, callback in self._recorder.callbacks:
            mock.add_callback(method, url, callback=self._wrapped(callback))

    def _wrapped(self, callback: Callable[[Any], Reply]) -> Callable[[Any], Reply]:
        def answer(request: Any) -> Reply:
            self.count += 1
            if self.count == self.at:
                self.faulted = request.url
                return fault_reply(self.fault, request.url)
            return callback(request)

        return answer
