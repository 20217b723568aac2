"""The one door from the web page into the application API.

Every page handler calls a method here, never `syncsvc.api.*` or the store
directly. Each method takes the signed-in athlete's id and calls the same
functions the CLI calls, so no rule or query exists twice. When the API object
(`Syncsvc`, with an athlete handle) lands, this module is the only one that
changes: each method becomes a call on `api.athlete(athlete_id)`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from syncsvc import clock
from syncsvc.api import (
    checkins,
    connections,
    feed_admin,
    overrides,
    plan_sources,
    plan_view,
    profile_edits,
    syncing,
    web_access,
)
from syncsvc.api.pipeline import analyse
from syncsvc.config import Settings
from syncsvc.domain import Athlete, CheckIn, Session, SessionKind, SessionStatus, Source
from syncsvc.errors import NotFoundError, UsageError
from syncsvc.load import analysis_to_json
from syncsvc.planner.model import PlanInputs
from syncsvc.planner.replan import check_placement
from syncsvc.profiles import profile_rows, set_profile_value
from syncsvc.runtime import Runtime
from syncsvc.sources.http import CountingSession
from syncsvc.sources.strava_auth import authorization_url, connect_with_code
from syncsvc.store.database import Store
from syncsvc.store.sync_state import CredentialInfo
from syncsvc.store.web_access import OpenedSession, WebSession

if TYPE_CHECKING:
    from syncsvc.api.pipeline import RefreshResult
    from syncsvc.load.result import LoadAnalysis
    from syncsvc.sources.imports import ImportReport

PICKER_DAYS = 14
"""How many days ahead the move picker judges."""
TODAY_WEEKS = 2
"""How far ahead Today looks for the next session when nothing is on today."""


@dataclass(frozen=True, slots=True)
class DayFit:
    """One day of the move picker: fits, or the rules it breaks in words."""

    day: date
    problems: tuple[overrides.RuleProblem, ...]
    current: bool

    @property
    def fits(self) -> bool:
        return not self.problems and not self.current

    @property
    def hard(self) -> bool:
        """Refused even when forced (a day already past)."""
        return any(p.rule == "past" for p in self.problems)


@dataclass(frozen=True, slots=True)
class LoadPage:
    analysis: LoadAnalysis
    rows: list[dict[str, Any]]
    sessions: tuple[Session, ...]


@dataclass(frozen=True, slots=True)
class Connections:
    strava: dict[str, Any] | None
    garmin: dict[str, Any] | None
    plan_sources: list[plan_sources.PlanSourceInfo]
    strava_configured: bool


class ProfileValueError(UsageError):
    """A profile value that cannot be used, naming its key (for the form to show it there)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


