"""Google Calendar as a push channel, with google-api-python-client.

- The scope is `calendar.app.created`: syncsvc sees and touches only the
  calendars it created itself, so it makes a dedicated secondary calendar.
- Event ids are derived from our UIDs (base32hex, `project.google_event_id`):
  an insert repeated after a crash meets a 409 and becomes an update.
- An update carries `If-Match` with the etag we last saw; a 412 means the
  runner edited it, so it is read once and overwritten (the plan wins) with
  SEQUENCE raised above theirs.
- Deletions by the runner are seen through `events.list` with `syncToken`
  (cancelled items); a 410 on the token starts a full listing again.
- The grant is Google's authorized-user JSON, encrypted in the store; the
  library refreshes the access token when due and the new one is saved back.
  A refused refresh (revoked, or 7 days old in Google's "testing" mode)
  pauses the channel with the command to reconnect.

The library talks through httplib2, so the tests use its own HttpMockSequence
(`http=`) with the JSON shapes of the Calendar API v3 reference.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from syncsvc.domain import Athlete, Session
from syncsvc.errors import AuthError, UsageError
from syncsvc.feed.settings import FeedSettings
from syncsvc.push.model import (
    ChannelAuthError,
    ChannelKind,
    ChannelUnavailable,
    EntryState,
    Projection,
    RemoteChanges,
    RemoteConflict,
    RemoteGone,
)
from syncsvc.push.project import google_projection
from syncsvc.store.push import Channel, LedgerEntry

SCOPE = "https://www.googleapis.com/auth/calendar.app.created"
DEFAULT_CALENDAR = "Core & hip"
REAUTH = "run syncsvc push add google --client-secrets FILE again"
RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"}


def authorise(
    client_secrets: Path, *, headless: bool, ask: Callable[[str], str] | None = None
) -> dict[str, Any]:
    """Google's installed-app consent with a loopback redirect; returns the grant to keep.

    Google ended the copy-paste (out-of-band) flow. With a browser here, a
    one-shot server on 127.0.0.1 receives the redirect. Headless, `ask` is
    shown the consent URL and must return the whole `http://127.0.0.1...` URL
    the browser was sent to (the page itself fails to load; the URL is enough).
    """
    from google_auth_oauthlib.flow import InstalledAppFlow

    try:
        flow = InstalledAppFlow.from_client_secrets_file(str(client_secrets), scopes=[SCOPE])
    except (OSError, ValueError) as error:
        raise UsageError(f"cannot read the client secrets file {client_secrets}: {error}") from None
    if not headless:
        credentials = flow.run_local_server(host="127.0.0.1", port=0, open_browser=True)
    else:
        if ask is None:
            raise UsageError("the headless consent needs somewhere to paste the URL back")
        flow.redirect_uri = "http://127.0.0.1:8080/"
        url, _state = flow.authorization_url(access_type="offline", prompt="consent")
        pasted = ask(url).strip()
        if not pasted.startswith("http://127.0.0.1"):
            raise UsageError("paste the whole address the browser went to (http://127.0.0.1...)")
        try:
            # oauthlib insists on https; the loopback redirect is http by design.
            flow.fetch_token(authorization_response=pasted.replace("http://", "https://", 1))
        except Exception as error:
            raise AuthError(f"Google refused the consent: {error}", hint=REAUTH) from None
        credentials = flow.credentials
    grant: dict[str, Any] = json.loads(credentials.to_json())
    if not grant.get("refresh_token"):
        raise AuthError("Google gave no refresh token", hint=REAUTH)
    return grant


class GoogleRemote:
    kind = ChannelKind.GOOGLE

    def __init__(
        self,
        channel: Channel,
        secret: dict[str, Any],
        athlete: Athlete,
        host: str,
        settings: FeedSettings,
        *,
        http: Any = None,
    ) -> None:
        from google.oauth2.credentials import Credentials
        from google_auth_httplib2 import AuthorizedHttp
        from googleapiclient.discovery import build

        if not secret.get("refresh_token") and not secret.get("token"):
            raise ChannelAuthError("Google Calendar is not connected", hint=REAUTH)
        self.channel = channel
        self.athlete = athlete
        self.host = host
        self.settings = settings
        self.credentials = Credentials.from_authorized_user_info(  # type: ignore[no-untyped-call]
            secret, scopes=[SCOPE]
        )
        self.token_before = self.credentials.token
        self.secret = secret
        self.owns_http = http is None
        if http is None:
            import httplib2

            http = httplib2.Http(timeout=20)
        authorized = AuthorizedHttp(self.credentials, http=http)
        self.service = build(
            "calendar", "v3", http=authorized, cache_discovery=False, static_discovery=True
        )
        self.calendar_id = ""
        self.reads = 0
        self.writes = 0

    # ------------------------------------------------------------ plumbing

    def _run(self, what: str, request: Any, *, write: bool, if_match: str = "") -> Any:
        from google.auth.exceptions import RefreshError, TransportError
        from googleapiclient.errors import HttpError

        if write:
            self.writes += 1
        else:
            self.reads += 1
        if if_match:
            request.headers["If-Match"] = if_match
        try:
            return request.execute(num_retries=0)
        except RefreshError:
            raise ChannelAuthError(
                "Google refused the stored grant (revoked, or expired in testing mode)",
                hint=REAUTH,
            ) from None
        except HttpError as error:
            status = int(error.resp.status)
            reason = _reason(error)
            if status == 409:
                raise RemoteConflict(what) from None
            if status == 412:
                raise _Stale(what) from None
            if status in (404, 410):
                raise RemoteGone(what) from None
            if status == 429 or status >= 500 or reason in RATE_REASONS:
                raise ChannelUnavailable(
                    f"Google Calendar answered {status} to {what}",
                    hint="the push backs off and tries again later",
                ) from None
            if status in (401, 403):
                raise ChannelAuthError(
                    f"Google Calendar refused to {what} ({status} {reason})", hint=REAUTH
                ) from None
            raise ChannelUnavailable(f"Google Calendar answered {status} to {what}") from None
        except (TransportError, OSError) as error:
            raise ChannelUnavailable(
                f"Google Calendar cannot be reached ({type(error).__name__})",
                hint="the next push tries again",
            ) from None

    # ------------------------------------------------------------ the channel

    def where(self) -> str:
        return "Google Calendar"

    def window(self, today: date) -> tuple[date, date | None]:
        return today, None

    def project(self, session: Session) -> Projection:
        return google_projection(self.athlete, session, self.host, self.settings)

    def prepare(self, remote: dict[str, Any]) -> dict[str, Any]:
        """The app's own calendar: known, found by name among the app's, or inserted."""
        calendar_id = str(remote.get("calendar_id", ""))
        if not calendar_id:
            name = str(self.channel.options.get("calendar") or DEFAULT_CALENDAR)
            listed = self._run("list calendars", self.service.calendarList().list(), write=False)
            for item in listed.get("items", []):
                if item.get("summary") == name:
                    calendar_id = str(item["id"])
                    break
            else:
                body = {"summary": name, "timeZone": self.athlete.profile.timezone}
                made = self._run(
                    "create the calendar", self.service.calendars().insert(body=body), write=True
                )
                calendar_id = str(made["id"])
            remote = {**remote, "calendar_id": calendar_id}
        self.calendar_id = calendar_id
        return remote

    def changes(self, remote: dict[str, Any], entries: Sequence[LedgerEntry]) -> RemoteChanges:
        token = str(remote.get("sync_token", ""))
        try:
            items, next_token = self._list(token)
        except RemoteGone:  # 410: the sync token expired; list everything again
            token = ""
            items, next_token = self._list("")
        by_id = {e.remote_id: e for e in entries if e.remote_id}
        gone: set[str] = set()
        edited: dict[str, str] = {}
        seen: set[str] = set()
        for item in items:
            entry = by_id.get(str(item.get("id")))
            if entry is None:
                continue
            seen.add(entry.remote_id)
            if item.get("status") == "cancelled":
                if entry.state == EntryState.PUSHED:
                    gone.add(entry.session_id)
            elif entry.etag and item.get("etag") and item["etag"] != entry.etag:
                edited[entry.session_id] = str(item["etag"])
        if not token:  # a full listing: what is not there at all is gone too
            gone |= {
                e.session_id
                for e in entries
                if e.state == EntryState.PUSHED and e.remote_id not in seen
            }
        return RemoteChanges(frozenset(gone), edited, {**remote, "sync_token": next_token})

    def _list(self, token: str) -> tuple[list[dict[str, Any]], str]:
        items: list[dict[str, Any]] = []
        page = ""
        while True:
            arguments: dict[str, Any] = {"calendarId": self.calendar_id, "showDeleted": True}
            if token:
                arguments["syncToken"] = token
            if page:
                arguments["pageToken"] = page
            answer = self._run("list events", self.service.events().list(**arguments), write=False)
            items.extend(answer.get("items", []))
            page = answer.get("nextPageToken", "")
            if not page:
                return items, str(answer.get("nextSyncToken", ""))

    def _entry(
        self, session: Session, projection: Projection, answer: dict[str, Any], result: str
    ) -> LedgerEntry:
        return LedgerEntry(
            session.id,
            remote_id=str(answer.get("id", projection.payload["id"])),
            etag=str(answer.get("etag", "")),
            content_hash=projection.content_hash,
            sequence=int(answer.get("sequence", projection.payload["sequence"])),
            local_date=session.local_date,
            state=EntryState.PUSHED,
            last_result=result,
        )

    def create(
        self, projection: Projection, session: Session, entry: LedgerEntry | None
    ) -> LedgerEntry:
        body = dict(projection.payload)
        if entry is not None:
            body["sequence"] = max(body["sequence"], entry.sequence + 1)
        events = self.service.events()
        try:
            answer = self._run(
                "insert an event",
                events.insert(calendarId=self.calendar_id, body=body),
                write=True,
            )
            return self._entry(session, projection, answer, "inserted")
        except RemoteConflict:
            # Ours already (a crash before the ledger write, or re-added): update it.
            base = entry or LedgerEntry(session.id, remote_id=body["id"])
            return self.update(projection, session, replace(base, remote_id=body["id"]), "")

    def update(
        self, projection: Projection, session: Session, entry: LedgerEntry, edited_etag: str
    ) -> LedgerEntry:
        body = dict(projection.payload)
        body["sequence"] = max(body["sequence"], entry.sequence + 1)
        events = self.service.events()
        event_id = entry.remote_id or body["id"]
        etag = edited_etag or entry.etag
        try:
            answer = self._run(
                "update an event",
                events.update(calendarId=self.calendar_id, eventId=event_id, body=body),
                write=True,
                if_match=etag,
            )
        except _Stale:
            # Edited behind our back: read it once, then the plan wins above its SEQUENCE.
            current = self._run(
                "read an event",
                events.get(calendarId=self.calendar_id, eventId=event_id),
                write=False,
            )
            if current.get("status") == "cancelled":
                raise RemoteGone(event_id) from None
            body["sequence"] = max(body["sequence"], int(current.get("sequence", 0)) + 1)
            answer = self._run(
                "update an event",
                events.update(calendarId=self.calendar_id, eventId=event_id, body=body),
                write=True,
                if_match=str(current.get("etag", "")),
            )
        return self._entry(session, projection, answer, "updated")

    def delete(self, entry: LedgerEntry) -> None:
        with suppress(RemoteGone):  # deleted already: what we wanted
            self._run(
                "delete an event",
                self.service.events().delete(calendarId=self.calendar_id, eventId=entry.remote_id),
                write=True,
            )

    def saved_secret(self) -> dict[str, Any] | None:
        if self.credentials.token == self.token_before:
            return None
        self.token_before = self.credentials.token
        grant: dict[str, Any] = json.loads(self.credentials.to_json())
        return grant

    def close(self) -> None:
        if self.owns_http:  # a given one (a test's mock) belongs to the caller
            self.service.close()


class _Stale(Exception):
    """A 412: the event changed since the etag we sent."""


def _reason(error: Any) -> str:
    try:
        details = json.loads(error.content.decode())["error"]["errors"][0]
        return str(details.get("reason", ""))
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return ""
