"""The calendar feed: plan in, iCalendar bytes out (pure code, no I/O).

Importing the package is cheap: icalendar loads only when `render_feed` or
`feed_etag` is first used (PEP 562), because the settings (`feed.settings`) are
read by every command, most of which never render a feed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from syncsvc.feed.ics import feed_etag, render_feed
    from syncsvc.feed.settings import FeedSettings

__all__ = ["FeedSettings", "feed_etag", "render_feed"]

_HOME = {
    "feed_etag": "ics",
    "render_feed": "ics",
    "FeedSettings": "settings",
}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
    globals()[name] = value
    return value
