"""The coach's squad: one row per athlete, sorted and filtered.

The table is read in a fixed number of set-based queries whatever the squad's
size (`store/coaching.py`), then computed here from plain values: today is
each athlete's own day in their zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from syncsvc import clock
from syncsvc.api.coaching import require_staff
from syncsvc.load.ratio import RatioFlag, ratio_flag
from syncsvc.load.ratio_history import ratio_from_first_run, ratio_means_something
from syncsvc.runtime import Runtime
from syncsvc.store.squad import (
    ActivitySummary,
    LatestCheckIn,
    SessionBrief,
    SourceSeen,
    SquadMember,
    WeekFigures,
)
from syncsvc.store.web_access import WebUser

SQUAD_WEEKS = 4
"""Sessions done / planned are counted over the last four weeks."""
NEXT_SESSION_DAYS = 14


@dataclass(frozen=True, slots=True)
class NextSession:
    id: str
    kind: str
    local_date: date
    start_time: time


@dataclass(frozen=True, slots=True)
class SquadRow:
    """One athlete on the coach's page."""

    athlete_id: int
    name: str
    last_sync_at: datetime | None
    last_sync_source: str
    ratio: float | None
    """The acute:chronic ratio today; None when too little history makes it meaningless."""
    ratio_flag: RatioFlag
    week_distance_m: float
    """The last 7 days, today included."""
    previous_week_distance_m: float
    sessions_done: int
    sessions_planned: int
    """Over the last four weeks (before today): every session but the cancelled."""
    back_score: int | None
    back_at: datetime | None
    next_session: NextSession | None

    @property
    def distance_change(self) -> float | None:
        """The change on the 7 days before, as a fraction (0.25: a quarter more)."""
        if self.previous_week_distance_m <= 0:
            return None
        return self.week_distance_m / self.previous_week_distance_m - 1


class SquadSort(StrEnum):
    NAME = "name"
    SYNC = "sync"
    RATIO = "ratio"
    DISTANCE = "distance"
    CHANGE = "change"
    SESSIONS = "sessions"
    BACK = "back"
    NEXT = "next"


class SquadFilter(StrEnum):
    ALL = "all"
    RATIO = "ratio"
    """The ratio is flagged (above 1.3)."""
    BACK = "back"
    """The latest low-back check-in is 5 or worse (P4's threshold)."""
    QUIET = "quiet"
    """No sync in the last 7 days."""


BACK_ATTENTION = 5
QUIET_DAYS = 7


@dataclass(frozen=True, slots=True)
class Squad:
    rows: tuple[SquadRow, ...]
    total: int
    """How many athletes before the filter."""


def read_squad(
    runtime: Runtime,
    user: WebUser,
    *,
    sort: SquadSort = SquadSort.NAME,
    descending: bool = False,
    only: SquadFilter = SquadFilter.ALL,
    name: str = "",
) -> Squad:
    """Every athlete this user may see, one row each, read in a fixed number of queries.

    The figures that depend on "today" are read once per distinct today among the
    squad's time zones (one for a club in one country, at most three on Earth).
    """
    require_staff(user)
    with runtime.store.read() as tx:
        ids = tx.coaching.visible_athlete_ids(user)
        members = tx.squad.members(ids)
        if not members:
            return Squad((), 0)
        todays = {m.id: clock.today_in(m.timezone) for m in members}
        figures = SquadFigures(
            seen=tx.squad.last_syncs(ids),
            summaries=tx.squad.activity_summaries(ids),
            checkins=tx.squad.latest_checkins(ids),
        )
        for today in sorted(set(todays.values())):
            group = [athlete_id for athlete_id, day in todays.items() if day == today]
            figures.weeks.update(tx.squad.week_distances(group, today))
            figures.counts.update(
                tx.squad.session_counts(group, today - timedelta(weeks=SQUAD_WEEKS), today)
            )
            figures.upcoming.update(
                tx.squad.next_sessions(group, today, today + timedelta(days=NEXT_SESSION_DAYS))
            )
    rows = build_rows(members, todays, figures)
    shown = [row for row in rows if _keeps(row, only, name.strip().lower())]
    return Squad(tuple(sort_rows(shown, sort, descending=descending)), len(rows))


