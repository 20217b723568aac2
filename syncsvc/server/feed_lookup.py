"""The store behind the feed route: token to stored feed bytes (`FeedLookup`)."""

from __future__ import annotations

from dataclasses import dataclass

from syncsvc.server.feed_routes import FeedGone, FeedHit, FeedOk, FeedUnknown
from syncsvc.store.database import Store
from syncsvc.store.shared import TokenStatus


@dataclass(frozen=True, slots=True)
class StoreFeedLookup:
    store: Store

    def find_feed(self, token: str) -> FeedHit:
        """Active token with a rendered feed: the bytes; rotated away: gone; else unknown.

        An active token whose athlete has no rendering yet answers unknown (404)
        rather than an empty calendar; the first refresh renders it.
        """
        with self.store.read() as tx:
            match = tx.shared.find_token(token)
            if match.status is TokenStatus.REVOKED:
                return FeedGone()
            if match.status is not TokenStatus.ACTIVE or match.athlete_id is None:
                return FeedUnknown()
            rendered = tx.athlete(match.athlete_id).feed.rendered()
        return FeedUnknown() if rendered is None else FeedOk(rendered)
