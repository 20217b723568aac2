"""VTIMEZONE: one onset per observance, matching the IANA database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Timezone

from syncsvc.feed.vtimezone import vtimezone, zone_onsets

ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # 30-minute DST
    "America/Santiago",
    "Europe/Dublin",  # negative DST in the tz source
    "America/St_Johns",
)


@settings(max_examples=200, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    instant=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31, 23, 59)
    ).map(lambda naive: naive.replace(tzinfo=UTC)),
)
def test_vtimezone_read_back_gives_the_iana_offset_at_any_instant(
    zone_name: str, instant: datetime
) -> None:
    component = Timezone.from_ical(vtimezone(zone_name, 2026, 2027).to_ical())
    # lookup_tzid=False: read our observances, not the zone of the same name.
    from_feed = component.to_tz(lookup_tzid=False)

    expected = instant.astimezone(ZoneInfo(zone_name)).utcoffset()
    local = instant.astimezone(ZoneInfo(zone_name)).replace(tzinfo=None)
    # Away from the changeover hour itself, where wall times are ambiguous or missing.
    if all(
        abs(local - onset.local_start) > timedelta(hours=3)
        for onset in zone_onsets(zone_name, 2026, 2027)
    ):
        assert local.replace(tzinfo=from_feed).utcoffset() == expected


def test_berlin_2026_changes_at_2_and_3_oclock_local() -> None:
    onsets = zone_onsets("Europe/Berlin", 2026, 2026)

    assert [(o.local_start, o.offset_from, o.offset_to, o.name, o.dst) for o in onsets[1:]] == [
        (datetime(2026, 3, 29, 2, 0), timedelta(hours=1), timedelta(hours=2), "CEST", True),
        (datetime(2026, 10, 25, 3, 0), timedelta(hours=2), timedelta(hours=1), "CET", False),
    ]
    assert onsets[0].offset_to == timedelta(hours=1)


def test_new_york_2026_changes_on_the_second_sunday_of_march_and_first_of_november() -> None:
    onsets = zone_onsets("America/New_York", 2026, 2026)

    assert [o.local_start for o in onsets[1:]] == [
        datetime(2026, 3, 8, 2, 0),
        datetime(2026, 11, 1, 2, 0),
    ]


def test_kolkata_is_one_standard_observance_at_plus_0530() -> None:
    component = vtimezone("Asia/Kolkata", 2026, 2027)

    (observance,) = component.subcomponents
    assert observance.name == "STANDARD"
    assert observance["TZOFFSETTO"].td == timedelta(hours=5, minutes=30)
    assert observance["TZOFFSETFROM"].td == timedelta(hours=5, minutes=30)
    assert b"RDATE" not in component.to_ical()
