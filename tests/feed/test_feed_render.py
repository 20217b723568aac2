"""render_feed: what the calendar apps read, parsed back with icalendar."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from feed_builders import HOST, make_athlete, make_session
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event

from syncsvc.domain import (
    Athlete,
    ClassSource,
    DayClass,
    DayLoad,
    MobilityBlock,
    PrescribedExercise,
    Session,
    SessionKind,
    SessionStatus,
)
from syncsvc.errors import ConfigError
from syncsvc.feed import FeedSettings, feed_etag, render_feed

TODAY = date(2026, 5, 13)  # a Wednesday
BERLIN = ZoneInfo("Europe/Berlin")


def render(
    sessions: list[Session] | tuple[Session, ...],
    *,
    today: date = TODAY,
    feed_settings: FeedSettings | None = None,
    athlete: Athlete | None = None,
    mobility: tuple[MobilityBlock, ...] = (),
    day_loads: tuple[DayLoad, ...] = (),
) -> bytes:
    return render_feed(
        athlete=athlete or make_athlete(),
        sessions=sessions,
        host=HOST,
        settings=feed_settings or FeedSettings(),
        today=today,
        mobility=mobility,
        day_loads=day_loads,
    )


def events_by_uid(body: bytes) -> dict[str, Event]:
    calendar = Calendar.from_ical(body)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def week_of_sessions() -> list[Session]:
    monday = TODAY - timedelta(days=TODAY.weekday())
    return [
        make_session(monday, kind=SessionKind.HIP),
        make_session(monday + timedelta(days=1)),
        make_session(monday + timedelta(days=3), kind=SessionKind.HIP),
        make_session(monday + timedelta(days=4)),
    ]


def test_calendar_has_name_prodid_and_refresh_hints() -> None:
    calendar = Calendar.from_ical(render(week_of_sessions()))

    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == "-//syncsvc//Core and hip strength feed//EN"
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["NAME"] == "Core & hip: Zoë Ørsted"
    assert calendar["X-WR-CALNAME"] == "Core & hip: Zoë Ørsted"
    assert "Zoë Ørsted" in calendar["DESCRIPTION"]
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert calendar["REFRESH-INTERVAL"].dt == timedelta(hours=1)
    assert b"X-PUBLISHED-TTL:PT1H\r\n" in render(week_of_sessions())


def test_refresh_interval_follows_the_setting() -> None:
    body = render(week_of_sessions(), feed_settings=FeedSettings(refresh_interval="PT6H"))

    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT6H\r\n" in body
    assert b"X-PUBLISHED-TTL:PT6H\r\n" in body


@settings(max_examples=50, deadline=None)
@given(st.permutations(week_of_sessions()))
def test_same_plan_in_any_order_gives_byte_identical_output(order: list[Session]) -> None:
    assert render(order) == render(week_of_sessions())


def test_uid_sequence_and_stamps_come_from_the_session() -> None:
    changed = datetime(2026, 5, 10, 7, 45, 12, 999, tzinfo=UTC)
    session = make_session(TODAY, session_id="ses-42", version=5, changed_at=changed)

    event = events_by_uid(render([session]))[f"ses-42@{HOST}"]

    assert event["SEQUENCE"] == 5
    assert event["DTSTAMP"].dt == changed.replace(microsecond=0)
    assert event["LAST-MODIFIED"].dt == changed.replace(microsecond=0)
    assert event["CREATED"].dt == datetime(2026, 1, 1, 8, 0, tzinfo=UTC)


def test_event_sits_at_the_preferred_time_in_the_athletes_zone() -> None:
    session = make_session(TODAY, start=time(6, 45), minutes=40)

    event = next(iter(events_by_uid(render([session])).values()))

    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event["DTSTART"].dt == datetime(2026, 5, 13, 6, 45, tzinfo=BERLIN)
    assert event["DTEND"].dt - event["DTSTART"].dt == timedelta(minutes=40)


def test_summary_reads_well_in_a_month_view() -> None:
    event = next(iter(events_by_uid(render([make_session(TODAY)])).values()))

    assert event["SUMMARY"] == "Core · Foundation wk 2 · 25 min"
    assert [str(category) for category in event["CATEGORIES"].cats] == ["Strength", "Core"]
    assert event["STATUS"] == "CONFIRMED"


def test_description_says_what_to_do_and_why_this_day() -> None:
    session = make_session(TODAY, warnings=("W5: a hard run follows tomorrow.",))

    description = str(next(iter(events_by_uid(render([session])).values()))["DESCRIPTION"])

    assert "Warm-up\n• Diaphragmatic breathing: 2 × 5 breaths — Ribs down" in description
    assert (
        "• Dead bug: 3 × 8 each side, tempo 3-1-3 — Rücken bleibt am Boden; ausatmen, Bein senken"
        in description
    )
    assert "second cue" not in description  # one cue per exercise
    assert "• Clamshell: 3 × 12 each side, light band — 膝を開く, pelvis still" in description
    assert "Cool-down\n• Child's pose: 1 × 60 s — Breathe slowly" in description
    # The runner reads the reason in words; the rule ids stay in --json and `plan why`.
    assert "Why this day\n• Wednesday is an easy 6 km day." in description
    assert "Heads-up\n• A hard run follows tomorrow." in description
    assert "W4" not in description
    assert "W5" not in description


def test_skipped_session_stays_cancelled_for_14_days_after_the_change_then_drops_out() -> None:
    day = TODAY + timedelta(days=2)
    skipped_on = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
    skipped = make_session(day, status=SessionStatus.SKIPPED, version=3, changed_at=skipped_on)

    inside = events_by_uid(render([skipped], today=date(2026, 5, 15)))
    outside = events_by_uid(render([skipped], today=date(2026, 5, 16)))

    event = inside[f"{skipped.id}@{HOST}"]
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 3
    assert str(event["SUMMARY"]).startswith("Skipped · ")
    assert outside == {}


def test_cancelled_session_uses_the_athletes_local_day_for_retention() -> None:
    # 23:30 UTC on 1 May is already 2 May in Berlin: still inside on 16 May.
    cancelled = make_session(
        TODAY,
        status=SessionStatus.CANCELLED,
        version=2,
        changed_at=datetime(2026, 5, 1, 23, 30, tzinfo=UTC),
    )

    assert len(events_by_uid(render([cancelled], today=date(2026, 5, 16)))) == 1
    assert events_by_uid(render([cancelled], today=date(2026, 5, 17))) == {}


def test_done_and_missed_sessions_keep_their_event_with_the_outcome() -> None:
    done = make_session(
        TODAY - timedelta(days=20),
        status=SessionStatus.DONE,
        rpe=6,
        outcome_note="felt strong, ¡vamos!",
    )
    missed = make_session(TODAY - timedelta(days=19), status=SessionStatus.MISSED)

    events = events_by_uid(render([done, missed]))

    done_event, missed_event = events[f"{done.id}@{HOST}"], events[f"{missed.id}@{HOST}"]
    assert done_event["SUMMARY"] == "✓ Done · Core · Foundation wk 2 · 25 min"
    assert "Done, effort 6/10: felt strong, ¡vamos!" in str(done_event["DESCRIPTION"])
    assert done_event["STATUS"] == "CONFIRMED"
    assert str(missed_event["SUMMARY"]).startswith("Missed · ")
    assert missed_event["STATUS"] == "CONFIRMED"


def test_moved_session_appears_once_with_its_newest_version() -> None:
    before = make_session(TODAY, session_id="moving", version=1)
    after = replace(before, local_date=TODAY + timedelta(days=1), version=2)

    events = list(Calendar.from_ical(render([after, before])).walk("VEVENT"))

    assert len(events) == 1
    assert events[0]["SEQUENCE"] == 2
    assert events[0]["DTSTART"].dt.date() == TODAY + timedelta(days=1)


def test_window_reaches_four_weeks_back_and_the_whole_horizon_ahead() -> None:
    sessions = [
        make_session(TODAY - timedelta(days=29)),
        make_session(TODAY - timedelta(days=28)),
        make_session(TODAY + timedelta(days=60)),
    ]

    days = sorted(event["DTSTART"].dt.date() for event in events_by_uid(render(sessions)).values())

    assert days == [TODAY - timedelta(days=28), TODAY + timedelta(days=60)]


def test_all_day_setting_writes_date_events_and_no_vtimezone() -> None:
    body = render(week_of_sessions(), feed_settings=FeedSettings(all_day=True, alarm=True))
    calendar = Calendar.from_ical(body)

    for event in calendar.walk("VEVENT"):
        assert type(event["DTSTART"].dt) is date
        assert event["DTEND"].dt - event["DTSTART"].dt == timedelta(days=1)
        assert event.walk("VALARM") == []
    assert calendar.walk("VTIMEZONE") == []


def test_alarm_only_when_the_setting_asks_and_only_for_planned_sessions() -> None:
    planned, done = make_session(TODAY), make_session(TODAY - timedelta(days=1), status="done")

    silent = events_by_uid(render([planned, done]))
    loud = events_by_uid(
        render([planned, done], feed_settings=FeedSettings(alarm=True, alarm_minutes_before=15))
    )

    assert all(event.walk("VALARM") == [] for event in silent.values())
    alarms = loud[f"{planned.id}@{HOST}"].walk("VALARM")
    assert len(alarms) == 1
    assert alarms[0]["TRIGGER"].dt == timedelta(minutes=-15)
    assert loud[f"{done.id}@{HOST}"].walk("VALARM") == []


def test_url_points_to_the_session_when_a_base_is_configured() -> None:
    session = make_session(TODAY, session_id="ses-9")
    feed_settings = FeedSettings(session_url_base="https://coach.example.org/sessions/")

    without = events_by_uid(render([session]))[f"ses-9@{HOST}"]
    with_url = events_by_uid(render([session], feed_settings=feed_settings))[f"ses-9@{HOST}"]

    assert "URL" not in without
    assert with_url["URL"] == "https://coach.example.org/sessions/ses-9"


def test_mobility_blocks_and_load_lines_follow_their_settings() -> None:
    rest_day = TODAY + timedelta(days=4)
    mobility = (
        MobilityBlock(
            rest_day,
            10,
            (PrescribedExercise("cat-cow", "Cat–cow", "1 × 8", cues=("Slow",)),),
        ),
    )
    loads = (
        DayLoad(TODAY, 54.4, DayClass.EASY, "Easy 6 km", distance_m=6000),
        DayLoad(
            rest_day,
            0,
            DayClass.REST,
            "Declared rest day",
            class_source=ClassSource.DECLARED,
            forecast=True,
            confidence=0.6,
        ),
    )

    default = events_by_uid(render([], mobility=mobility, day_loads=loads))
    bare = events_by_uid(
        render([], mobility=mobility, feed_settings=FeedSettings(mobility_events=False))
    )
    with_load = events_by_uid(
        render([], day_loads=loads, feed_settings=FeedSettings(running_load_line=True))
    )

    assert list(default) == [f"mobility-7-{rest_day:%Y%m%d}@{HOST}"]
    block = default[f"mobility-7-{rest_day:%Y%m%d}@{HOST}"]
    assert block["SUMMARY"] == "Mobility & breathing · 10 min (optional)"
    assert block["TRANSP"] == "TRANSPARENT"
    assert "W6" in str(block["DESCRIPTION"])
    assert bare == {}
    assert with_load[f"load-7-{TODAY:%Y%m%d}@{HOST}"]["SUMMARY"] == "Running load: 54 · easy"
    assert (
        with_load[f"load-7-{rest_day:%Y%m%d}@{HOST}"]["SUMMARY"]
        == "Running load (forecast): 0 · rest"
    )


def test_vtimezone_uses_single_onsets_and_no_x_wr_timezone() -> None:
    body = render([make_session(date(2026, 3, 28)), make_session(date(2026, 10, 26))])
    calendar = Calendar.from_ical(body)

    assert b"RDATE" not in body
    assert b"X-WR-TIMEZONE" not in body
    (zone,) = calendar.walk("VTIMEZONE")
    assert zone["TZID"] == "Europe/Berlin"
    onsets = [(sub.name, sub["DTSTART"].dt) for sub in zone.subcomponents]
    assert ("DAYLIGHT", datetime(2026, 3, 29, 2, 0)) in onsets
    assert ("STANDARD", datetime(2026, 10, 25, 3, 0)) in onsets


def test_lines_end_in_crlf_and_fold_within_75_octets_with_non_ascii_text() -> None:
    athlete = make_athlete(name="Þórunn Jökulsdóttir-Łukasiewicz 李小龍 🏃")
    body = render(week_of_sessions(), athlete=athlete)

    assert body.endswith(b"\r\n")
    lines = body.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines)
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    body.decode("utf-8")  # no fold split a UTF-8 sequence
    assert Calendar.from_ical(body)["X-WR-CALNAME"] == f"Core & hip: {athlete.name}"


def test_commas_and_semicolons_in_names_survive_the_round_trip() -> None:
    athlete = make_athlete(name='Ana, "the fox"; runner\\')

    body = render([], athlete=athlete)

    assert Calendar.from_ical(body)["NAME"] == f"Core & hip: {athlete.name}"
    # icalendar reads X- properties raw, so check the escaping on the wire.
    assert b'X-WR-CALNAME:Core & hip: Ana\\, "the fox"\\; runner\\\\\r\n' in body


def test_utc_runner_gets_utc_times_and_no_vtimezone() -> None:
    body = render([make_session(TODAY)], athlete=make_athlete("Etc/UTC"))
    calendar = Calendar.from_ical(body)

    (event,) = calendar.walk("VEVENT")
    assert event["DTSTART"].dt == datetime(2026, 5, 13, 18, 0, tzinfo=UTC)
    assert calendar.walk("VTIMEZONE") == []
    assert b"TZID" not in body


def test_unknown_time_zone_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="Mars/Olympus"):
        render([make_session(TODAY)], athlete=make_athlete("Mars/Olympus"))


def test_wall_time_in_the_spring_forward_gap_becomes_the_instant_after_it() -> None:
    session = make_session(date(2026, 3, 29), start=time(2, 30), minutes=30)

    (event,) = Calendar.from_ical(render([session], today=date(2026, 3, 25))).walk("VEVENT")

    assert event["DTSTART"].dt.replace(tzinfo=None) == datetime(2026, 3, 29, 3, 30)
    assert event["DTSTART"].dt.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_feed_etag_is_the_sha256_of_the_bytes() -> None:
    body = render(week_of_sessions())

    assert feed_etag(body) == hashlib.sha256(body).hexdigest()
    assert feed_etag(body) != feed_etag(render(week_of_sessions()[:3]))


def test_stamp_falls_back_to_creation_when_never_changed() -> None:
    session = replace(make_session(TODAY), changed_at=None)

    (event,) = Calendar.from_ical(render([session])).walk("VEVENT")

    assert event["DTSTAMP"].dt == datetime(2026, 1, 1, 8, 0, tzinfo=UTC)


def test_wall_time_in_the_fall_back_hour_is_written_in_utc() -> None:
    # 02:30 happens twice in Berlin on 25 Oct 2026; parsers pick different ones.
    session = make_session(date(2026, 10, 25), start=time(2, 30), minutes=45)

    body = render([session], today=date(2026, 10, 20))
    (event,) = Calendar.from_ical(body).walk("VEVENT")

    assert event["DTSTART"].dt == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert event["DTEND"].dt == datetime(2026, 10, 25, 1, 15, tzinfo=UTC)
    assert b"DTSTART:20261025T003000Z\r\n" in body


def test_session_without_content_still_reads_well() -> None:
    session = replace(make_session(TODAY, kind=SessionKind.HIP), content=None)

    (event,) = Calendar.from_ical(render([session])).walk("VEVENT")

    assert event["SUMMARY"] == "Hip · 25 min"
    assert str(event["DESCRIPTION"]) == "Why this day\n• Wednesday is an easy 6 km day."


def test_extra_lines_carry_the_plans_last_change_as_their_stamp() -> None:
    old_change = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # outside the window, still the newest
    sessions = [
        make_session(TODAY - timedelta(days=60), changed_at=old_change),
        make_session(TODAY, changed_at=datetime(2026, 2, 1, 9, 0, tzinfo=UTC)),
    ]
    mobility = (MobilityBlock(TODAY + timedelta(days=1), 10),)

    events = events_by_uid(render(sessions, mobility=mobility))

    block = events[f"mobility-7-{TODAY + timedelta(days=1):%Y%m%d}@{HOST}"]
    assert block["DTSTAMP"].dt == old_change
