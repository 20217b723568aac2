"""Roles and coaches: who sees whom, and what an admin does about it.

Three roles: a runner (athlete) sees only themselves, a coach their own
athlete (if any) and the athletes an admin assigned them, an admin everyone.
`check_access` is the one access check every front end goes through (the web
page through `Syncsvc.athlete_for`): an athlete the user may not see is "not
found", exactly like an id that does not exist, so ids do not leak. The coach's
table is `api/squad.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from syncsvc import clock
from syncsvc.api.web_access import SIGN_IN_PATH, SignInLink, web_base_url
from syncsvc.domain import Actor, Athlete
from syncsvc.errors import NotFoundError, UsageError
from syncsvc.runtime import Runtime
from syncsvc.store.database import Transaction
from syncsvc.store.web_access import ADMIN_ROLE, ATHLETE_ROLE, COACH_ROLE, WebUser

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
