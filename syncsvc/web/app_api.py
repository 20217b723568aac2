"""The one door from the web page into the application API.

Every page handler calls a method here, and each method is a call on the
application API object (`Syncsvc`, and its athlete handle for the signed-in
athlete), exactly as the CLI calls it: no rule, query or store access lives
here. What is left is the page's shape of a call: the athlete by the session's
id, and a message in words from a typed result.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from syncsvc.api.app import AthleteApi, Syncsvc
from syncsvc.api.coaching import AdminView, NewCoach
from syncsvc.api.decisions import DayOption, DecisionOutcome
from syncsvc.api.history_progress import HistoryProgress
from syncsvc.api.load_view import LoadDays
from syncsvc.api.plan_sources import PlanSourceInfo, is_url
from syncsvc.api.plan_view import PlanView, SessionView, next_session
from syncsvc.api.profile_edits import ProfileValueError
from syncsvc.api.signup import Joined
from syncsvc.api.squad import Squad, SquadFilter, SquadSort
from syncsvc.api.web_access import SignInLink
from syncsvc.config import Settings
from syncsvc.domain import Actor, CheckIn, Session, SessionKind, Source
from syncsvc.errors import UsageError
from syncsvc.profiles import profile_rows
from syncsvc.push.admin import Removal
from syncsvc.push.model import ChannelStatus, PushResult
from syncsvc.runtime import Runtime
from syncsvc.store.database import Store
from syncsvc.store.push import Channel
from syncsvc.store.sync_state import CredentialInfo
from syncsvc.store.web_access import OAuthState, OpenedSession, WebSession, WebUser

if TYPE_CHECKING:
    from syncsvc.api.checkins import CheckInOutcome
    from syncsvc.api.feed_admin import FeedAddress
    from syncsvc.api.load_worker import LoadWorker
    from syncsvc.api.pipeline import RefreshResult
    from syncsvc.sources.imports import ImportReport

__all__ = ["KINDS", "AppApi", "Connections", "DayOption", "ProfileValueError"]

TODAY_WEEKS = 2
"""How far ahead Today looks for the next session when nothing is on today."""


@dataclass(frozen=True, slots=True)
class Connections:
    strava: dict[str, Any] | None
    garmin: dict[str, Any] | None
    plan_sources: list[PlanSourceInfo]
    strava_configured: bool
    push_channels: list[ChannelStatus]
    timezone: str


StartBackfill = Callable[[int], object]
"""Hands a new athlete's first Strava sync to the job engine (the server passes one)."""


