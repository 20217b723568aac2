"""A small CalDAV client of our own, on requests (RFC 4791, RFC 4918, RFC 6764).

Why not the `caldav` library (checked on this index, December 2026):

- caldav 2.x and 3.x require niquests, which brings urllib3-future; that
  package overwrites urllib3's own files in the environment stravalib,
  garminconnect and requests share.
- caldav 1.6.0, the newest 1.x, avoids niquests but still requires lxml and
  vobject. lxml installed makes gpxpy switch parsers, and our XML parse stays
  on defusedxml anyway.
- We need six requests of the protocol: PROPFIND (discovery, the etag
  listing), MKCALENDAR, GET, PUT with `If-None-Match: *` / `If-Match`, and
  DELETE. That is less code than the adaptation layer around a library.

So this client uses requests (already a dependency, shared with the sources,
and counted by `CountingSession`) and parses with defusedxml. Known server
quirks handled here rather than through a library's feature sets:

- Fastmail and others want collection URLs with a trailing slash: every
  collection href is normalised to end in "/".
- iCloud answers discovery with a calendar home on another host
  (pNN-caldav.icloud.com): hrefs are joined to the URL that gave them.
- A bare host is tried at `/.well-known/caldav` (RFC 6764), which iCloud and
  Nextcloud redirect to the DAV root.
- Some servers answer a PUT without an ETag (they rewrote the object): the
  etag is then read by the next listing, and a later write without one falls
  back to an unconditional PUT.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit

import requests
from defusedxml import ElementTree

from syncsvc.push.model import ChannelAuthError, ChannelUnavailable, RemoteConflict, RemoteGone
from syncsvc.sources.http import CountingSession

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
CS = "http://calendarserver.org/ns/"
ICS_TYPE = "text/calendar; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"

_PROPFIND_DISCOVERY = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
    "<d:prop><d:resourcetype/><d:displayname/><d:current-user-principal/>"
    "<c:calendar-home-set/></d:prop></d:propfind>"
)
_PROPFIND_ETAGS = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:resourcetype/></d:prop></d:propfind>'
)


def _mkcalendar_body(name: str) -> str:
    escaped = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
        f"<d:set><d:prop><d:displayname>{escaped}</d:displayname>"
        '<c:supported-calendar-component-set><c:comp name="VEVENT"/>'
        "</c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>"
    )


@dataclass(frozen=True, slots=True)
class DavResource:
    href: str
    etag: str
    is_collection: bool
    is_calendar: bool
    displayname: str
    principal: str
    home: str


def _tag(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def _collection(href: str) -> str:
    return href if href.endswith("/") else href + "/"


def href_key(href: str) -> str:
    """An href as a comparable key: servers differ in what they percent-encode."""
    return unquote(urlsplit(href).path)


def object_name(uid: str) -> str:
    """The resource name of an event, from its UID (safe in a URL path)."""
    return quote(uid.replace("/", "_"), safe="@.-_") + ".ics"


class CalDavClient:
    """One account on one server; every request is counted (`reads`, `writes`)."""

    def __init__(self, url: str, username: str, password: str, *, timeout_s: float = 20.0) -> None:
        self.url = url
        self.session = CountingSession()
        self.session.auth = (username, password)
        self.session.headers["User-Agent"] = "syncsvc-push"
        self.timeout_s = timeout_s
        self.reads = 0
        self.writes = 0

    def close(self) -> None:
        self.session.close()

    # ------------------------------------------------------------ plumbing

    def _send(self, method: str, url: str, *, write: bool, **kwargs: Any) -> requests.Response:
        if write:
            self.writes += 1
        else:
            self.reads += 1
        try:
            response: requests.Response = self.session.request(
                method, url, timeout=self.timeout_s, **kwargs
            )
        except (requests.ConnectionError, requests.Timeout) as error:
            host = urlsplit(url).netloc
            raise ChannelUnavailable(
                f"the CalDAV server {host} cannot be reached ({type(error).__name__})",
                hint="the next push tries again",
            ) from None
        if response.status_code in (401, 403):
            raise ChannelAuthError(
                f"the CalDAV server refused the username or password ({response.status_code})",
                hint="run syncsvc push add caldav with the same --url and a new --password-file",
            )
        if response.status_code == 429 or response.status_code >= 500:
            raise ChannelUnavailable(
                f"the CalDAV server answered {response.status_code} to {method}",
                hint="the next push tries again",
            )
        return response

    def _propfind(self, url: str, body: str, depth: str) -> list[DavResource]:
        response = self._send(
            "PROPFIND",
            url,
            write=False,
            data=body.encode(),
            headers={"Depth": depth, "Content-Type": XML_TYPE},
        )
        if response.status_code == 404:
            raise RemoteGone(url)
        if response.status_code != 207:
            raise ChannelUnavailable(
                f"the CalDAV server answered {response.status_code} to PROPFIND {url}"
            )
        return _multistatus(response.content, response.url or url)

    # ------------------------------------------------------------ discovery

    def discover(self, calendar_name: str) -> tuple[str, bool]:
        """The calendar collection to write to: found by name, or made (MKCALENDAR).

        Returns its absolute URL and whether it was created. The URL given may
        already be the calendar; else the home is found through the principal.
        """
        start = self.url
        if urlsplit(start).path in ("", "/"):
            start = urljoin(start, "/.well-known/caldav")
        try:
            found = self._propfind(start, _PROPFIND_DISCOVERY, "0")
        except RemoteGone:
            found = self._propfind(self.url, _PROPFIND_DISCOVERY, "0")
        first = found[0] if found else None
        if first is not None and first.is_calendar:
            return _collection(first.href), False
        home = first.home if first else ""
        if not home and first is not None and first.principal:
            principal = self._propfind(first.principal, _PROPFIND_DISCOVERY, "0")
            home = principal[0].home if principal else ""
        if not home:
            home = _collection(first.href if first else self.url)
        home = _collection(home)
        for resource in self._propfind(home, _PROPFIND_DISCOVERY, "1"):
            if resource.is_calendar and resource.displayname == calendar_name:
                return _collection(resource.href), False
        slug = re.sub(r"[^a-z0-9]+", "-", calendar_name.lower()).strip("-") or "syncsvc"
        target = _collection(urljoin(home, slug))
        response = self._send(
            "MKCALENDAR",
            target,
            write=True,
            data=_mkcalendar_body(calendar_name).encode(),
            headers={"Content-Type": XML_TYPE},
        )
        if response.status_code not in (200, 201, 405):  # 405: it exists already
            raise ChannelUnavailable(
                f"the CalDAV server would not create the calendar ({response.status_code})"
            )
        return target, response.status_code != 405

    # ------------------------------------------------------------ objects

    def etags(self, calendar: str) -> dict[str, str]:
        """Every event resource's path (`href_key`) and etag: one PROPFIND Depth 1."""
        resources = self._propfind(calendar, _PROPFIND_ETAGS, "1")
        return {
            href_key(r.href): r.etag
            for r in resources
            if not r.is_collection and _collection(r.href) != _collection(calendar)
        }

    def get(self, href: str) -> tuple[bytes, str]:
        response = self._send("GET", href, write=False)
        if response.status_code == 404 or response.status_code == 410:
            raise RemoteGone(href)
        if response.status_code != 200:
            raise ChannelUnavailable(f"the CalDAV server answered {response.status_code} to GET")
        return response.content, response.headers.get("ETag", "")

    def create(self, href: str, body: bytes) -> str:
        """PUT a new event (`If-None-Match: *`); its etag ("" when the server gives none)."""
        response = self._send(
            "PUT",
            href,
            write=True,
            data=body,
            headers={"Content-Type": ICS_TYPE, "If-None-Match": "*"},
        )
        if response.status_code == 412:
            raise RemoteConflict(href)
        _check_written(response)
        return response.headers.get("ETag", "")

    def update(self, href: str, body: bytes, etag: str) -> str:
        """PUT over the event we wrote (`If-Match`); raises RemoteConflict on a 412."""
        headers = {"Content-Type": ICS_TYPE}
        if etag:
            headers["If-Match"] = etag
        response = self._send("PUT", href, write=True, data=body, headers=headers)
        if response.status_code == 412:
            raise RemoteConflict(href)
        if response.status_code == 404:
            raise RemoteGone(href)
        _check_written(response)
        return response.headers.get("ETag", "")

    def delete(self, href: str) -> None:
        """DELETE an event; a 404 means it is gone already, which is what we wanted."""
        response = self._send("DELETE", href, write=True)
        if response.status_code not in (200, 204, 404, 410):
            raise ChannelUnavailable(f"the CalDAV server answered {response.status_code} to DELETE")


