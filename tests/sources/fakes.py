"""Strava and Garmin Connect faked at the HTTP layer only (`responses`), in their real shapes.

Each fake keeps a list of activities and answers the list endpoint the way the
real service pages it; failures are queued per endpoint (`fail_next`).
Rate-limit headers use the capitalisation Strava really sends (X-Readratelimit-*).
"""

from __future__ import annotations

import base64
import json
import re
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import responses

STRAVA_API = "https://www.strava.com/api/v3"
STRAVA_TOKEN_URL = "https://www.strava.com/oauth/token"
GARMIN_LIST_URL = "https://connectapi.garmin.com/activitylist-service/activities/search/activities"
GARMIN_TOKEN_URL = "https://diauth.garmin.com/di-oauth2-service/oauth/token"
STRAVA_401_BODY = {
    "message": "Authorization Error",
    "errors": [{"resource": "Application", "field": "", "code": "invalid"}],
}
STRAVA_429_BODY = {
    "message": "Rate Limit Exceeded",
    "errors": [{"resource": "Application", "field": "rate limit", "code": "exceeded"}],
}
STRAVA_ATHLETE_SUMMARY: dict[str, Any] = {
    # shared/fixtures/strava/recorded/oauth_token_authorization_code.json, with our athlete's id
    "id": 26462176,
    "username": "dblockdotorg",
    "resource_state": 2,
    "firstname": "Daniel",
    "lastname": "Block",
    "city": "New York",
    "state": "NY",
    "country": "",
    "sex": "M",
    "premium": True,
    "summit": True,
    "created_at": "2017-11-28T19:05:35Z",
    "updated_at": "2018-11-19T01:44:15Z",
    "badge_type_id": 1,
    "profile_medium": "https://dgalywyr863hv.cloudfront.net/pictures/athletes/26462176/7677115/2/medium.jpg",
    "profile": "https://dgalywyr863hv.cloudfront.net/pictures/athletes/26462176/7677115/2/large.jpg",
    "friend": None,
    "follower": None,
}
STRAVA_APP_LIMIT_BODY = {
    # The words runners see ("Error 403: Limit of connected athletes exceeded") in Strava's
    # usual Fault envelope; the exact JSON of this 403 is not recorded (sources/strava_join.py).
    "message": "Limit of connected athletes exceeded",
    "errors": [{"resource": "Application", "field": "", "code": "limit exceeded"}],
}


def strava_club(club_id: int, name: str = "Club") -> dict[str, Any]:
    """A SummaryClub as `GET /athlete/clubs` lists it (Strava's API reference example)."""
    return {
        "id": club_id,
        "resource_state": 2,
        "name": name,
        "profile_medium": "https://dgalywyr863hv.cloudfront.net/images/clubs/medium.jpg",
        "cover_photo": None,
        "cover_photo_small": None,
        "sport_type": "running",
        "activity_types": ["Run", "TrailRun"],
        "city": "Berlin",
        "state": "Berlin",
        "country": "Germany",
        "private": False,
        "member_count": 120,
        "featured": False,
        "verified": False,
        "url": f"club-{club_id}",
    }


STRAVA_400_REFRESH_BODY = {
    "message": "Bad Request",
    "errors": [{"resource": "RefreshToken", "field": "refresh_token", "code": "invalid"}],
}


