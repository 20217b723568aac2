"""The periodic fan-outs are pure functions of the tick: slots and local midnights."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from syncsvc.server.fanout import (
    MINUTE,
    due_for_poll,
    expiring,
    floor_tick,
    passed_local_midnight,
    poll_slot,
)

ODD_ZONES = (
    "Asia/Kathmandu",  # +5:45
    "Asia/Kolkata",  # +5:30
    "America/St_Johns",  # -3:30 with DST
    "Australia/Lord_Howe",  # +10:30, a 30-minute DST shift
    "Pacific/Chatham",  # +12:45 / +13:45
    "America/Santiago",  # DST changes at midnight (midnight is skipped or repeated)
    "Europe/Berlin",
    "UTC",
    "Pacific/Kiritimati",  # +14
    "Pacific/Pago_Pago",  # -11
)

instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=60, deadline=None)
@given(
    start=instants,
    athletes=st.sets(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=40),
    period=st.sampled_from([5, 15, 30, 60, 360]),
)
def test_minute_ticks_poll_every_athlete_exactly_once_per_period(
    start: datetime, athletes: set[int], period: int
) -> None:
    first = floor_tick(start, MINUTE)
    seen: list[int] = []
    for step in range(period):
        seen.extend(due_for_poll(athletes, first + MINUTE * step, period, salt="garmin"))

    assert sorted(seen) == sorted(athletes)


def test_slots_spread_athletes_over_the_half_hour() -> None:
    slots = {poll_slot(athlete_id, 30, salt="garmin") for athlete_id in range(1, 301)}

    assert len(slots) == 30


def test_a_slot_is_the_same_in_every_process_and_ignores_seconds() -> None:
    tick = datetime(2026, 11, 30, 7, 31, tzinfo=UTC)
    due = due_for_poll(range(1, 200), tick, 30, salt="garmin")

    assert due == due_for_poll(range(1, 200), tick + timedelta(seconds=59), 30, salt="garmin")
    assert all(poll_slot(a, 30, salt="garmin") == poll_slot(a, 30, salt="garmin") for a in due)


@settings(max_examples=40, deadline=None)
@given(start=instants, tick_minutes=st.sampled_from([5, 15, 30]))
def test_each_local_midnight_is_seen_by_exactly_one_tick(
    start: datetime, tick_minutes: int
) -> None:
    period = timedelta(minutes=tick_minutes)
    first = floor_tick(start, period)
    ticks = [first + period * step for step in range(1, int(timedelta(days=2) / period) + 1)]
    athletes = list(enumerate(ODD_ZONES, start=1))
    counts = dict.fromkeys(range(1, len(ODD_ZONES) + 1), 0)
    for tick in ticks:
        for athlete_id in passed_local_midnight(athletes, tick, period):
            counts[athlete_id] += 1

    for athlete_id, zone_name in athletes:
        zone = ZoneInfo(zone_name)
        dates = (first.astimezone(zone).date(), ticks[-1].astimezone(zone).date())
        assert counts[athlete_id] == (dates[1] - dates[0]).days, zone_name


def test_kathmandu_midnight_falls_on_the_quarter_past_tick() -> None:
    athletes = [(1, "Asia/Kathmandu"), (2, "Asia/Kolkata"), (3, "Europe/Berlin")]
    quarter = timedelta(minutes=15)

    # 00:00 in Kathmandu is 18:15 UTC; in Kolkata 18:30 UTC; in Berlin (winter) 23:00 UTC.
    assert passed_local_midnight(athletes, datetime(2026, 11, 30, 18, 15, tzinfo=UTC), quarter) == [
        1
    ]
    assert passed_local_midnight(athletes, datetime(2026, 11, 30, 18, 30, tzinfo=UTC), quarter) == [
        2
    ]
    assert passed_local_midnight(athletes, datetime(2026, 11, 30, 23, 0, tzinfo=UTC), quarter) == [
        3
    ]
    assert (
        passed_local_midnight(athletes, datetime(2026, 11, 30, 23, 15, tzinfo=UTC), quarter) == []
    )


def test_tokens_expiring_within_the_margin_are_due() -> None:
    tick = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)
    expiries = [
        (1, tick + timedelta(minutes=10)),
        (2, tick + timedelta(hours=5)),
        (3, None),
        (4, tick - timedelta(minutes=1)),
    ]

    assert expiring(expiries, tick, timedelta(minutes=30)) == [1, 4]
