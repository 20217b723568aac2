"""The store behind the feed route: a token's status and its stored feed bytes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from syncsvc.domain import RenderedFeed
from syncsvc.feed import feed_etag
from syncsvc.server.feed_lookup import StoreFeedLookup
from syncsvc.server.feed_routes import FeedGone, FeedOk, FeedUnknown
from syncsvc.store.database import Store
from syncsvc.testing.stores import add_athlete, open_store

BODY = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(f"sqlite:///{tmp_path / 'syncsvc.db'}")


def issue_token(store: Store, athlete_id: int) -> str:
    with store.write() as tx:
        return tx.athlete(athlete_id).feed.issue_token()


def render(store: Store, athlete_id: int) -> None:
    feed = RenderedFeed(athlete_id, BODY, feed_etag(BODY), datetime(2026, 5, 10, tzinfo=UTC), "v1")
    with store.write() as tx:
        tx.athlete(athlete_id).feed.store_rendered(feed)


def test_an_active_token_finds_its_stored_feed(store: Store) -> None:
    athlete = add_athlete(store, "zoe")
    token = issue_token(store, athlete.id)
    render(store, athlete.id)

    hit = StoreFeedLookup(store).find_feed(token)

    assert isinstance(hit, FeedOk)
    assert (hit.feed.athlete_id, hit.feed.body) == (athlete.id, BODY)


def test_a_rotated_away_token_is_gone_and_the_new_one_works(store: Store) -> None:
    athlete = add_athlete(store, "zoe")
    old = issue_token(store, athlete.id)
    new = issue_token(store, athlete.id)
    render(store, athlete.id)
    lookup = StoreFeedLookup(store)

    assert isinstance(lookup.find_feed(old), FeedGone)
    assert isinstance(lookup.find_feed(new), FeedOk)


def test_an_active_token_without_a_rendering_yet_is_unknown(store: Store) -> None:
    athlete = add_athlete(store, "zoe")
    token = issue_token(store, athlete.id)

    assert isinstance(StoreFeedLookup(store).find_feed(token), FeedUnknown)


def test_a_token_nobody_was_given_is_unknown(store: Store) -> None:
    athlete = add_athlete(store, "zoe")
    issue_token(store, athlete.id)
    render(store, athlete.id)

    assert isinstance(StoreFeedLookup(store).find_feed("A" * 43), FeedUnknown)
