"""Time: DST changes and travel never lose or double a day or a session.

The real store and pipeline (`refresh_athlete` without network) run at many
instants around Europe/Berlin's DST changes of 2026 and through a trip: runs in
New York late in the evening (already the next day in Berlin and in UTC), and a
flight from Auckland to Honolulu across the date line, after which the runner's
local date goes back a day and they set their profile's time zone. Checked
after every run:
- the load series has every local day exactly once, no gap;
- each run counts once, on the local date it was run (Strava's start_date_local);
- no week holds more than its 2 core and 2 hip sessions, and the weeks planned
  ahead hold all four; no planned session vanishes (nothing is deleted);
- the feed holds each session once, on its day, at its local time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from syncsvc import clock
from syncsvc.api.pipeline import analyse, refresh_athlete
from syncsvc.domain import (
    DayLoad,
    Profile,
    Session,
    SessionKind,
    SessionStatus,
    Source,
    SourceRecord,
)
from syncsvc.runtime import Runtime
from syncsvc.sources.ingest import store_records
from syncsvc.sources.normalise_strava import strava_record
from tests.server.service_builders import strava_json, write_home

pytestmark = pytest.mark.slow

BERLIN = "Europe/Berlin"
SESSIONS_A_WEEK = {SessionKind.CORE: 2, SessionKind.HIP: 2}
RUN_DAYS = (1, 2, 3, 5, 6)
"""Tuesday to Thursday, Saturday, and Sunday's long run: room for all four sessions."""


class Runner:
    """One athlete in a real home; runs go in as Strava records (the real normaliser)."""

    def __init__(self, home: Path, timezone: str) -> None:
        write_home(home)
        clock.set_now(datetime(2026, 1, 5, 6, tzinfo=UTC))
        self.runtime = Runtime.create(home=home)
        store = self.runtime.open_store(create=True)
        store.initialise_meta("time.test")
        with store.write() as tx:
            self.athlete_id = tx.athletes.add(
                "traveller",
                Profile(timezone=timezone, hr_rest=50, hr_max=190, long_run_days=(6,)),
            ).id
            tx.athlete(self.athlete_id).feed.ensure_token()
        self.expected: Counter[date] = Counter()
        """Runs per local date, from what the runner's watch says."""
        self.ever_planned: set[str] = set()
        self.pending: list[tuple[date, SourceRecord]] = []
        self.next_id = 17_000_000_000

    def run(self, start_local: datetime, timezone: str, minutes: int | None = None) -> None:
        """Tuesday intervals, a long run on Sunday, easy runs otherwise."""
        self.next_id += 1
        weekday = start_local.weekday()
        pace, heart_rate, default = {1: (285, 170.0, 60), 6: (350, 142.0, 105)}.get(
            weekday, (360, 135.0, 45)
        )
        moving_s = (minutes or default) * 60
        body = strava_json(
            self.next_id,
            start_local,
            timezone=timezone,
            moving_s=moving_s,
            distance_m=round(moving_s / pace * 1000, 1),
            avg_hr=heart_rate,
            max_hr=heart_rate + 12,
            workout_type=3 if weekday == 1 else 0,
            name="Run",
        )
        self.pending.append((start_local.date(), strava_record(body)))

    def _store_finished_runs(self, now: datetime) -> None:
        """The runs that have started by `now` arrive (a sync would bring exactly these)."""
        arrived = [item for item in self.pending if item[1].activity.start_utc <= now]
        self.pending = [item for item in self.pending if item not in arrived]
        if arrived:
            store_records(
                self.runtime.store,
                self.athlete_id,
                Source.STRAVA,
                [record for _, record in arrived],
                [],
                self.runtime.settings.merge,
            )
        for day, _ in arrived:
            self.expected[day] += 1

    def set_timezone(self, timezone: str) -> None:
        with self.runtime.store.write() as tx:
            athlete = tx.athletes.by_id(self.athlete_id)
            assert athlete is not None
            tx.athletes.set_profile(self.athlete_id, replace(athlete.profile, timezone=timezone))

    def refresh_and_check(self, now: datetime) -> None:
        clock.set_now(now)
        self._store_finished_runs(now)
        refresh_athlete(self.runtime, self.athlete_id, trigger="time test", sync=False)
        with self.runtime.store.read() as tx:
            athlete = tx.athletes.by_id(self.athlete_id)
            scope = tx.athlete(self.athlete_id)
            sessions = scope.sessions.all()
            feed = scope.feed.rendered()
        assert athlete is not None
        where = f"at {now.isoformat()} ({athlete.profile.timezone})"
        analysis = analyse(self.runtime, athlete)
        self._check_days(analysis.days, analysis.today, where)
        self._check_sessions(sessions, analysis.today, where)
        assert feed is not None
        self._check_feed(feed.body, sessions, athlete.profile.timezone, where)

    def _check_days(self, days: tuple[DayLoad, ...], today: date, where: str) -> None:
        dates = [day.day for day in days]
        assert len(dates) == len(set(dates)), f"a day twice {where}"
        assert dates == sorted(dates)
        assert (dates[-1] - dates[0]).days == len(dates) - 1, f"a day missing {where}"
        counted = {day.day: day.activity_count for day in days if not day.forecast}
        assert {d: n for d, n in counted.items() if n} == dict(self.expected), where

    def _check_sessions(self, sessions: list[Session], today: date, where: str) -> None:
        ids = [session.id for session in sessions]
        assert len(ids) == len(set(ids))
        assert self.ever_planned <= set(ids), f"a session vanished {where}"
        self.ever_planned |= set(ids)
        live = [s for s in sessions if s.status is not SessionStatus.CANCELLED]
        per_week = Counter((s.local_date.isocalendar()[:2], s.kind) for s in live)
        for (week, kind), count in per_week.items():
            assert count <= SESSIONS_A_WEEK[kind], f"{count} {kind} sessions in week {week} {where}"
        next_monday = today + timedelta(days=7 - today.weekday())
        week = next_monday.isocalendar()[:2]
        for kind, count in SESSIONS_A_WEEK.items():
            assert per_week[(week, kind)] == count, f"next week's {kind} sessions {where}"

    def _check_feed(self, body: bytes, sessions: list[Session], timezone: str, where: str) -> None:
        events = Calendar.from_ical(body).walk("VEVENT")
        uids = Counter(str(event["UID"]) for event in events)
        assert all(n == 1 for n in uids.values()), f"an event twice in the feed {where}"
        starts = {}
        for event in events:
            start = event.decoded("DTSTART")
            if isinstance(start, datetime):
                starts[str(event["UID"])] = start.astimezone(ZoneInfo(timezone))
        matched = 0
        for session in sessions:
            if session.status is SessionStatus.CANCELLED:
                continue
            found = [uid for uid in starts if uid.startswith(session.id)]
            if not found:
                continue  # outside the feed's window
            matched += 1
            local = starts[found[0]]
            assert local.date() == session.local_date, f"{session.id} on another day {where}"
            assert local.time() == session.start_time, f"{session.id} at another time {where}"
        assert matched >= 4, f"only {matched} sessions found in the feed {where}"


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[Runner]:
    made = Runner(tmp_path / "home", BERLIN)
    yield made
    made.runtime.close()


