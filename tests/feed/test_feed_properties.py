"""Properties of any rendered feed, over arbitrary plans, zones and times."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from feed_builders import HOST, make_athlete, make_session
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from syncsvc.domain import Session, SessionKind, SessionStatus
from syncsvc.feed import FeedSettings, render_feed

TODAY = date(2026, 10, 21)
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "UTC")

sessions_strategy = st.lists(
    st.builds(
        lambda offset, hour, quarter, minutes, kind, status, version, sid, changed_days: (
            make_session(
                TODAY + timedelta(days=offset),
                session_id=f"s{sid}",
                kind=kind,
                start=time(hour, 15 * quarter),
                minutes=minutes,
                status=status,
                version=version,
                changed_at=datetime(2026, 10, 21, 12, tzinfo=UTC) - timedelta(days=changed_days),
            )
        ),
        offset=st.integers(-40, 60),
        hour=st.integers(0, 23),
        quarter=st.integers(0, 3),
        minutes=st.integers(10, 90),
        kind=st.sampled_from(SessionKind),
        status=st.sampled_from(SessionStatus),
        version=st.integers(0, 50),
        sid=st.integers(0, 30),
        changed_days=st.integers(0, 30),
    ),
    max_size=25,
    unique_by=lambda session: session.id,
)


@settings(max_examples=100, deadline=None)
@given(
    sessions=sessions_strategy,
    zone=st.sampled_from(ZONES),
    all_day=st.booleans(),
)
def test_any_plan_gives_a_well_formed_feed(
    sessions: list[Session], zone: str, all_day: bool
) -> None:
    feed_settings = FeedSettings(all_day=all_day)
    body = render_feed(
        athlete=make_athlete(zone),
        sessions=sessions,
        host=HOST,
        settings=feed_settings,
        today=TODAY,
    )
    events = Calendar.from_ical(body).walk("VEVENT")

    uids = [str(event["UID"]) for event in events]
    assert len(uids) == len(set(uids))
    assert set(uids) <= {f"{session.id}@{HOST}" for session in sessions}
    by_id = {session.id: session for session in sessions}
    for event in events:
        session = by_id[str(event["UID"]).removesuffix(f"@{HOST}")]
        assert event["SEQUENCE"] == session.version
        assert event["DTEND"].dt > event["DTSTART"].dt
        assert session.local_date >= TODAY - timedelta(days=28)
        cancelled = session.status in (SessionStatus.SKIPPED, SessionStatus.CANCELLED)
        assert (event["STATUS"] == "CANCELLED") is cancelled
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    assert b"RDATE" not in body
    assert b"X-WR-TIMEZONE" not in body
    assert body == render_feed(
        athlete=make_athlete(zone),
        sessions=list(reversed(sessions)),
        host=HOST,
        settings=feed_settings,
        today=TODAY,
    )


@settings(max_examples=50, deadline=None)
@given(data=st.data(), sessions=sessions_strategy)
def test_duplicate_ids_resolve_the_same_way_in_any_input_order(
    data: st.DataObject, sessions: list[Session]
) -> None:
    """A store may hand over two copies of a moved session: one event, whatever the order."""
    copies = [replace(s, local_date=s.local_date + timedelta(days=1)) for s in sessions]
    crowded = sessions + copies
    shuffled = data.draw(st.permutations(crowded))

    def render(given: list[Session]) -> bytes:
        return render_feed(
            athlete=make_athlete(), sessions=given, host=HOST, settings=FeedSettings(), today=TODAY
        )

    body = render(shuffled)
    assert body == render(crowded)
    uids = [str(event["UID"]) for event in Calendar.from_ical(body).walk("VEVENT")]
    assert len(uids) == len(set(uids))
