"""Strava's API as we use it: the activity list (200 a page) and one activity by id.

Raw JSON comes back untouched (we keep it). Every request first takes a read from
the shared budget (never waiting), and its rate-limit headers then correct the
budget: that is the limiter we give stravalib in place of its sleeping one. A 429
stops the work at once; 5xx and connection errors are retried with backoff.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from syncsvc import clock
from syncsvc.config import StravaSettings
from syncsvc.errors import RateLimited, SourceError
from syncsvc.sources.http import CountingSession, is_connection_error, with_retries
from syncsvc.sources.ratelimit import (
    mark_exhausted,
    parse_rate_headers,
    record_usage,
    resume_time,
    take_read,
)
from syncsvc.sources.strava_auth import make_client
from syncsvc.store.database import Store


class StravaUnauthorized(Exception):
    """A 401 from the API: the caller refreshes once, then gives up with AuthError."""


class StravaNotFound(Exception):
    """A 404: the activity is gone (deleted, or private to someone else)."""


def _status(error: BaseException) -> int | None:
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def _transient(error: BaseException) -> bool:
    status = _status(error)
    return is_connection_error(error) or (status is not None and status >= 500)


class StravaApi:
    """One athlete's access token, the shared budget, and a request counter."""

    def __init__(
        self,
        store: Store,
        settings: StravaSettings,
        access_token: str,
        *,
        reserve: int,
        session: CountingSession | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.reserve = reserve
        self.session = session or CountingSession()
        self.client = make_client(access_token, self.session, rate_limiter=self._on_headers)
        self._saw_usage = False

    @property
    def requests_made(self) -> int:
        return self.session.requests_made

    def set_access_token(self, access_token: str) -> None:
        self.client.access_token = access_token

    def _on_headers(self, headers: Mapping[str, str], method: str) -> None:
        usage = parse_rate_headers(headers, read=method.upper() == "GET")
        self._saw_usage = usage is not None
        if usage is not None:
            record_usage(self.store, self.settings, usage, clock.now())

    def _attempt(self, path: str, params: dict[str, Any]) -> Any:
        take_read(self.store, self.settings, clock.now(), reserve=self.reserve)
        self._saw_usage = False
        return self.client.protocol.get(path, **params)

    def _get(self, path: str, **params: Any) -> Any:
        from stravalib import exc

        try:
            return with_retries(
                lambda: self._attempt(path, params),
                transient=_transient,
                retries=self.settings.retries,
                wait_s=self.settings.retry_wait_s,
                wait_max_s=self.settings.retry_wait_max_s,
            )
        except exc.AccessUnauthorized:
            raise StravaUnauthorized() from None
        except exc.ObjectNotFound:
            raise StravaNotFound() from None
        except exc.Fault as error:
            status = _status(error)
            if status == 429:
                now = clock.now()
                if not self._saw_usage:
                    mark_exhausted(self.store, self.settings, now)
                resume = resume_time(self.store, self.settings, now)
                raise RateLimited(
                    f"Strava answered 429 (rate limit); syncing resumes after {resume:%H:%M} UTC",
                    hint="the next sync picks up where this one stopped",
                ) from None
            raise SourceError(f"Strava answered {status or 'an error'} for {path}") from None
        except ValueError:  # a body that is not JSON (requests' JSONDecodeError is one)
            raise SourceError(
                f"Strava sent a malformed answer for {path}",
                hint="the next sync resumes where this one stopped",
            ) from None
        except Exception as error:
            if is_connection_error(error):
                raise SourceError(
                    f"cannot reach Strava ({type(error).__name__})",
                    hint="check the network; the next sync resumes where this one stopped",
                ) from None
            raise

    def list_activities(self, *, after: int, page: int, per_page: int) -> list[Any]:
        """One page of SummaryActivity JSON, oldest first (Strava sorts ascending with `after`)."""
        result = self._get("/athlete/activities", after=after, page=page, per_page=per_page)
        if not isinstance(result, list):
            raise SourceError("Strava sent something other than a list of activities")
        return result

    def list_activities_before(self, *, before: int | None, page: int, per_page: int) -> list[Any]:
        """One page of SummaryActivity JSON, newest first (Strava's order without `after`)."""
        params: dict[str, Any] = {"page": page, "per_page": per_page}
        if before is not None:
            params["before"] = before
        result = self._get("/athlete/activities", **params)
        if not isinstance(result, list):
            raise SourceError("Strava sent something other than a list of activities")
        return result

    def list_clubs(self) -> list[Any]:
        """The athlete's clubs (SummaryClub JSON), up to 200."""
        result = self._get("/athlete/clubs", page=1, per_page=200)
        if not isinstance(result, list):
            raise SourceError("Strava sent something other than a list of clubs")
        return result

    def get_activity(self, activity_id: int | str) -> Any:
        """One DetailedActivity JSON (a superset of the summary shape)."""
        return self._get(f"/activities/{activity_id}")
