"""The calendar feed: plan in, iCalendar bytes out (pure code, no I/O)."""

from syncsvc.feed.ics import feed_etag, render_feed
from syncsvc.feed.settings import FeedSettings

__all__ = ["FeedSettings", "feed_etag", "render_feed"]
