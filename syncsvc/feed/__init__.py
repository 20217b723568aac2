"""The calendar feed: plan in, iCalendar bytes out (pure code, no I/O).

icalendar is imported inside the functions that use it (see
docs/architecture.md, "Imports"), so importing this package is cheap.
"""

from syncsvc.feed.ics import feed_etag, render_feed
from syncsvc.feed.settings import FeedSettings

__all__ = ["FeedSettings", "feed_etag", "render_feed"]
