"""feed/fold.py folds content lines byte for byte as icalendar does (the reference)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from feed_builders import HOST, make_athlete, make_session
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event
from icalendar.parser import Contentline

from syncsvc.domain import SessionKind, SessionStatus
from syncsvc.feed import FeedSettings, render_feed
from syncsvc.feed.fold import LINE_OCTETS, folded, ical_bytes
from syncsvc.feed.ics import render_session_object


def library_folded(line: str) -> bytes:
    """icalendar's own folding of one content line."""
    return bytes(Contentline(line).to_ical())


# One to four UTF-8 octets a character, and the two escapes that never end a folded line.
ALPHABET = "ab ,;:\\^\r\té·•—×膝😀"

EDGE_LINES = [
    "",
    "x",
    "a" * LINE_OCTETS,  # fits: not folded
    "a" * (LINE_OCTETS + 1),  # one octet too many
    "a" * 1000,
    "a" * 73 + "\\" + "n" * 80,  # a backslash would end the first piece
    "a" * 73 + "^" + "n" * 80,  # so would a caret (RFC 6868 parameter escape)
    "a" * 72 + "\\\\" + "b" * 80,
    "a" * 73 + "é" + "b" * 80,  # a two-octet character across the limit
    "a" * 72 + "—" + "b" * 80,  # a three-octet one, starting two octets before it
    "a" * 71 + "😀" + "b" * 80,  # a four-octet one, starting three octets before it
    "a" * 73 + "😀" + "\\" * 80,
    "•" * 200,
    "😀" * 100,
    "a lone carriage return \r in a value " * 5,  # icalendar forbids only LF in a line
    "\\" * 300,
    "^" * 300,
]


@pytest.mark.parametrize("line", EDGE_LINES)
def test_a_line_folds_as_icalendar_folds_it(line: str) -> None:
    assert folded(line) == library_folded(line)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=400))
def test_any_line_folds_as_icalendar_folds_it(line: str) -> None:
    assert folded(line) == library_folded(line)


def test_folded_pieces_fit_and_unfold_to_the_line() -> None:
    line = "DESCRIPTION:" + "Knee to chest — 1 × 30 s hold each side\\, tempo easy\\n" * 20

    pieces = folded(line).split(b"\r\n ")

    assert len(pieces) > 1
    assert all(len(piece) <= LINE_OCTETS for piece in pieces)
    assert b"".join(pieces).decode() == line


def library_refolded(body: bytes) -> bytes:
    """A calendar's bytes unfolded into content lines, then folded again by icalendar."""
    lines = body.decode().replace("\r\n ", "").split("\r\n")
    return b"\r\n".join(library_folded(line) for line in lines if line) + b"\r\n"


def test_a_whole_feed_is_folded_as_icalendar_folds_it() -> None:
    today = date(2026, 5, 13)
    sessions = [
        make_session(today + timedelta(days=offset), session_id=f"s{offset}", kind=kind)
        for offset, kind in enumerate((SessionKind.CORE, SessionKind.HIP) * 3)
    ]
    sessions.append(make_session(today, session_id="gone", status=SessionStatus.CANCELLED))
    body = render_feed(
        athlete=make_athlete(),
        sessions=sessions,
        host=HOST,
        settings=FeedSettings(),
        today=today,
    )

    assert body == library_refolded(body)
    assert body.count(b"\r\n ") > 10  # long lines were folded, with multi-byte characters


def test_one_session_object_is_folded_as_icalendar_folds_it() -> None:
    body = render_session_object(
        athlete=make_athlete("America/New_York"),
        session=make_session(date(2026, 11, 1)),
        host=HOST,
        settings=FeedSettings(),
    )

    assert body == library_refolded(body)


def test_a_calendar_built_here_serialises_as_to_ical_does() -> None:
    calendar = Calendar()
    calendar.add("PRODID", "-//test//EN")
    event = Event()
    event.add("UID", "1@" + HOST)
    event.add("SUMMARY", "Ünïcödé " * 30)
    event.add("DESCRIPTION", "line\nwith, escapes; and a backslash \\ " * 10)
    event.add("X-CUSTOM", "^caret^" * 30, parameters={"X-PARAM": 'a "quoted" ^ value'})
    calendar.add_component(event)

    assert ical_bytes(calendar) == calendar.to_ical()