@dataclass
class SquadFigures:
    """What the set-based reads found, by athlete id."""

    seen: list[SourceSeen]
    summaries: list[ActivitySummary]
    checkins: dict[int, LatestCheckIn]
    weeks: dict[int, WeekFigures] = field(default_factory=dict)
    counts: dict[int, tuple[int, int]] = field(default_factory=dict)
    upcoming: dict[int, SessionBrief] = field(default_factory=dict)


def build_rows(
    members: Sequence[SquadMember], todays: dict[int, date], figures: SquadFigures
) -> list[SquadRow]:
    """The squad's rows from the set-based reads (plain values in, rows out)."""
    zones = {m.id: ZoneInfo(m.timezone) for m in members}
    first_runs = {
        s.athlete_id: s.first_start_utc.astimezone(zones[s.athlete_id]).date()
        for s in figures.summaries
        if s.first_start_utc is not None
    }
    fetched = [
        SourceSeen(s.athlete_id, s.newest_source, s.newest_fetched_at)
        for s in figures.summaries
        if s.newest_fetched_at is not None
    ]
    last_seen: dict[int, SourceSeen] = {}
    for item in (*figures.seen, *fetched):
        known = last_seen.get(item.athlete_id)
        if item.at is not None and (known is None or known.at is None or item.at > known.at):
            last_seen[item.athlete_id] = item
    rows = []
    no_figures = WeekFigures(0.0, 0.0, None)
    for member in members:
        today = todays[member.id]
        week = figures.weeks.get(member.id, no_figures)
        since = ratio_from_first_run(first_runs.get(member.id))
        ratio = week.ratio if ratio_means_something(today, since) else None
        done, planned = figures.counts.get(member.id, (0, 0))
        found = last_seen.get(member.id)
        checkin = figures.checkins.get(member.id)
        upcoming = figures.upcoming.get(member.id)
        rows.append(
            SquadRow(
                athlete_id=member.id,
                name=member.name,
                last_sync_at=found.at if found else None,
                last_sync_source=found.source if found else "",
                ratio=ratio,
                ratio_flag=ratio_flag(ratio),
                week_distance_m=week.week_m,
                previous_week_distance_m=week.previous_week_m,
                sessions_done=done,
                sessions_planned=planned,
                back_score=checkin.back_score if checkin else None,
                back_at=checkin.at if checkin else None,
                next_session=_next(upcoming) if upcoming else None,
            )
        )
    return rows


def _next(session: SessionBrief) -> NextSession:
    return NextSession(session.id, session.kind, session.local_date, session.start_time)


def _keeps(row: SquadRow, only: SquadFilter, name: str) -> bool:
    if name and name not in row.name.lower():
        return False
    if only is SquadFilter.RATIO:
        return row.ratio_flag is not RatioFlag.NONE
    if only is SquadFilter.BACK:
        return row.back_score is not None and row.back_score >= BACK_ATTENTION
    if only is SquadFilter.QUIET:
        quiet_since = clock.now() - timedelta(days=QUIET_DAYS)
        return row.last_sync_at is None or row.last_sync_at < quiet_since
    return True


def sort_rows(rows: Sequence[SquadRow], sort: SquadSort, *, descending: bool) -> list[SquadRow]:
    """Sorted by one column, rows without a value last either way, then by name."""

    def value(row: SquadRow) -> object:
        match sort:
            case SquadSort.SYNC:
                return row.last_sync_at
            case SquadSort.RATIO:
                return row.ratio
            case SquadSort.DISTANCE:
                return row.week_distance_m
            case SquadSort.CHANGE:
                return row.distance_change
            case SquadSort.SESSIONS:
                return row.sessions_done / row.sessions_planned if row.sessions_planned else None
            case SquadSort.BACK:
                return row.back_score
            case SquadSort.NEXT:
                found = row.next_session
                return None if found is None else (found.local_date, found.start_time)
            case _:
                return row.name.lower()

    by_name = sorted(rows, key=lambda r: (r.name.lower(), r.athlete_id))
    present = [r for r in by_name if value(r) is not None]
    missing = [r for r in by_name if value(r) is None]
    present.sort(key=value, reverse=descending)  # type: ignore[arg-type]
    return [*present, *missing]
