"""Roles, coaches and the coach's squad.

Three roles: a runner (athlete) sees only themselves, a coach their own
athlete (if any) and the athletes an admin assigned them, an admin everyone.
`athlete_for` is the one access check every front end goes through: an athlete
the user may not see is "not found", exactly like an id that does not exist,
so ids do not leak.

The squad's table (`squad`) is read in a fixed number of set-based queries
whatever the squad's size (`store/coaching.py`), then computed here from plain
values: today is each athlete's own day in their zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from syncsvc import clock
from syncsvc.api.web_access import SIGN_IN_PATH, SignInLink, web_base_url
from syncsvc.domain import Actor, Athlete
from syncsvc.errors import NotFoundError, UsageError
from syncsvc.load.ratio import RatioFlag, ratio_flag
from syncsvc.load.ratio_history import ratio_from_first_run, ratio_means_something
from syncsvc.runtime import Runtime
from syncsvc.store.coaching import (
    ActivitySummary,
    LatestCheckIn,
    SessionBrief,
    SourceSeen,
    SquadMember,
    WeekFigures,
)
from syncsvc.store.database import Transaction
from syncsvc.store.web_access import ADMIN_ROLE, ATHLETE_ROLE, COACH_ROLE, WebUser

SQUAD_WEEKS = 4
"""Sessions done / planned are counted over the last four weeks."""
NEXT_SESSION_DAYS = 14
NAME_MAX_CHARS = 200
STAFF_ROLES = (COACH_ROLE, ADMIN_ROLE)


# ---------------------------------------------------------------- access


def actor_of(user: WebUser, athlete_id: int) -> Actor | None:
    """Who a decision is recorded as made by: None when the runner acts on their own plan."""
    if user.athlete_id == athlete_id:
        return None
    return Actor(user.id, user.role, user.name or user.role)


def check_access(runtime: Runtime, user: WebUser, athlete_id: int) -> Athlete:
    """The athlete, when this user may see them; otherwise not found (never "forbidden")."""
    with runtime.store.read() as tx:
        athlete = tx.athletes.by_id(athlete_id)
        allowed = athlete is not None and tx.coaching.may_see(user, athlete_id)
    if athlete is None or not allowed:
        raise NotFoundError("no such athlete")
    return athlete


def require_admin(user: WebUser) -> None:
    """Only an admin manages coaches; to anyone else the admin's pages do not exist."""
    if user.role != ADMIN_ROLE:
        raise NotFoundError("no such page")


def require_staff(user: WebUser) -> None:
    if user.role not in STAFF_ROLES:
        raise NotFoundError("no such page")


# ---------------------------------------------------------------- users and links


def _check_name(name: str) -> str:
    text = " ".join(name.split())
    if not text:
        raise UsageError("give a name or an email to label this user")
    if len(text) > NAME_MAX_CHARS:
        raise UsageError(f"the name is too long (at most {NAME_MAX_CHARS} characters)")
    return text


def _issue(runtime: Runtime, tx: Transaction, user: WebUser) -> SignInLink:
    web = runtime.settings.web
    now = clock.now()
    if tx.coaching.links_issued_since(user.id, now - timedelta(hours=1)) >= web.links_per_hour:
        raise UsageError(
            f"{web.links_per_hour} sign-in links were already made in the last hour",
            hint="use the newest one, or wait; web.links_per_hour sets the limit",
        )
    lifetime = timedelta(minutes=web.link_minutes)
    token = tx.coaching.issue_link(user.id, lifetime)
    url = f"{web_base_url(runtime.settings)}{SIGN_IN_PATH}{token}"
    return SignInLink(user.name, url, now + lifetime)


def staff_sign_in_link(runtime: Runtime, role: str, name: str | None) -> SignInLink:
    """A sign-in link for a coach or an admin, created the first time.

    An admin without a name is the first admin (bootstrapping: "admin" when
    there is none yet); a coach needs a name. An existing user keeps their role:
    promoting is the admin page's (or `web link --role admin --user NAME` on a
    coach, which asks for it explicitly).
    """
    if role not in STAFF_ROLES:
        raise UsageError(f"unknown role {role!r}: use coach or admin")
    with runtime.store.write() as tx:
        user = _staff_user(tx, role, name)
        return _issue(runtime, tx, user)


def _staff_user(tx: Transaction, role: str, name: str | None) -> WebUser:
    if name is None:
        if role == COACH_ROLE:
            raise UsageError("a coach's link needs their name", hint="add --user NAME")
        admins = [u for u in tx.coaching.users() if u.role == ADMIN_ROLE]
        if admins:
            return admins[0]
        return tx.coaching.add_user(ADMIN_ROLE, "admin")
    label = _check_name(name)
    found = tx.coaching.user_named(label)
    if found is None:
        return tx.coaching.add_user(role, label)
    if found.role != role:
        if role == COACH_ROLE or found.role == ATHLETE_ROLE:
            raise UsageError(
                f"{found.name} is a{'n' if found.role != COACH_ROLE else ''} {found.role}, "
                f"not a {role}",
                hint=f"syncsvc web link --role {found.role} --user {found.name!r}",
            )
        tx.coaching.set_role(found.id, role)
        return WebUser(found.id, role, found.athlete_id, found.name)
    return found


@dataclass(frozen=True, slots=True)
class NewCoach:
    user: WebUser
    link: SignInLink


