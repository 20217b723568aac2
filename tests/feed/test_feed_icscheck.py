"""Every test feed passes ../shared/tools/icscheck (icalendar, vobject,
recurring-ical-events and Mozilla's ical.js, plus the RFC 5545 rules), and
--compare confirms moves, cancels and content changes keep UIDs and raise SEQUENCE.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from feed_builders import HOST, make_athlete, make_session

from syncsvc.domain import Session, SessionKind, SessionStatus
from syncsvc.feed import FeedSettings, render_feed
from syncsvc.testing.fixed_plan import demo_mobility, demo_sessions

pytestmark = pytest.mark.shared

CheckFeed = Callable[[bytes], None]
CompareFeeds = Callable[[bytes, bytes], dict[str, Any]]


def dst_week(monday: date, changeover: date, tricky: time) -> list[Session]:
    """A session every evening, plus one in the changeover hour itself."""
    sessions = [
        make_session(monday + timedelta(days=offset), kind=kind)
        for offset, kind in enumerate([SessionKind.CORE, SessionKind.HIP] * 3 + [SessionKind.CORE])
    ]
    sessions.append(make_session(changeover, session_id="changeover", start=tricky, minutes=45))
    return sessions


@pytest.mark.parametrize(
    ("zone", "monday", "changeover", "tricky"),
    [
        ("Europe/Berlin", date(2026, 3, 23), date(2026, 3, 29), time(2, 30)),
        ("Europe/Berlin", date(2026, 10, 19), date(2026, 10, 25), time(2, 30)),
        ("America/New_York", date(2026, 3, 2), date(2026, 3, 8), time(2, 30)),
        ("America/New_York", date(2026, 10, 26), date(2026, 11, 1), time(1, 30)),
        ("Asia/Kolkata", date(2026, 3, 23), date(2026, 3, 29), time(5, 30)),
    ],
)
def test_dst_week_feed_passes_every_parser(
    check_feed: CheckFeed, zone: str, monday: date, changeover: date, tricky: time
) -> None:
    body = render_feed(
        athlete=make_athlete(zone, name="Zoë Ørsted-Ñúñez 李"),
        sessions=dst_week(monday, changeover, tricky),
        host=HOST,
        settings=FeedSettings(),
        today=monday,
    )

    check_feed(body)


@pytest.mark.parametrize(
    "feed_settings",
    [
        FeedSettings(all_day=True),
        FeedSettings(alarm=True, session_url_base="https://coach.example.org/s"),
        FeedSettings(running_load_line=True, mobility_events=True),
    ],
    ids=["all-day", "alarm-and-url", "extras"],
)
def test_demo_plan_passes_every_parser_under_each_setting(
    check_feed: CheckFeed, feed_settings: FeedSettings
) -> None:
    monday = date(2026, 9, 28)
    body = render_feed(
        athlete=make_athlete("America/New_York"),
        sessions=demo_sessions(7, monday, 8),
        host=HOST,
        settings=feed_settings,
        today=monday + timedelta(days=14),
        mobility=demo_mobility(monday, 8),
    )

    check_feed(body)


def test_utc_runner_feed_passes_every_parser(check_feed: CheckFeed) -> None:
    body = render_feed(
        athlete=make_athlete("UTC"),
        sessions=dst_week(date(2026, 3, 23), date(2026, 3, 29), time(2, 30)),
        host=HOST,
        settings=FeedSettings(),
        today=date(2026, 3, 23),
    )

    check_feed(body)


# ---------------------------------------------------------------- changes between two renders

TODAY = date(2026, 3, 23)
LATER = datetime(2026, 3, 24, 7, 0, tzinfo=UTC)


def render(sessions: list[Session]) -> bytes:
    return render_feed(
        athlete=make_athlete(),
        sessions=sessions,
        host=HOST,
        settings=FeedSettings(),
        today=TODAY,
    )


def week() -> list[Session]:
    return dst_week(TODAY, date(2026, 3, 29), time(2, 30))


def changes(report: dict[str, Any], kind: str) -> list[str]:
    return [row["uid"] for row in report["changes"] if row["change"] == kind]


def test_a_moved_session_keeps_its_uid_and_raises_its_sequence(
    compare_feeds: CompareFeeds,
) -> None:
    old = week()
    moved = replace(
        old[1], local_date=old[1].local_date + timedelta(days=1), version=2, changed_at=LATER
    )
    new = [*old[:1], moved, *old[2:]]

    report = compare_feeds(render(old), render(new))

    assert changes(report, "moved") == [f"{moved.id}@{HOST}"]
    assert report["counts"]["uid-changed"] == 0
    assert report["counts"]["added"] == report["counts"]["removed"] == 0


def test_a_cancelled_session_stays_as_cancelled_with_a_higher_sequence(
    compare_feeds: CompareFeeds,
) -> None:
    old = week()
    cancelled = replace(old[2], status=SessionStatus.CANCELLED, version=2, changed_at=LATER)
    new = [*old[:2], cancelled, *old[3:]]

    report = compare_feeds(render(old), render(new))

    assert changes(report, "changed") == [f"{cancelled.id}@{HOST}"]
    assert report["counts"]["removed"] == 0


def test_a_content_change_raises_sequence_and_keeps_the_uid(
    compare_feeds: CompareFeeds,
) -> None:
    old = week()
    assert old[3].content is not None
    harder = replace(
        old[3], content=replace(old[3].content, block_week=3), version=2, changed_at=LATER
    )
    new = [*old[:3], harder, *old[4:]]

    report = compare_feeds(render(old), render(new))

    (row,) = [row for row in report["changes"] if row["change"] != "unchanged"]
    assert row["change"] == "changed"
    assert row["uid"] == f"{harder.id}@{HOST}"
    assert (row["old_sequence"], row["new_sequence"]) == (1, 2)
    assert "DESCRIPTION" in row["fields"]
    assert report["problems"] == []


def test_a_changed_session_without_a_new_version_is_caught_by_the_checker(
    icscheck: Callable[..., Any], tmp_path: Path
) -> None:
    """The guard works: a move that forgot to raise SEQUENCE fails --compare."""
    old = week()
    sloppy = replace(old[1], local_date=old[1].local_date + timedelta(days=1))
    (tmp_path / "old.ics").write_bytes(render(old))
    (tmp_path / "new.ics").write_bytes(render([*old[:1], sloppy, *old[2:]]))

    result = icscheck("--compare", tmp_path / "old.ics", tmp_path / "new.ics")

    assert result.returncode == 1
    assert "MOVED_WITHOUT_SEQUENCE" in result.stdout
