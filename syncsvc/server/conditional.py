"""Conditional requests: does the client's copy still match (RFC 9110 §13.1)?

`If-None-Match` is compared weakly against the representation's ETags (a
client may send a list, `W/` tags or `*`); `If-Modified-Since` is read only
when there is no `If-None-Match`, as §13.2.2 asks. A date that cannot be read
never matches, so the client gets the full response.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def quoted_etag(etag: str) -> str:
    """A strong entity tag in its quotes (`abc` and `W/"abc"` both become `"abc"`)."""
    bare = etag[2:] if etag.startswith("W/") else etag
    return bare if bare.startswith('"') else f'"{bare}"'


def etag_matches(if_none_match: str, etags: Collection[str]) -> bool:
    """Weak comparison, as RFC 9110 §13.1.2 asks for If-None-Match."""
    for candidate in if_none_match.split(","):
        tag = candidate.strip()
        if tag == "*":
            return True
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag in etags:
            return True
    return False


def not_modified_since(if_modified_since: str, last_modified: datetime) -> bool:
    """Whether `last_modified` (to the second) is no later than the client's date."""
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return int(last_modified.timestamp()) <= since.timestamp()


def is_not_modified(
    request_headers: Mapping[str, str], *, etags: Collection[str], last_modified: datetime
) -> bool:
    """Whether a GET or HEAD can be answered 304 (`request_headers` keyed in lower case)."""
    if_none_match = request_headers.get("if-none-match")
    if if_none_match is not None:
        return etag_matches(if_none_match, etags)
    if_modified_since = request_headers.get("if-modified-since")
    if if_modified_since is not None:
        return not_modified_since(if_modified_since, last_modified)
    return False
