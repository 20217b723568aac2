"""The channels' copies of a session: the CalDAV event is the feed's, hashes ignore SEQUENCE."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from syncsvc.domain import Athlete, Profile
from syncsvc.feed import FeedSettings, render_feed
from syncsvc.feed.ics import render_session_object
from syncsvc.push.model import content_hash
from syncsvc.push.project import (
    caldav_projection,
    garmin_projection,
    google_event,
    google_projection,
)
from tests.push.push_builders import HOST, TODAY, session

ATHLETE = Athlete(1, "ana", Profile(timezone="Europe/Berlin"), datetime(2026, 1, 1, tzinfo=UTC))


def only_event(body: bytes) -> dict[str, bytes]:
    [event] = Calendar.from_ical(body).walk("VEVENT")
    return {name: event[name].to_ical() for name in event}


def test_the_caldav_event_is_the_feeds_event() -> None:
    settings = FeedSettings(alarm=True)
    planned = session(1, TODAY + timedelta(days=1), 1)

    pushed = render_session_object(athlete=ATHLETE, session=planned, host=HOST, settings=settings)
    feed = render_feed(
        athlete=ATHLETE, sessions=[planned], host=HOST, settings=settings, today=TODAY
    )

    assert only_event(pushed) == only_event(feed)
    assert b"METHOD:" not in pushed
    assert b"BEGIN:VTIMEZONE" in pushed
    assert b"BEGIN:VALARM" in pushed


def test_a_raised_sequence_changes_the_bytes_but_not_the_hash() -> None:
    planned = session(1, TODAY, 1)
    settings = FeedSettings()

    raised = render_session_object(
        athlete=ATHLETE, session=planned, host=HOST, settings=settings, sequence=7
    )

    plain = render_session_object(athlete=ATHLETE, session=planned, host=HOST, settings=settings)
    projection = caldav_projection(ATHLETE, planned, HOST, settings)
    assert b"SEQUENCE:7" in raised
    assert b"SEQUENCE:1" in plain
    assert projection.content_hash == content_hash(plain)
    assert projection.content_hash != content_hash(raised)


def test_a_move_changes_the_event_hashes_but_not_the_garmin_workout() -> None:
    planned = session(1, TODAY, 1)
    moved = replace(planned, local_date=TODAY + timedelta(days=2), version=2)
    settings = FeedSettings()

    assert (
        caldav_projection(ATHLETE, planned, HOST, settings).content_hash
        != caldav_projection(ATHLETE, moved, HOST, settings).content_hash
    )
    assert (
        google_projection(ATHLETE, planned, HOST, settings).content_hash
        != google_projection(ATHLETE, moved, HOST, settings).content_hash
    )
    assert garmin_projection(planned).content_hash == garmin_projection(moved).content_hash
    longer = replace(planned, minutes=40)
    assert garmin_projection(planned).content_hash != garmin_projection(longer).content_hash


def test_the_google_event_has_the_feeds_words_and_wall_times() -> None:
    planned = session(1, TODAY, 1)

    event = google_event(ATHLETE, planned, HOST, FeedSettings())
    all_day = google_event(ATHLETE, planned, HOST, FeedSettings(all_day=True))

    assert event["iCalUID"] == f"{planned.id}@{HOST}"
    assert event["start"]["dateTime"] == "2026-12-03T18:00:00+01:00"
    assert event["end"]["dateTime"] == "2026-12-03T18:25:00+01:00"
    assert all_day["start"] == {"date": "2026-12-03"}
    assert all_day["end"] == {"date": "2026-12-04"}
    assert "Dead bug" in event["description"]