def _check_written(response: requests.Response) -> None:
    if response.status_code not in (200, 201, 204):
        raise ChannelUnavailable(
            f"the CalDAV server answered {response.status_code} to PUT",
            hint="the next push tries again",
        )


def _text(element: Any) -> str:
    return "" if element is None or element.text is None else str(element.text).strip()


def _multistatus(body: bytes, base: str) -> list[DavResource]:
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        raise ChannelUnavailable("the CalDAV server sent XML that cannot be read") from None
    resources = []
    for response in root.iter(_tag(DAV, "response")):
        href = urljoin(base, _text(response.find(_tag(DAV, "href"))))
        etag = displayname = principal = home = ""
        is_collection = is_calendar = False
        for propstat in response.iter(_tag(DAV, "propstat")):
            if "200" not in _text(propstat.find(_tag(DAV, "status"))):
                continue
            prop = propstat.find(_tag(DAV, "prop"))
            if prop is None:
                continue
            etag = _text(prop.find(_tag(DAV, "getetag"))) or etag
            displayname = _text(prop.find(_tag(DAV, "displayname"))) or displayname
            kind = prop.find(_tag(DAV, "resourcetype"))
            if kind is not None:
                is_collection = kind.find(_tag(DAV, "collection")) is not None
                is_calendar = kind.find(_tag(CALDAV, "calendar")) is not None
            found = prop.find(_tag(DAV, "current-user-principal"))
            if found is not None and found.find(_tag(DAV, "href")) is not None:
                principal = urljoin(base, _text(found.find(_tag(DAV, "href"))))
            home_set = prop.find(_tag(CALDAV, "calendar-home-set"))
            if home_set is not None and home_set.find(_tag(DAV, "href")) is not None:
                home = urljoin(base, _text(home_set.find(_tag(DAV, "href"))))
        resources.append(
            DavResource(href, etag, is_collection, is_calendar, displayname, principal, home)
        )
    return resources


_SEQUENCE = re.compile(rb"^SEQUENCE:(\d+)\r?$", re.MULTILINE)


def remote_sequence(body: bytes) -> int:
    """The SEQUENCE of an event read back (0 when it has none)."""
    match = _SEQUENCE.search(body)
    return int(match.group(1)) if match else 0