class AppApi:
    """The application API as the web page sees it: one method per thing a runner does."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        start_backfill: StartBackfill | None = None,
        load_worker: LoadWorker | None = None,
    ) -> None:
        self.settings = settings
        self.app = Syncsvc(Runtime(settings, _store=store, load_worker=load_worker))
        self._start_backfill = start_backfill

    def _for(self, athlete_id: int, actor: Actor | None = None) -> AthleteApi:
        handle = self.app.athlete_with_id(athlete_id)
        handle.actor = actor
        return handle

    # ------------------------------------------------------------ roles and coaches

    def check_access(self, user: WebUser, athlete_id: int) -> tuple[str, Actor | None]:
        """The athlete's name and who acts when this user opens their pages; NotFoundError
        when they may not see them (the page's one access check, `Page.acting`)."""
        handle = self.app.athlete_for(user, athlete_id)
        return str(handle.name), handle.actor

    def squad(
        self,
        user: WebUser,
        *,
        sort: SquadSort,
        descending: bool,
        only: SquadFilter,
        name: str,
    ) -> Squad:
        return self.app.squad(user, sort=sort, descending=descending, only=only, name=name)

    def admin_view(self, admin: WebUser) -> AdminView:
        return self.app.admin_view(admin)

    def create_coach(self, admin: WebUser, name: str) -> NewCoach:
        return self.app.create_coach(admin, name)

    def staff_link(self, admin: WebUser, user_id: int) -> SignInLink:
        return self.app.staff_link(admin, user_id)

    def set_role(self, admin: WebUser, user_id: int, role: str) -> str:
        user = self.app.set_role(admin, user_id, role)
        return f"{user.name or 'The user'} is now {'an' if role == 'admin' else 'a'} {role}."

    def assign(self, admin: WebUser, coach_id: int, athlete_id: int) -> str:
        return self.app.assign_athlete(admin, coach_id, athlete_id)

    def unassign(self, admin: WebUser, coach_id: int, athlete_id: int) -> str:
        return self.app.unassign_athlete(admin, coach_id, athlete_id)

    # ------------------------------------------------------------ sign-in

    def sign_in(self, token: str) -> OpenedSession:
        return self.app.sign_in(token)

    def session(self, token: str) -> WebSession | None:
        return self.app.web_session(token)

    def sign_out(self, token: str) -> None:
        self.app.sign_out(token)

    def sign_out_everywhere(self, athlete_id: int) -> int:
        return self._for(athlete_id).sign_out_everywhere()

    def put_oauth_state(self, provider: str, purpose: str, user_id: int | None) -> str:
        return self.app.put_oauth_state(provider, purpose, user_id)

    def take_oauth_state(self, state: str, provider: str) -> OAuthState | None:
        return self.app.take_oauth_state(state, provider)

    # ------------------------------------------------------------ joining

    def join_with_strava(self, code: str, scope: str) -> Joined:
        return self.app.join_with_strava(code, scope)

    def start_backfill(self, athlete_id: int) -> None:
        """The job engine reads a new athlete's history; without one (a bare web app), now."""
        if self._start_backfill is not None:
            self._start_backfill(athlete_id)
        else:
            self.sync(athlete_id, Source.STRAVA)

    def history_progress(self, athlete_id: int) -> HistoryProgress | None:
        return self._for(athlete_id).history_progress()

    def export(self, athlete_id: int) -> dict[str, Any]:
        return self._for(athlete_id).export()

    def leave_strava(self, athlete_id: int) -> int:
        return self._for(athlete_id).leave_strava()

    # ------------------------------------------------------------ plan

    def plan(self, athlete_id: int, *, weeks: int = 4, past_days: int = 7) -> PlanView:
        return self._for(athlete_id).plan(weeks=weeks, past_days=past_days)

    def today(self, athlete_id: int) -> tuple[PlanView, SessionView | None]:
        view = self._for(athlete_id).plan(weeks=TODAY_WEEKS, past_days=0)
        return view, next_session(view)

    def move(
        self,
        athlete_id: int,
        session_id: str,
        day: str,
        time: str | None,
        *,
        force: bool,
        actor: Actor | None = None,
    ) -> DecisionOutcome:
        return self._for(athlete_id, actor).move(session_id, day, time=time, force=force)

    def pin(self, athlete_id: int, session_id: str, actor: Actor | None = None) -> DecisionOutcome:
        return self._for(athlete_id, actor).pin(session_id)

    def unpin(
        self, athlete_id: int, session_id: str, actor: Actor | None = None
    ) -> DecisionOutcome:
        return self._for(athlete_id, actor).unpin(session_id)

    def skip(
        self, athlete_id: int, session_id: str, note: str, actor: Actor | None = None
    ) -> DecisionOutcome:
        return self._for(athlete_id, actor).skip(session_id, note=note)

    def done(
        self,
        athlete_id: int,
        session_id: str,
        rpe: int | None,
        note: str,
        actor: Actor | None = None,
    ) -> DecisionOutcome:
        return self._for(athlete_id, actor).done(session_id, rpe=rpe, note=note)

    def add(
        self,
        athlete_id: int,
        kind: str,
        day: str,
        time: str | None,
        *,
        force: bool,
        actor: Actor | None = None,
    ) -> DecisionOutcome:
        return self._for(athlete_id, actor).add(kind, day, time=time, force=force)

    def reset(
        self, athlete_id: int, session_id: str, actor: Actor | None = None
    ) -> DecisionOutcome:
        return self._for(athlete_id, actor).reset(session_id)

    def training_session(self, athlete_id: int, session_id: str) -> Session:
        """One of this athlete's sessions; another athlete's id is simply not found."""
        return self._for(athlete_id).training_session(session_id)

    def day_fits(self, athlete_id: int, session_id: str) -> tuple[DayOption, ...]:
        """Each of the next days for a move: whether the planner's rules allow it, and why not."""
        return self._for(athlete_id).move_options(session_id).days

    # ------------------------------------------------------------ check-in

    def check_in(
        self, athlete_id: int, back: int, sore: Sequence[str], note: str
    ) -> CheckInOutcome:
        return self._for(athlete_id).checkin(back, sore=sore, note=note)

    def exercise_names(self, athlete_id: int) -> list[str]:
        """The exercises of the sessions ahead, for the sore-exercise choices."""
        view = self.plan(athlete_id, weeks=TODAY_WEEKS, past_days=0)
        names: list[str] = []
        for item in view.sessions:
            content = item.session.content
            for exercise in content.exercises if content else ():
                if exercise.name not in names:
                    names.append(exercise.name)
        return names

    def latest_checkin(self, athlete_id: int) -> CheckIn | None:
        found = self._for(athlete_id).checkins(limit=1)
        return found[-1] if found else None

    # ------------------------------------------------------------ load

    def load(self, athlete_id: int) -> LoadDays:
        return self._for(athlete_id).load_days()

    # ------------------------------------------------------------ calendar

    def feed_address(self, athlete_id: int) -> FeedAddress:
        return self._for(athlete_id).feed_url()

    def rotate_feed(self, athlete_id: int) -> FeedAddress:
        return self._for(athlete_id).rotate_feed()

    # ------------------------------------------------------------ profile

    def profile_rows(self, athlete_id: int) -> list[tuple[str, str, str]]:
        return profile_rows(self._for(athlete_id).athlete.profile)

    def update_profile(self, athlete_id: int, values: dict[str, str]) -> str:
        """A bad value raises `ProfileValueError` naming its key before anything is stored."""
        update = self._for(athlete_id).set_profile_values(values)
        if not update.changed:
            return "Nothing changed."
        return f"Saved {', '.join(update.changed)}. {update.replanned}"

    # ------------------------------------------------------------ connections

    def connections(self, athlete_id: int) -> Connections:
        handle = self._for(athlete_id)
        found = handle.connections()
        return Connections(
            strava=_info(found.get("strava")),
            garmin=_info(found.get("garmin")),
            plan_sources=handle.plan_sources(),
            strava_configured=self.app.strava_configured,
            push_channels=handle.push_channels(),
            timezone=handle.athlete.profile.timezone,
        )

    def strava_authorization_url(self, redirect_uri: str, state: str) -> str:
        return self.app.strava_authorization_url(redirect_uri, state)

    def connect_strava(self, athlete_id: int, code: str, scope: str) -> str | None:
        """Exchange the code from our callback; the scope warning, if any."""
        return self._for(athlete_id).connect_strava_with_code(code, scope).warning

    def sync(self, athlete_id: int, source: Source | None = None) -> RefreshResult:
        return self._for(athlete_id).sync(sources=None if source is None else [source])

    def disconnect_strava(self, athlete_id: int) -> bool:
        return self._for(athlete_id).disconnect_strava()

    def connect_garmin(
        self, athlete_id: int, email: str, password: str, mfa_code: Callable[[], str]
    ) -> str | None:
        """Log in to Garmin Connect; only the tokens are stored, never the password."""
        return self._for(athlete_id).connect_garmin(
            tokens=None, email=lambda: email, password=lambda: password, mfa_code=mfa_code
        )

    def disconnect_garmin(self, athlete_id: int) -> bool:
        return self._for(athlete_id).disconnect_garmin()

    def import_upload(
        self, athlete_id: int, name: str, data: IO[bytes]
    ) -> tuple[ImportReport, str]:
        """Import an uploaded file, copied to a private temporary folder under its own name."""
        safe = Path(name).name or "upload"
        with tempfile.TemporaryDirectory(prefix="syncsvc-upload-") as folder:
            path = Path(folder) / safe
            with path.open("wb") as target:
                while chunk := data.read(1 << 20):
                    target.write(chunk)
            outcome = self._for(athlete_id).import_files([path])
        return outcome.report, outcome.replanned

    def add_plan_source(self, athlete_id: int, location: str, name: str | None) -> str:
        """A coach's calendar by URL; the page never reads a file on the server's disk."""
        if not is_url(location.strip()):
            raise UsageError("give the calendar's address, starting with https://")
        info, note = self._for(athlete_id).add_plan_source(location, name=name)
        return f"Added plan source {info.name!r} ({info.workouts_ahead} workouts ahead). {note}"

    def remove_plan_source(self, athlete_id: int, which: str) -> str:
        name, note = self._for(athlete_id).remove_plan_source(which)
        return f"Removed plan source {name!r}. {note}"

    # ------------------------------------------------------------ push channels

    def push_channels(self, athlete_id: int) -> list[ChannelStatus]:
        return self._for(athlete_id).push_channels()

    def add_caldav_channel(
        self, athlete_id: int, url: str, username: str, password: str, calendar: str | None
    ) -> Channel:
        """Log in to the CalDAV server first: a refused password or address stores nothing."""
        return self._for(athlete_id).add_caldav_channel(
            url=url, username=username, password=password, calendar=calendar, verify=True
        )

    def add_garmin_channel(self, athlete_id: int) -> Channel:
        """Push to the Garmin account already connected (its stored tokens)."""
        return self._for(athlete_id).add_garmin_channel()

    def connect_garmin_and_push(
        self, athlete_id: int, email: str, password: str, mfa_code: Callable[[], str]
    ) -> Channel:
        """Log in to Garmin Connect (only the tokens are kept), then push to that account."""
        self.connect_garmin(athlete_id, email, password, mfa_code)
        return self.add_garmin_channel(athlete_id)

    def push_now(self, athlete_id: int, channel_id: int) -> PushResult:
        """One of this athlete's channels, pushed now; another athlete's id is not found."""
        [result] = self._for(athlete_id).push_sync(channel_id)
        return result

    def remove_push_channel(
        self, athlete_id: int, channel_id: int, *, keep_events: bool
    ) -> Removal:
        return self._for(athlete_id).remove_push_channel(channel_id, keep_events=keep_events)


def _info(info: CredentialInfo | None) -> dict[str, Any] | None:
    """What the page shows of a connection: never a token."""
    if info is None:
        return None
    return {"status": info.status, "message": info.status_message, "updated_at": info.updated_at}


KINDS = tuple(kind.value for kind in SessionKind)