@dataclass
class Failure:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def _start(activity: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(activity["start_date"].replace("Z", "+00:00")).astimezone(UTC)


class FakeStrava:
    def __init__(
        self, mock: responses.RequestsMock, activities: list[dict[str, Any]] | None = None
    ):
        self.activities: list[dict[str, Any]] = list(activities or [])
        self.used_15min = 0
        self.used_day = 0
        self.valid_tokens = {"access-1"}
        self.token_number = 1
        self.refresh_tokens = {"refresh-1"}
        self.failures: dict[str, deque[Failure]] = {
            "list": deque(),
            "token": deque(),
            "get": deque(),
        }
        self.failures_at: dict[tuple[str, int], Failure] = {}
        self.counts: dict[str, int] = {"list": 0, "token": 0, "get": 0}
        self.calls: list[str] = []
        self.extra_on_first_page: list[Any] = []
        """Records served on every first page as they are (malformed ones, say)."""
        self.athlete_summary: dict[str, Any] = dict(STRAVA_ATHLETE_SUMMARY)
        """The SummaryAthlete a code exchange answers with."""
        self.clubs: list[dict[str, Any]] = []
        mock.add_callback(responses.GET, f"{STRAVA_API}/athlete/clubs", callback=self._clubs)
        mock.add_callback(
            responses.GET,
            re.compile(re.escape(f"{STRAVA_API}/athlete/activities") + r".*"),
            callback=self._list,
        )
        mock.add_callback(
            responses.GET,
            re.compile(re.escape(f"{STRAVA_API}/activities/") + r"\d+"),
            callback=self._get,
        )
        mock.add_callback(responses.GET, f"{STRAVA_API}/athlete", callback=self._athlete)
        mock.add_callback(responses.POST, STRAVA_TOKEN_URL, callback=self._token)
        mock.add_callback(
            responses.POST, "https://www.strava.com/oauth/deauthorize", callback=self._deauthorize
        )

    def fail_next(self, endpoint: str, status: int, body: Any = None, **headers: str) -> None:
        self.failures[endpoint].append(Failure(status, body, headers))

    def fail_call(
        self,
        endpoint: str,
        number: int,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Fail the `number`-th call (1-based) of an endpoint."""
        self.failures_at[(endpoint, number)] = Failure(status, body, headers or {})

    def headers(self) -> dict[str, str]:
        return {
            "X-Ratelimit-Limit": "200,2000",
            "X-Ratelimit-Usage": f"{self.used_15min},{self.used_day}",
            "X-Readratelimit-Limit": "100,1000",
            "X-Readratelimit-Usage": f"{self.used_15min},{self.used_day}",
            "Content-Type": "application/json; charset=utf-8",
        }

    def _count(self) -> None:
        self.used_15min += 1
        self.used_day += 1

    def _failure(self, endpoint: str) -> tuple[int, dict[str, str], str] | None:
        self.counts[endpoint] += 1
        failure = self.failures_at.pop((endpoint, self.counts[endpoint]), None)
        if failure is None and self.failures[endpoint]:
            failure = self.failures[endpoint].popleft()
        if failure is None:
            return None
        headers = {"Content-Type": "application/json; charset=utf-8", **failure.headers}
        body = "" if failure.body is None else json.dumps(failure.body)
        return failure.status, headers, body

    def _authorised(self, request: Any) -> bool:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        return token in self.valid_tokens

    def _list(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.calls.append(request.url)
        self._count()
        failure = self._failure("list")
        if failure is not None:
            return failure
        if not self._authorised(request):
            return 401, self.headers(), json.dumps(STRAVA_401_BODY)
        query = parse_qs(urlparse(request.url).query)
        page = int(query.get("page", ["1"])[0])
        per_page = int(query.get("per_page", ["30"])[0])
        if "after" in query:  # ascending, as Strava sorts with `after`
            after_instant = datetime.fromtimestamp(int(query["after"][0]), tz=UTC)
            matching = sorted((a for a in self.activities if _start(a) > after_instant), key=_start)
        else:  # newest first, Strava's order without `after`
            before = query.get("before")
            before_instant = (
                datetime.fromtimestamp(int(before[0]), tz=UTC)
                if before
                else datetime.max.replace(tzinfo=UTC)
            )
            matching = sorted(
                (a for a in self.activities if _start(a) < before_instant),
                key=_start,
                reverse=True,
            )
        body = matching[(page - 1) * per_page : page * per_page]
        if page == 1:
            body = [*self.extra_on_first_page, *body]
        return 200, self.headers(), json.dumps(body)

    def _get(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.calls.append(request.url)
        self._count()
        failure = self._failure("get")
        if failure is not None:
            return failure
        if not self._authorised(request):
            return 401, self.headers(), json.dumps(STRAVA_401_BODY)
        activity_id = int(request.url.rstrip("/").rsplit("/", 1)[-1])
        for activity in self.activities:
            if activity["id"] == activity_id:
                return 200, self.headers(), json.dumps({**activity, "resource_state": 3})
        return 404, self.headers(), ""

    def _athlete(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.calls.append(request.url)
        self._count()
        return 200, self.headers(), json.dumps({"id": 26462176, "resource_state": 2})

    def _token(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.calls.append(request.url)
        failure = self._failure("token")
        if failure is not None:
            return failure
        form = parse_qs(request.body if isinstance(request.body, str) else request.body.decode())
        grant = form.get("grant_type", [""])[0]
        if (
            grant == "refresh_token"
            and form.get("refresh_token", [""])[0] not in self.refresh_tokens
        ):
            return 400, {"Content-Type": "application/json"}, json.dumps(STRAVA_400_REFRESH_BODY)
        self.token_number += 1
        access, refresh = f"access-{self.token_number}", f"refresh-{self.token_number}"
        self.valid_tokens = {access}
        self.refresh_tokens = {refresh}  # Strava invalidates the old refresh token
        body: dict[str, Any] = {
            "token_type": "Bearer",
            "access_token": access,
            "expires_at": 4102444800,
            "expires_in": 21600,
            "refresh_token": refresh,
        }
        if grant == "authorization_code":
            body["athlete"] = self.athlete_summary
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    def _clubs(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.calls.append(request.url)
        self._count()
        if not self._authorised(request):
            return 401, self.headers(), json.dumps(STRAVA_401_BODY)
        return 200, self.headers(), json.dumps(self.clubs)

    def _deauthorize(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.calls.append(request.url)
        self.valid_tokens = set()
        return 200, {"Content-Type": "application/json"}, json.dumps({"access_token": "x"})

    def list_calls(self) -> list[str]:
        return [call for call in self.calls if "/athlete/activities" in call]


def fake_jwt(name: str, exp: int = 4102444800) -> str:
    """A JWT-shaped DI token garminconnect can read the expiry and client id from."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    payload = {"exp": exp, "client_id": "GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2", "jti": name}
    return f"{part({'alg': 'none'})}.{part(payload)}.sig"


def garmin_tokens(name: str = "one") -> str:
    return json.dumps(
        {
            "di_token": fake_jwt(name),
            "di_refresh_token": f"garmin-refresh-{name}",
            "di_client_id": "GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2",
        }
    )


class FakeGarmin:
    def __init__(
        self, mock: responses.RequestsMock, activities: list[dict[str, Any]] | None = None
    ):
        self.activities = list(activities or [])
        self.valid_tokens = {fake_jwt("one")}
        self.refresh_tokens = {"garmin-refresh-one"}
        self.refresh_works = True
        self.failures: deque[Failure] = deque()
        self.calls: list[str] = []
        mock.add_callback(
            responses.GET, re.compile(re.escape(GARMIN_LIST_URL) + r".*"), callback=self._list
        )
        mock.add_callback(responses.POST, GARMIN_TOKEN_URL, callback=self._token)

    def fail_next(self, status: int, body: Any = None) -> None:
        self.failures.append(Failure(status, body))

    def _list(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.calls.append(request.url)
        if self.failures:
            failure = self.failures.popleft()
            return failure.status, {"Content-Type": "application/json"}, json.dumps(failure.body)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.valid_tokens:
            return 401, {"Content-Type": "application/json"}, ""
        query = parse_qs(urlparse(request.url).query)
        start = int(query["start"][0])
        limit = int(query["limit"][0])
        newest_first = sorted(self.activities, key=lambda a: a["startTimeGMT"], reverse=True)
        body = newest_first[start : start + limit]
        return 200, {"Content-Type": "application/json;charset=UTF-8"}, json.dumps(body)

    def _token(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.calls.append(request.url)
        form = parse_qs(request.body if isinstance(request.body, str) else request.body.decode())
        if form.get("grant_type", [""])[0].endswith("service_ticket"):
            body = {"access_token": fake_jwt("one"), "refresh_token": "garmin-refresh-one"}
            return 200, {"Content-Type": "application/json"}, json.dumps(body)
        if not self.refresh_works or form.get("refresh_token", [""])[0] not in self.refresh_tokens:
            return 401, {"Content-Type": "application/json"}, json.dumps({"error": "invalid_grant"})
        new = fake_jwt("two")
        self.valid_tokens = {new}
        self.refresh_tokens = {"garmin-refresh-two"}
        body = {"access_token": new, "refresh_token": "garmin-refresh-two", "expires_in": 3600}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)
