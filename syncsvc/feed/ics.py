"""Render one athlete's plan as an iCalendar feed (RFC 5545, RFC 7986).

Pure: plan in, bytes out. The same inputs give byte-identical output (no clock,
sorted events), so the ETag can be a hash of the bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, TypeVar
from zoneinfo import ZoneInfoNotFoundError

from syncsvc.domain import Athlete, DayLoad, MobilityBlock, Session, SessionStatus
from syncsvc.errors import ConfigError
from syncsvc.feed import describe
from syncsvc.feed.fold import ical_bytes
from syncsvc.feed.settings import FeedSettings
from syncsvc.feed.vtimezone import event_zone, is_utc_zone, vtimezone

if TYPE_CHECKING:
    from icalendar import Calendar, Event

PRODID = "-//syncsvc//Core and hip strength feed//EN"

_T = TypeVar("_T")

_CANCELLED = (SessionStatus.SKIPPED, SessionStatus.CANCELLED)


@dataclass(frozen=True, slots=True)
class _Slot:
    """Where an event sits: a local date, and a start and end instant for timed events."""

    day: date
    start: datetime | None = None
    end: datetime | None = None

    @property
    def sort_key(self) -> str:
        # All-day lines sort before the day's timed events.
        if self.start is None:
            return self.day.isoformat()
        return f"{self.day.isoformat()}T{self.start.astimezone(UTC):%Y%m%d%H%M%S}"


def feed_etag(body: bytes) -> str:
    """The strong ETag value of a feed (without quotes): SHA-256 of its bytes."""
    return hashlib.sha256(body).hexdigest()


def render_feed(
    *,
    athlete: Athlete,
    sessions: Iterable[Session],
    host: str,
    settings: FeedSettings,
    today: date,
    mobility: Iterable[MobilityBlock] = (),
    day_loads: Iterable[DayLoad] = (),
) -> bytes:
    """The feed of one athlete as bytes (UTF-8, CRLF, folded at 75 octets).

    `today` is the athlete's local date: the window starts `window_past_days`
    before it, and removed or skipped sessions stay as STATUS:CANCELLED for
    `cancelled_retention_days` after they changed. `host` ends every UID.
    """
    tzid = athlete.profile.timezone
    try:
        zone = event_zone(tzid)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigError(
            f"unknown time zone {tzid!r}", hint="use an IANA name like Europe/Berlin"
        ) from error

    first_day = today - timedelta(days=settings.window_past_days)
    given = tuple(sessions)
    kept = _sessions_in_feed(given, zone, first_day, today, settings)
    # Mobility and load lines have no history of their own: they carry the
    # plan's last change, which only moves forward.
    stamp = max(
        (_stamp(session) for session in given),
        default=datetime.combine(today, time(0), UTC),
    )

    events: list[tuple[str, str, Event]] = []
    for session in kept:
        slot = _session_slot(session, zone, settings)
        events.append(
            (
                slot.sort_key,
                _session_uid(session, host),
                _session_event(session, slot, host, settings),
            )
        )
    if settings.mobility_events:
        for block in _unique_by_day(mobility, lambda block: block.local_date):
            if block.local_date >= first_day:
                uid = f"mobility-{athlete.id}-{block.local_date:%Y%m%d}@{host}"
                event = _all_day_event(uid, block.local_date, stamp)
                event.add("SUMMARY", describe.mobility_summary(block))
                event.add("DESCRIPTION", describe.mobility_description(block))
                event.add("CATEGORIES", ["Mobility"])
                events.append((_Slot(block.local_date).sort_key, uid, event))
    if settings.running_load_line:
        for day in _unique_by_day(day_loads, lambda day: day.day):
            if day.day >= first_day:
                uid = f"load-{athlete.id}-{day.day:%Y%m%d}@{host}"
                event = _all_day_event(uid, day.day, stamp)
                event.add("SUMMARY", describe.load_summary(day))
                event.add("DESCRIPTION", describe.load_description(day))
                event.add("CATEGORIES", ["Running load"])
                # "!" sorts the load line before the mobility block of the same day.
                events.append((_Slot(day.day).sort_key, "!" + uid, event))

    calendar = _calendar(athlete.name, settings)
    timed_days = list(_timed_days(kept, settings))
    if timed_days and not is_utc_zone(tzid):
        calendar.add_component(vtimezone(tzid, min(timed_days).year, max(timed_days).year))
    for _sort_key, _uid, event in sorted(events, key=lambda item: (item[0], item[1])):
        calendar.add_component(event)
    return ical_bytes(calendar)


def _calendar(athlete_name: str, settings: FeedSettings) -> Calendar:
    from icalendar import Calendar, vDuration, vText

    name = settings.calendar_name.replace("{athlete}", athlete_name)
    description = (
        f"Core and hip strength sessions for {athlete_name}, placed on rest days and "
        "light running days. Sessions move when the running week changes."
    )
    calendar = Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", PRODID)
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", "PUBLISH")
    calendar.add("NAME", name)
    calendar.add("X-WR-CALNAME", vText(name))
    calendar.add("DESCRIPTION", description)
    calendar.add("X-WR-CALDESC", vText(description))
    calendar.add(
        "REFRESH-INTERVAL",
        vDuration(settings.refresh_interval),
        parameters={"VALUE": "DURATION"},
    )
    calendar.add("X-PUBLISHED-TTL", vDuration(settings.refresh_interval))
    return calendar


def _sessions_in_feed(
    sessions: Iterable[Session],
    zone: tzinfo,
    first_day: date,
    today: date,
    settings: FeedSettings,
) -> list[Session]:
    """One session per id (the newest version), inside the window and the retention."""
    newest: dict[str, Session] = {}
    for session in sessions:
        held = newest.get(session.id)
        if held is None or _recency(session) > _recency(held):
            newest[session.id] = session
    retention_start = today - timedelta(days=settings.cancelled_retention_days)
    kept = []
    for session in newest.values():
        if session.local_date < first_day:
            continue
        if session.status in _CANCELLED:
            changed_day = _stamp(session).astimezone(zone).date()
            if changed_day < retention_start:
                continue
        kept.append(session)
    return kept


def _recency(session: Session) -> tuple[int, datetime, date, time, str]:
    """Newest version first; the rest only makes the choice independent of input order."""
    return (
        session.version,
        _stamp(session),
        session.local_date,
        session.start_time,
        str(session.status),
    )


def _stamp(session: Session) -> datetime:
    """When the session last changed, aware UTC, whole seconds.

    Falls back to its creation, then to midnight UTC of its day, so that the
    output never depends on the time of the request.
    """
    moment = session.changed_at or session.created_at
    if moment is None:
        return datetime.combine(session.local_date, time(0), UTC)
    return _utc(moment)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def _session_uid(session: Session, host: str) -> str:
    return f"{session.id}@{host}"


def _timed_days(sessions: Iterable[Session], settings: FeedSettings) -> Iterable[date]:
    if settings.all_day:
        return ()
    # One day of margin each side: the end of an event may fall on the next day.
    return [
        day
        for session in sessions
        for day in (session.local_date - timedelta(days=1), session.local_date + timedelta(days=1))
    ]


def _session_slot(session: Session, zone: tzinfo, settings: FeedSettings) -> _Slot:
    if settings.all_day:
        return _Slot(session.local_date)
    wall = datetime.combine(session.local_date, session.start_time, tzinfo=zone)
    start_utc = wall.astimezone(UTC)
    # A wall time in a spring-forward gap becomes the real instant after the gap
    # (RFC 5545 §3.3.5), written as the wall time that instant has.
    start = start_utc.astimezone(zone)
    end = (start_utc + timedelta(minutes=session.minutes)).astimezone(zone)
    if _ambiguous(start) or _ambiguous(end):
        # A fall-back wall time happens twice and parsers pick different ones
        # (ical.js takes the second): write that event in UTC instead.
        return _Slot(session.local_date, start.astimezone(UTC), end.astimezone(UTC))
    return _Slot(session.local_date, start, end)


def _ambiguous(moment: datetime) -> bool:
    return moment.replace(fold=0).utcoffset() != moment.replace(fold=1).utcoffset()


def _session_event(session: Session, slot: _Slot, host: str, settings: FeedSettings) -> Event:
    from icalendar import Alarm, Event

    stamp = _stamp(session)
    url = f"{settings.session_url_base}/{session.id}" if settings.session_url_base else None
    event = Event()
    event.add("UID", _session_uid(session, host))
    event.add("DTSTAMP", stamp)
    event.add("SEQUENCE", max(session.version, 0))
    if slot.start is not None and slot.end is not None:
        event.add("DTSTART", slot.start)
        event.add("DTEND", slot.end)
    else:
        event.add("DTSTART", slot.day)
        event.add("DTEND", slot.day + timedelta(days=1))
    event.add("SUMMARY", describe.session_summary(session))
    event.add("DESCRIPTION", describe.session_description(session, url))
    event.add("CATEGORIES", ["Strength", describe.KIND_TITLES.get(session.kind, "Strength")])
    cancelled = session.status in _CANCELLED
    event.add("STATUS", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("TRANSP", "TRANSPARENT" if cancelled else "OPAQUE")
    if url:
        event.add("URL", url)
    if session.created_at is not None:
        event.add("CREATED", _utc(session.created_at))
    event.add("LAST-MODIFIED", stamp)
    if settings.alarm and session.status is SessionStatus.PLANNED and slot.start is not None:
        alarm = Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("DESCRIPTION", describe.session_summary(session))
        alarm.add("TRIGGER", timedelta(minutes=-settings.alarm_minutes_before))
        event.add_component(alarm)
    return event


def _all_day_event(uid: str, day: date, stamp: datetime) -> Event:
    from icalendar import Event

    event = Event()
    event.add("UID", uid)
    event.add("DTSTAMP", stamp)
    event.add("SEQUENCE", 0)
    event.add("DTSTART", day)
    event.add("DTEND", day + timedelta(days=1))
    event.add("STATUS", "CONFIRMED")
    event.add("TRANSP", "TRANSPARENT")
    event.add("LAST-MODIFIED", stamp)
    return event


def _unique_by_day(items: Iterable[_T], day_of: Callable[[_T], date]) -> list[_T]:
    """The first item of each day (the domain allows one block or load per day)."""
    by_day: dict[date, _T] = {}
    for item in items:
        by_day.setdefault(day_of(item), item)
    return list(by_day.values())


def render_session_object(
    *,
    athlete: Athlete,
    session: Session,
    host: str,
    settings: FeedSettings,
    sequence: int | None = None,
) -> bytes:
    """One session as a calendar object resource (RFC 4791 §4.1), for push channels.

    The VEVENT is the feed's own (same UID, times, text and alarm), so a runner
    who has both sees one event twice rather than two different ones. There is
    no METHOD (a stored calendar object must not carry one) and no calendar
    name. `sequence` raises SEQUENCE above the session's version when a channel
    must overwrite an edit made on the remote side.
    """
    from icalendar import Calendar

    tzid = athlete.profile.timezone
    try:
        zone = event_zone(tzid)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigError(
            f"unknown time zone {tzid!r}", hint="use an IANA name like Europe/Berlin"
        ) from error
    slot = _session_slot(session, zone, settings)
    event = _session_event(session, slot, host, settings)
    if sequence is not None and sequence > max(session.version, 0):
        event["SEQUENCE"] = sequence
    calendar = Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", PRODID)
    calendar.add("CALSCALE", "GREGORIAN")
    if slot.start is not None and not is_utc_zone(tzid):
        days = list(_timed_days([session], settings))
        calendar.add_component(vtimezone(tzid, min(days).year, max(days).year))
    calendar.add_component(event)
    return ical_bytes(calendar)


def session_uid(session: Session, host: str) -> str:
    """The UID a session has in the feed and in every push channel."""
    return _session_uid(session, host)