def create_coach(runtime: Runtime, admin: WebUser, name: str) -> NewCoach:
    """A coach without an athlete, and the one-time link the admin hands over."""
    require_admin(admin)
    label = _check_name(name)
    with runtime.store.write() as tx:
        if tx.coaching.user_named(label) is not None:
            raise UsageError(f"there is already a user named {label!r}")
        user = tx.coaching.add_user(COACH_ROLE, label)
        return NewCoach(user, _issue(runtime, tx, user))


def link_for_user(runtime: Runtime, admin: WebUser, user_id: int) -> SignInLink:
    """A new one-time link for a coach or an admin (one who lost theirs)."""
    require_admin(admin)
    with runtime.store.write() as tx:
        user = tx.coaching.user(user_id)
        if user is None or user.role not in STAFF_ROLES:
            raise NotFoundError("no such coach")
        return _issue(runtime, tx, user)


def set_role(runtime: Runtime, admin: WebUser, user_id: int, role: str) -> WebUser:
    """Promote or demote a user; the last admin stays an admin."""
    require_admin(admin)
    if role not in (COACH_ROLE, ADMIN_ROLE, ATHLETE_ROLE):
        raise UsageError(f"unknown role {role!r}: use athlete, coach or admin")
    with runtime.store.write() as tx:
        user = tx.coaching.user(user_id)
        if user is None:
            raise NotFoundError("no such user")
        if role == ATHLETE_ROLE and user.athlete_id is None:
            raise UsageError(f"{user.name} has no athlete of their own: they stay a coach")
        if user.role == ADMIN_ROLE and role != ADMIN_ROLE:
            admins = [u for u in tx.coaching.users() if u.role == ADMIN_ROLE]
            if len(admins) <= 1:
                raise UsageError("this is the only admin: make another admin first")
        tx.coaching.set_role(user_id, role)
        name = user.name
        if not name and user.athlete_id is not None:
            own = tx.athletes.by_id(user.athlete_id)
            name = own.name if own is not None else ""
            tx.coaching.set_name(user_id, name)  # their athletes read who moved a session
        return WebUser(user.id, role, user.athlete_id, name)


def assign(runtime: Runtime, admin: WebUser, coach_id: int, athlete_id: int) -> str:
    require_admin(admin)
    with runtime.store.write() as tx:
        coach, athlete = _coach_and_athlete(tx, coach_id, athlete_id)
        added = tx.coaching.assign(coach.id, athlete.id)
    if not added:
        return f"{coach.name} already coaches {athlete.name}."
    return f"{coach.name} now coaches {athlete.name}."


def unassign(runtime: Runtime, admin: WebUser, coach_id: int, athlete_id: int) -> str:
    require_admin(admin)
    with runtime.store.write() as tx:
        coach, athlete = _coach_and_athlete(tx, coach_id, athlete_id)
        removed = tx.coaching.unassign(coach.id, athlete.id)
    if not removed:
        return f"{coach.name} did not coach {athlete.name}."
    return f"{coach.name} no longer coaches {athlete.name}."


def _coach_and_athlete(tx: Transaction, coach_id: int, athlete_id: int) -> tuple[WebUser, Athlete]:
    coach = tx.coaching.user(coach_id)
    if coach is None or coach.role != COACH_ROLE:
        raise NotFoundError("no such coach")
    athlete = tx.athletes.by_id(athlete_id)
    if athlete is None:
        raise NotFoundError("no such athlete")
    return coach, athlete


@dataclass(frozen=True, slots=True)
class StaffMember:
    user: WebUser
    athletes: tuple[Athlete, ...]
    """A coach's assigned athletes, by name."""


@dataclass(frozen=True, slots=True)
class AdminView:
    staff: tuple[StaffMember, ...]
    """Coaches and admins, by name."""
    runners: tuple[WebUser, ...]
    """Runners' users (they may be made coaches too)."""
    athletes: tuple[Athlete, ...]


def admin_view(runtime: Runtime, admin: WebUser) -> AdminView:
    require_admin(admin)
    with runtime.store.read() as tx:
        users = tx.coaching.users()
        pairs = tx.coaching.assignments()
        athletes = tx.athletes.all()
    by_id = {a.id: a for a in athletes}
    staff = tuple(
        StaffMember(
            user,
            tuple(
                sorted(
                    (by_id[a] for c, a in pairs if c == user.id and a in by_id),
                    key=lambda a: a.name,
                )
            ),
        )
        for user in users
        if user.role in STAFF_ROLES
    )
    runners = tuple(u for u in users if u.role == ATHLETE_ROLE)
    return AdminView(staff, runners, tuple(athletes))


# ---------------------------------------------------------------- the squad


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


def squad(
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
        members = tx.coaching.members(ids)
        if not members:
            return Squad((), 0)
        todays = {m.id: clock.today_in(m.timezone) for m in members}
        figures = SquadFigures(
            seen=tx.coaching.last_syncs(ids),
            summaries=tx.coaching.activity_summaries(ids),
            checkins=tx.coaching.latest_checkins(ids),
        )
        for today in sorted(set(todays.values())):
            group = [athlete_id for athlete_id, day in todays.items() if day == today]
            figures.weeks.update(tx.coaching.week_distances(group, today))
            figures.counts.update(
                tx.coaching.session_counts(group, today - timedelta(weeks=SQUAD_WEEKS), today)
            )
            figures.upcoming.update(
                tx.coaching.next_sessions(group, today, today + timedelta(days=NEXT_SESSION_DAYS))
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
