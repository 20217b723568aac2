"""Many Strava athletes behind one API application, faked at the HTTP layer (`responses`).

Each authorisation code `code-<n>` exchanges to athlete n (their own access
token and SummaryAthlete); the activity list answers with that token's
history, newest first without `after` (Strava's order) and oldest first with
it. Reads are counted per 15-minute window of the one clock, as Strava counts
them per application, and sent back in Strava's rate-limit headers; a read
over the limit gets Strava's 429. Thread-safe: the workers' jobs run in threads.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import responses

from syncsvc import clock
from tests.sources.fakes import (
    STRAVA_401_BODY,
    STRAVA_429_BODY,
    STRAVA_API,
    STRAVA_ATHLETE_SUMMARY,
    STRAVA_TOKEN_URL,
)

Reply = tuple[int, dict[str, str], str]


def _start(activity: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(activity["start_date"].replace("Z", "+00:00")).astimezone(UTC)


class FakeStravaMany:
    def __init__(
        self,
        mock: responses.RequestsMock,
        history_of: Callable[[int], list[dict[str, Any]]],
        *,
        limit_15min: int = 100,
        limit_day: int = 1000,
    ) -> None:
        self.history_of = history_of
        """Athlete n's SummaryActivity list (made on their first list request)."""
        self.limit_15min = limit_15min
        self.limit_day = limit_day
        self.histories: dict[int, list[dict[str, Any]]] = {}
        self.reads: dict[int, int] = {}
        """Reads per 15-minute window (its start, epoch seconds)."""
        self.refused = 0
        self.list_requests: dict[int, int] = {}
        self._lock = threading.Lock()
        mock.add_callback(responses.POST, STRAVA_TOKEN_URL, callback=self._token)
        mock.add_callback(
            responses.GET,
            re.compile(re.escape(f"{STRAVA_API}/athlete/activities") + r".*"),
            callback=self._list,
        )
        mock.add_callback(responses.GET, f"{STRAVA_API}/athlete/clubs", callback=self._clubs)

    def _window(self) -> int:
        return int(clock.now().timestamp()) // 900 * 900

    def _day_used(self) -> int:
        day = self._window() // 86400 * 86400
        return sum(count for start, count in self.reads.items() if start // 86400 * 86400 == day)

    def _headers(self) -> dict[str, str]:
        usage = f"{self.reads.get(self._window(), 0)},{self._day_used()}"
        limit = f"{self.limit_15min},{self.limit_day}"
        return {
            "X-Ratelimit-Limit": limit,
            "X-Ratelimit-Usage": usage,
            "X-Readratelimit-Limit": limit,
            "X-Readratelimit-Usage": usage,
            "Content-Type": "application/json; charset=utf-8",
        }

    def _read(self, request: Any) -> int | Reply:
        """Count one read; the athlete its token names, or the answer to send instead."""
        window = self._window()
        if self.reads.get(window, 0) >= self.limit_15min:
            self.refused += 1
            return 429, self._headers(), json.dumps(STRAVA_429_BODY)
        self.reads[window] = self.reads.get(window, 0) + 1
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not token.startswith("access-"):
            return 401, self._headers(), json.dumps(STRAVA_401_BODY)
        return int(token.removeprefix("access-"))

    def _token(self, request: Any) -> Reply:
        form = parse_qs(request.body if isinstance(request.body, str) else request.body.decode())
        if form.get("grant_type", [""])[0] == "authorization_code":
            number = int(form["code"][0].removeprefix("code-"))
        else:
            number = int(form["refresh_token"][0].removeprefix("refresh-"))
        body: dict[str, Any] = {
            "token_type": "Bearer",
            "access_token": f"access-{number}",
            "expires_at": 4102444800,
            "expires_in": 21600,
            "refresh_token": f"refresh-{number}",
        }
        if form.get("grant_type", [""])[0] == "authorization_code":
            body["athlete"] = {
                **STRAVA_ATHLETE_SUMMARY,
                "id": 90_000_000 + number,
                "username": f"runner{number}",
                "firstname": "Runner",
                "lastname": f"{number}",
            }
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    def _list(self, request: Any) -> Reply:
        with self._lock:
            read = self._read(request)
            if not isinstance(read, int):
                return read
            self.list_requests[read] = self.list_requests.get(read, 0) + 1
            history = self.histories.setdefault(read, self.history_of(read))
            query = parse_qs(urlparse(request.url).query)
            page = int(query.get("page", ["1"])[0])
            per_page = int(query.get("per_page", ["30"])[0])
            if "after" in query:
                after = datetime.fromtimestamp(int(query["after"][0]), tz=UTC)
                matching = sorted((a for a in history if _start(a) > after), key=_start)
            else:
                before = query.get("before")
                limit = datetime.fromtimestamp(int(before[0]), tz=UTC) if before else None
                matching = sorted(
                    (a for a in history if limit is None or _start(a) < limit),
                    key=_start,
                    reverse=True,
                )
            body = matching[(page - 1) * per_page : page * per_page]
            return 200, self._headers(), json.dumps(body)

    def _clubs(self, request: Any) -> Reply:
        with self._lock:
            read = self._read(request)
            if not isinstance(read, int):
                return read
            return 200, self._headers(), "[]"

    @property
    def most_reads_in_a_window(self) -> int:
        with self._lock:
            return max(self.reads.values(), default=0)
