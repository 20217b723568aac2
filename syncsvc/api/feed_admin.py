"""`syncsvc feed url|export|rotate`: the runner's side of the feed.

The URL holds a secret token; `rotate` revokes it (the old URL answers 410 in
every process within `feed.token_status_ttl_s`) and issues a new one. `export`
writes the stored bytes, exactly what the server sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from syncsvc.api.feed_urls import feed_urls, redact_feed_url
from syncsvc.api.pipeline import refresh_athlete
from syncsvc.domain import Athlete
from syncsvc.errors import UsageError
from syncsvc.private_files import write_private
from syncsvc.runtime import Runtime


@dataclass(frozen=True, slots=True)
class FeedAddress:
    athlete: str
    url: str
    webcal: str
    public: bool
    """False while the URL points at 127.0.0.1 (set service.public_url to share it)."""

    @property
    def redacted_url(self) -> str:
        """The URL without its secret token, for output that ends up in logs and scripts."""
        return redact_feed_url(self.url)


def _address(runtime: Runtime, name: str, token: str) -> FeedAddress:
    urls = feed_urls(runtime.settings, token)
    return FeedAddress(name, urls["url"], urls["webcal"], bool(runtime.settings.service.public_url))


def feed_address(runtime: Runtime, athlete: Athlete) -> FeedAddress:
    with runtime.store.read() as tx:
        token = tx.athlete(athlete.id).feed.active_token()
    if token is None:
        raise UsageError("this athlete has no feed address yet", hint="run syncsvc feed rotate")
    return _address(runtime, athlete.name, token)


def rotate_feed(runtime: Runtime, athlete: Athlete) -> FeedAddress:
    """Revoke the current token and issue a new one."""
    with runtime.store.write() as tx:
        token = tx.athlete(athlete.id).feed.issue_token()
    return _address(runtime, athlete.name, token)


def export_feed(runtime: Runtime, athlete: Athlete, path: Path) -> int:
    """Write the stored feed bytes to `path` (rendering first when none is stored)."""
    if path.is_dir():
        raise UsageError(f"{path} is a folder: give a file name such as plan.ics")
    if not path.parent.resolve().is_dir():
        raise UsageError(f"the folder {path.parent} does not exist")
    with runtime.store.read() as tx:
        rendered = tx.athlete(athlete.id).feed.rendered()
    if rendered is None:
        refresh_athlete(runtime, athlete.id, trigger="feed export", sync=False)
        with runtime.store.read() as tx:
            rendered = tx.athlete(athlete.id).feed.rendered()
    if rendered is None:
        raise UsageError("no feed could be rendered", hint="syncsvc replan says why")
    write_private(path, rendered.body)
    return len(rendered.body)