class AppApi:
    """The application API as the web page sees it: one method per thing a runner does."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def runtime(self, athlete_id: int) -> Runtime:
        """A runtime scoped to one athlete, on the server's open store (never closed here)."""
        with self.store.read() as tx:
            athlete = tx.athletes.by_id(athlete_id)
        if athlete is None:
            raise NotFoundError("this athlete no longer exists")
        return Runtime(self.settings, athlete_name=athlete.name, _store=self.store)

    def athlete(self, athlete_id: int) -> Athlete:
        return self.runtime(athlete_id).athlete()

    # ------------------------------------------------------------ sign-in

    def sign_in(self, token: str) -> OpenedSession:
        return web_access.sign_in_with_link(self.store, self.settings, token)

    def session(self, token: str) -> WebSession | None:
        return web_access.session_for(self.store, token)

    def sign_out(self, token: str) -> None:
        web_access.sign_out(self.store, token)

    def sign_out_everywhere(self, athlete_id: int) -> int:
        return web_access.sign_out_everywhere(self.store, athlete_id)

    def put_oauth_state(self, provider: str, purpose: str, user_id: int | None) -> str:
        lifetime = timedelta(minutes=self.settings.web.oauth_state_minutes)
        with self.store.write() as tx:
            return tx.web.put_state(provider, purpose, user_id, lifetime)

    def take_oauth_state(self, state: str, provider: str) -> int | None:
        """The user id the state was issued to; None when unknown, expired or used."""
        with self.store.write() as tx:
            found = tx.web.take_state(state, provider)
        return None if found is None else found.user_id

    # ------------------------------------------------------------ plan

    def plan(self, athlete_id: int, *, weeks: int = 4, past_days: int = 7) -> plan_view.PlanView:
        return plan_view.plan_view(self.runtime(athlete_id), weeks=weeks, past_days=past_days)

    def today(self, athlete_id: int) -> tuple[plan_view.PlanView, plan_view.SessionView | None]:
        view = plan_view.plan_view(self.runtime(athlete_id), weeks=TODAY_WEEKS, past_days=0)
        return view, plan_view.next_session(view)

    def move(
        self, athlete_id: int, session_id: str, day: str, time: str | None, *, force: bool
    ) -> overrides.OverrideOutcome:
        return overrides.move_session(
            self.runtime(athlete_id), session_id, day, time_text=time, force=force
        )

    def pin(self, athlete_id: int, session_id: str) -> overrides.OverrideOutcome:
        return overrides.pin_session(self.runtime(athlete_id), session_id)

    def unpin(self, athlete_id: int, session_id: str) -> overrides.OverrideOutcome:
        return overrides.unpin_session(self.runtime(athlete_id), session_id)

    def skip(self, athlete_id: int, session_id: str, note: str) -> overrides.OverrideOutcome:
        return overrides.skip_session(self.runtime(athlete_id), session_id, note=note)

    def done(
        self, athlete_id: int, session_id: str, rpe: int | None, note: str
    ) -> overrides.OverrideOutcome:
        return overrides.mark_done(self.runtime(athlete_id), session_id, rpe=rpe, note=note)

    def add(
        self, athlete_id: int, kind: str, day: str, time: str | None, *, force: bool
    ) -> overrides.OverrideOutcome:
        return overrides.add_session(
            self.runtime(athlete_id), kind, day, time_text=time, force=force
        )

    def reset(self, athlete_id: int, session_id: str) -> overrides.OverrideOutcome:
        return overrides.reset_session(self.runtime(athlete_id), session_id)

    def training_session(self, athlete_id: int, session_id: str) -> Session:
        """One of this athlete's sessions; another athlete's id is simply not found."""
        with self.store.read() as tx:
            found = tx.athlete(athlete_id).sessions.get(session_id)
        if found is None:
            raise NotFoundError(f"no session with id {session_id!r}")
        return found

    def day_fits(self, athlete_id: int, session_id: str) -> list[DayFit]:
        """Each of the next days for a move: whether the planner's rules allow it, and why not.

        The planner's `check_placement` judges every day, on one load analysis
        (the same inputs `overrides.placement_problems` builds for one move).
        """

        runtime = self.runtime(athlete_id)
        context = overrides._context(runtime)
        session = overrides.resolve_session(context.sessions, session_id)
        analysis = analyse(runtime, context.athlete)
        inputs = PlanInputs(
            athlete_id=context.athlete.id,
            profile=context.athlete.profile,
            now=context.now,
            today=context.today,
            days=analysis.days,
            weeks=analysis.weeks,
            current=context.sessions,
            overrides=context.overrides,
            horizon_weeks=runtime.settings.planner.horizon_weeks,
        )
        fits = []
        for offset in range(PICKER_DAYS):
            day = context.today + timedelta(days=offset)
            breaks = check_placement(
                inputs,
                session.kind,
                day,
                runtime.settings.planner,
                session_id=session.id,
                start_time=session.start_time,
            )
            problems = tuple(overrides.RuleProblem(b.rule, b.message) for b in breaks)
            fits.append(DayFit(day, problems, current=day == session.local_date))
        return fits

    # ------------------------------------------------------------ check-in

    def check_in(
        self, athlete_id: int, back: int, sore: Sequence[str], note: str
    ) -> checkins.CheckInOutcome:
        return checkins.record_checkin(self.runtime(athlete_id), back, sore, note)

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
        found = checkins.list_checkins(self.runtime(athlete_id), limit=1)
        return found[-1] if found else None

    # ------------------------------------------------------------ load

    def load(self, athlete_id: int, *, days: int = 28) -> LoadPage:

        runtime = self.runtime(athlete_id)
        athlete = runtime.athlete()
        analysis = analyse(runtime, athlete)
        first = analysis.today - timedelta(days=days)
        with self.store.read() as tx:
            sessions = tuple(
                s
                for s in tx.athlete(athlete.id).sessions.all(since=first)
                if s.status in (SessionStatus.PLANNED, SessionStatus.DONE)
            )
        return LoadPage(analysis, analysis_to_json(analysis, days), sessions)

    # ------------------------------------------------------------ calendar

    def feed_address(self, athlete_id: int) -> feed_admin.FeedAddress:
        return feed_admin.feed_address(self.runtime(athlete_id))

    def rotate_feed(self, athlete_id: int) -> feed_admin.FeedAddress:
        return feed_admin.rotate_feed(self.runtime(athlete_id))

    # ------------------------------------------------------------ profile

    def profile_rows(self, athlete_id: int) -> list[tuple[str, str, str]]:
        return profile_rows(self.athlete(athlete_id).profile)

    def update_profile(self, athlete_id: int, values: dict[str, str]) -> str:
        """Apply the changed keys (each checked as `profile set` checks it), then replan once.

        A bad value raises `UsageError` naming its key before anything is stored.
        """
        runtime = self.runtime(athlete_id)
        athlete = runtime.athlete()
        shown = {key: value for key, value, _ in profile_rows(athlete.profile)}
        profile = athlete.profile
        changed = []
        for key, value in values.items():
            if shown.get(key) != value:
                try:
                    profile = set_profile_value(profile, key, value)
                except UsageError as error:
                    raise ProfileValueError(key, error.message) from None
                changed.append(key)
        if not changed:
            return "Nothing changed."
        note = profile_edits.update_profile(
            runtime, athlete, profile, changed_key=", ".join(changed)
        )
        return f"Saved {', '.join(changed)}. {note}"

    # ------------------------------------------------------------ connections

    def connections(self, athlete_id: int) -> Connections:
        with self.store.read() as tx:
            credentials = tx.athlete(athlete_id).credentials
            strava, garmin = credentials.info("strava"), credentials.info("garmin")
        return Connections(
            strava=_info(strava),
            garmin=_info(garmin),
            plan_sources=plan_sources.list_plan_sources(self.runtime(athlete_id)),
            strava_configured=bool(self.settings.strava.client_id),
        )

    def strava_authorization_url(self, redirect_uri: str, state: str) -> str:

        return authorization_url(self.settings.strava, redirect_uri, state)

    def connect_strava(self, athlete_id: int, code: str, scope: str) -> str | None:
        """Exchange the code from our callback; the scope warning, if any."""

        connection = connect_with_code(
            self.store, self.settings.strava, athlete_id, code, scope, CountingSession()
        )
        return connection.warning

    def sync(self, athlete_id: int, source: Source | None = None) -> RefreshResult:
        return syncing.sync_now(
            self.runtime(athlete_id), sources=None if source is None else [source]
        )

    def disconnect_strava(self, athlete_id: int) -> bool:
        return connections.disconnect_strava(self.runtime(athlete_id))

    def connect_garmin(
        self, athlete_id: int, email: str, password: str, mfa_code: Callable[[], str]
    ) -> str | None:
        """Log in to Garmin Connect; only the tokens are stored, never the password."""
        return connections.connect_garmin(
            self.runtime(athlete_id),
            tokens=None,
            email=lambda: email,
            password=lambda: password,
            mfa_code=mfa_code,
        )

    def disconnect_garmin(self, athlete_id: int) -> bool:
        return connections.disconnect_garmin(self.runtime(athlete_id))

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
            return syncing.import_now(self.runtime(athlete_id), [path])

    def add_plan_source(self, athlete_id: int, location: str, name: str | None) -> str:
        """A coach's calendar by URL; the page never reads a file on the server's disk."""
        if not plan_sources.is_url(location.strip()):
            raise UsageError("give the calendar's address, starting with https://")
        info, note = plan_sources.add_plan_source(self.runtime(athlete_id), location, name=name)
        return f"Added plan source {info.name!r} ({info.workouts_ahead} workouts ahead). {note}"

    def remove_plan_source(self, athlete_id: int, which: str) -> str:
        name, note = plan_sources.remove_plan_source(self.runtime(athlete_id), which)
        return f"Removed plan source {name!r}. {note}"

    def today_date(self, athlete_id: int) -> date:
        return clock.today_in(self.athlete(athlete_id).profile.timezone)


def _info(info: CredentialInfo | None) -> dict[str, Any] | None:
    """What the page shows of a connection: never a token."""
    if info is None:
        return None
    return {"status": info.status, "message": info.status_message, "updated_at": info.updated_at}


KINDS = tuple(kind.value for kind in SessionKind)