def _nights(first: date, last: date, zone: str) -> Iterator[datetime]:
    """Just before and just after each local midnight, and an early morning, as UTC."""
    tz = ZoneInfo(zone)
    day = first
    while day <= last:
        for local in (time(0, 20), time(6, 30), time(23, 40)):
            yield datetime.combine(day, local, tzinfo=tz).astimezone(UTC)
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("first", "last"),
    [(date(2026, 3, 26), date(2026, 4, 1)), (date(2026, 10, 22), date(2026, 10, 28))],
    ids=["spring-forward", "fall-back"],
)
def test_dst_changes_lose_or_double_no_day_and_no_session(
    runner: Runner, first: date, last: date
) -> None:
    day = first - timedelta(days=42)
    while day <= last:
        if day.weekday() in RUN_DAYS:
            runner.run(datetime.combine(day, time(7, 0)), BERLIN)
        day += timedelta(days=1)
    if first.month == 3:  # the hour that does not exist, and either side of it
        runner.run(datetime(2026, 3, 29, 1, 30), BERLIN, minutes=20)
        runner.run(datetime(2026, 3, 29, 3, 30), BERLIN, minutes=20)
    else:  # the hour that happens twice: two runs at the same wall-clock time
        runner.run(datetime(2026, 10, 25, 2, 30), BERLIN, minutes=20)
        runner.run(datetime(2026, 10, 25, 2, 30, fold=1), BERLIN, minutes=20)
    for now in _nights(first, last, BERLIN):
        runner.refresh_and_check(now)


def test_a_run_in_another_zone_counts_once_on_its_own_local_date(runner: Runner) -> None:
    day = date(2026, 5, 4)
    for offset in range(21):
        if (day + timedelta(days=offset)).weekday() in RUN_DAYS:
            runner.run(datetime.combine(day + timedelta(days=offset), time(7, 0)), BERLIN)
    trip = day + timedelta(days=21)
    for offset in range(5):  # 22:30 in New York is 04:30 the next day in Berlin
        runner.run(
            datetime.combine(trip + timedelta(days=offset), time(22, 30)), "America/New_York"
        )
    for now in _nights(trip, trip + timedelta(days=6), BERLIN):
        runner.refresh_and_check(now)


def test_a_flight_across_the_date_line_loses_or_doubles_nothing(runner: Runner) -> None:
    auckland, honolulu = "Pacific/Auckland", "Pacific/Honolulu"
    day = date(2026, 6, 1)
    for offset in range(21):
        if (day + timedelta(days=offset)).weekday() in RUN_DAYS:
            runner.run(datetime.combine(day + timedelta(days=offset), time(7, 0)), BERLIN)
    runner.set_timezone(auckland)
    in_auckland = date(2026, 6, 24)
    for offset in range(4):  # Wednesday to Saturday mornings in Auckland
        runner.run(datetime.combine(in_auckland + timedelta(days=offset), time(7, 0)), auckland)
    for now in _nights(in_auckland, in_auckland + timedelta(days=3), auckland):
        runner.refresh_and_check(now)
    # Saturday evening's flight lands in Honolulu on Saturday morning: the date goes back.
    runner.set_timezone(honolulu)
    landed = in_auckland + timedelta(days=3)
    runner.run(datetime.combine(landed, time(17, 0)), honolulu)
    for offset in range(1, 6):
        runner.run(datetime.combine(landed + timedelta(days=offset), time(17, 0)), honolulu)
    for now in _nights(landed, landed + timedelta(days=5), honolulu):
        runner.refresh_and_check(now)
    assert runner.expected[landed] == 2  # Saturday in Auckland, and Saturday again in Honolulu
