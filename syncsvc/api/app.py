"""The application API: the whole product behind one object.

`Syncsvc` is opened from a home folder (or a `Runtime`) and holds what concerns
the store as a whole (set up, athletes, copying the store, the demo, the Strava
webhook subscription). `Syncsvc.athlete(name)` gives an `AthleteApi`, with one
method per thing a runner can do. Every method returns typed values (frozen
dataclasses, domain values); the caller renders them. The CLI calls only this,
and so will the web page, the push channels and the jobs.

    with Syncsvc.open(home=Path("~/.syncsvc")) as app:
        outcome = app.athlete("ana").move("k3f", "thu", time="07:30")
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from syncsvc.api import (
    activities,
    athletes,
    checkins,
    coaching,
    connections,
    decisions,
    demo,
    feed_admin,
    history_progress,
    load_view,
    plan_reader,
    plan_sources,
    profile_edits,
    signup,
    status,
    web_access,
)
from syncsvc.api.activities import ActivityListing, ImportOutcome, UnlinkOutcome
from syncsvc.api.athletes import InitResult
from syncsvc.api.checkins import CheckInOutcome
from syncsvc.api.decisions import DecisionOutcome
from syncsvc.api.feed_admin import FeedAddress
from syncsvc.api.history_progress import HistoryProgress
from syncsvc.api.load_view import LoadDays, LoadReport
from syncsvc.api.pipeline import ProgressCallback, RefreshResult, refresh_athlete
from syncsvc.api.plan_sources import PlanSourceInfo
from syncsvc.api.plan_view import PlanView, SessionView
from syncsvc.api.profile_edits import ProfileUpdate
from syncsvc.api.replan_all import replan_all
from syncsvc.api.signup import Joined
from syncsvc.api.squad import Squad, SquadFilter, SquadSort, read_squad
from syncsvc.api.status import StatusReport
from syncsvc.api.strava_webhook_state import WebhookState, read_webhook_state
from syncsvc.api.web_access import SignInLink
from syncsvc.domain import Actor, Athlete, CheckIn, Profile, Session, Source
from syncsvc.errors import NotFoundError, UsageError
from syncsvc.profiles import set_profile_value
from syncsvc.push import admin as push_admin
from syncsvc.push.admin import Removal
from syncsvc.push.model import ChannelStatus, PushResult
from syncsvc.runtime import Runtime
from syncsvc.store.copy import CopyResult, copy_store
from syncsvc.store.push import Channel
from syncsvc.store.web_access import OAuthState, OpenedSession, WebSession, WebUser

if TYPE_CHECKING:
    from syncsvc.api.demo import DemoSetup, HardRunOutcome
    from syncsvc.api.strava_subscription import Registration, Subscription
    from syncsvc.sources.strava_auth import StravaConnection
    from syncsvc.store.sync_state import CredentialInfo


@dataclass(frozen=True, slots=True)
class ProfileReport:
    athlete: Athlete
    estimated: dict[str, str]
    """Profile keys the load model fills in because they are unset, and with what."""


@dataclass(frozen=True, slots=True)
class ProfileChange:
    changed: bool
    replanned: str
    """The replan's note ("" when nothing changed)."""


@dataclass(frozen=True, slots=True)
class SchemaState:
    dialect: str
    distributed: bool
    """The job engine's tables are there too (a distributed mode)."""


class Syncsvc:
    """One store and its athletes."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    @classmethod
    def open(
        cls,
        *,
        home: Path | None = None,
        config_file: Path | None = None,
        athlete: str | None = None,
        flags: dict[str, Any] | None = None,
    ) -> Syncsvc:
        """Read the settings; the store opens on first use (`--help` touches nothing)."""
        return cls(
            Runtime.create(home=home, config_file=config_file, athlete_name=athlete, flags=flags)
        )

    def __enter__(self) -> Syncsvc:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.runtime.close()

    @property
    def home(self) -> Path:
        return self.runtime.home

    @property
    def database_url(self) -> str:
        return self.runtime.settings.database_url

    @property
    def default_athlete_name(self) -> str | None:
        """The athlete named when this was opened (`--athlete`), if any."""
        return self.runtime.athlete_name

    # ------------------------------------------------------------ the store

    def init(self, name: str, profile: Profile) -> InitResult:
        """Create the home folder, settings, store and first athlete; safe to run twice."""
        return athletes.initialise(self.runtime, name, profile)

    def migrate(self) -> SchemaState:
        """Create or upgrade the schema (and the job engine's, in a distributed mode)."""
        store = self.runtime.open_store(create=True)
        return SchemaState(store.dialect, self.runtime.distributed)

    def copy_store(self, to: str) -> CopyResult:
        """Copy this store into a new, empty database at the URL `to`."""
        return copy_store(self.runtime.store.engine, to)

    # ------------------------------------------------------------ athletes

    def athletes(self) -> list[Athlete]:
        with self.runtime.store.read() as tx:
            return tx.athletes.all()

    def find_athlete(self, name: str | None) -> Athlete:
        """The athlete by name; None: the only one, or the default."""
        with self.runtime.store.read() as tx:
            return tx.athletes.resolve(name)

    def add_athlete(self, name: str, profile: Profile) -> Athlete:
        return athletes.add_athlete(self.runtime, name, profile)

    def remove_athlete(self, athlete: Athlete, *, keep_events: bool = False) -> list[Removal]:
        """Remove an athlete and everything stored about them.

        First what their push channels hold is taken off the calendars (best
        effort: a paused or unreachable channel says what stayed behind),
        unless `keep_events`; the channels are forgotten either way.
        """
        runtime = self.runtime
        removals: list[Removal] = []
        if not keep_events:
            removals = push_admin.remove_athlete_channels(
                runtime.store, runtime.settings, athlete.id
            )
        with runtime.store.write() as tx:
            tx.athletes.remove(athlete.id)
        return removals

    def set_default_athlete(self, name: str) -> Athlete:
        with self.runtime.store.write() as tx:
            athlete = tx.athletes.resolve(name)
            tx.athletes.set_default(athlete.id)
        return athlete

    def export_athlete(self, athlete: Athlete) -> dict[str, Any]:
        """Everything stored about one athlete, secrets left out."""
        return athletes.export_athlete(self.runtime, athlete)

    def replan_all(self) -> list[RefreshResult]:
        """Replan every athlete now, without a sync (read in batches); one result each."""
        return replan_all(self.runtime, trigger="cli replan all")

    def athlete(self, name: str | None = None) -> AthleteApi:
        """One athlete's handle; None: the one opened with, else the only one or the default."""
        return AthleteApi(self, name or self.runtime.athlete_name)

    # ------------------------------------------------------------ the demo
    # (its bundled history and ingest load only for `syncsvc demo`, not at every start-up)

    @classmethod
    def open_demo(cls, *, home: Path | None = None, config_file: Path | None = None) -> Syncsvc:
        """The demo's store: `home`, else SYNCSVC_HOME, else the demo's own folder."""
        if home is None and not os.environ.get("SYNCSVC_HOME"):
            home = demo.default_demo_home()
        return cls.open(home=home, config_file=config_file, athlete=demo.DEMO_ATHLETE)

    def demo_athlete(self) -> AthleteApi:
        return self.athlete(demo.DEMO_ATHLETE)

    def prepare_demo(self) -> DemoSetup:
        """Demo clock, demo athlete, bundled history stored, pipeline run, feed written."""
        return demo.prepare_demo(self.runtime)

    def simulate_hard_run(self) -> HardRunOutcome:
        """A hard interval run arrives on the morning of the next day holding a session."""
        return demo.simulate_hard_run(self.runtime, self.find_athlete(demo.DEMO_ATHLETE))

    def demo_feed_url(self, host: str, port: int) -> str:
        return demo.demo_feed_url(self.runtime, host, port)

    # ------------------------------------------------------------ the Strava webhook
    # (requests loads only for these: `syncsvc plan` must not pay for it at start-up)

    def strava_webhook_state(self) -> WebhookState:
        """The subscription id, verify token and callback path in use, and where each is from."""
        return read_webhook_state(self.runtime.settings, self.runtime.store)

    def register_strava_webhook(self, callback_url: str | None = None) -> Registration:
        """Subscribe at our secret callback path; the service takes the new id at once."""
        from syncsvc.api.strava_subscription import register_webhook  # noqa: PLC0415 - requests

        return register_webhook(self.runtime.settings, self.runtime.store, callback_url)

    def strava_subscriptions(self) -> list[Subscription]:
        """Strava's subscriptions for this application, secret path segments masked."""
        from syncsvc.api.strava_subscription import (  # noqa: PLC0415 - requests
            list_subscriptions,
            masked,
        )

        state = self.strava_webhook_state()
        return [masked(s, state) for s in list_subscriptions(self.runtime.settings)]

    def delete_strava_subscription(self, subscription_id: int | None = None) -> int:
        from syncsvc.api.strava_subscription import delete_subscription  # noqa: PLC0415 - requests

        return delete_subscription(self.runtime.settings, self.runtime.store, subscription_id)

    # ------------------------------------------------------------ the web page's sign-in

    def athlete_with_id(self, athlete_id: int) -> AthleteApi:
        """The handle of the athlete a web session is linked to."""
        with self.runtime.store.read() as tx:
            athlete = tx.athletes.by_id(athlete_id)
        if athlete is None:
            raise NotFoundError("this athlete no longer exists")
        return AthleteApi(self, athlete.name)

    def sign_in(self, token: str) -> OpenedSession:
        """Use a sign-in link up and open a session; a refused link says why."""
        return web_access.sign_in_with_link(self.runtime.store, self.runtime.settings, token)

    def web_session(self, token: str) -> WebSession | None:
        return web_access.session_for(self.runtime.store, token)

    def sign_out(self, token: str) -> None:
        web_access.sign_out(self.runtime.store, token)

    def put_oauth_state(self, provider: str, purpose: str, user_id: int | None) -> str:
        return web_access.put_oauth_state(
            self.runtime.store, self.runtime.settings, provider, purpose, user_id
        )

    def take_oauth_state(self, state: str, provider: str) -> OAuthState | None:
        """The state's purpose and user; None when unknown, expired or used."""
        return web_access.take_oauth_state(self.runtime.store, state, provider)

    # ------------------------------------------------------------ roles and coaches

    def athlete_for(self, user: WebUser, athlete_id: int) -> AthleteApi:
        """The handle of an athlete this user may see (themselves; a coach's athletes;
        anyone for an admin), acting as that user; anyone else is not found."""
        athlete = coaching.check_access(self.runtime, user, athlete_id)
        return AthleteApi(self, athlete.name, actor=coaching.actor_of(user, athlete_id))

    def staff_sign_in_link(self, role: str, name: str | None = None) -> SignInLink:
        """A sign-in link for a coach or an admin (`web link --role`), created the first time."""
        return coaching.staff_sign_in_link(self.runtime, role, name)

    def create_coach(self, admin: WebUser, name: str) -> coaching.NewCoach:
        return coaching.create_coach(self.runtime, admin, name)

    def staff_link(self, admin: WebUser, user_id: int) -> SignInLink:
        return coaching.link_for_user(self.runtime, admin, user_id)

    def set_role(self, admin: WebUser, user_id: int, role: str) -> WebUser:
        return coaching.set_role(self.runtime, admin, user_id, role)

    def assign_athlete(self, admin: WebUser, coach_id: int, athlete_id: int) -> str:
        return coaching.assign(self.runtime, admin, coach_id, athlete_id)

    def unassign_athlete(self, admin: WebUser, coach_id: int, athlete_id: int) -> str:
        return coaching.unassign(self.runtime, admin, coach_id, athlete_id)

    def admin_view(self, admin: WebUser) -> coaching.AdminView:
        return coaching.admin_view(self.runtime, admin)

    def squad(
        self,
        user: WebUser,
        *,
        sort: SquadSort = SquadSort.NAME,
        descending: bool = False,
        only: SquadFilter = SquadFilter.ALL,
        name: str = "",
    ) -> Squad:
        """The coach's page: one row per athlete they may see."""
        return read_squad(
            self.runtime, user, sort=sort, descending=descending, only=only, name=name
        )

    def join_with_strava(self, code: str, scope: str) -> Joined:
        """Sign in with Strava: a new Strava athlete joins (`web.signup`), a known one signs in.

        A refusal raises `SignupRefused` saying why (scope, gates, Strava's app limit).
        """
        return signup.join_with_strava(self.runtime, code, scope)

    @property
    def strava_configured(self) -> bool:
        return bool(self.runtime.settings.strava.client_id)

    def strava_authorization_url(self, redirect_uri: str, state: str) -> str:
        return connections.strava_authorization_url(self.runtime, redirect_uri, state)


class AthleteApi:
    """One athlete: one method per thing a runner can do.

    The athlete is looked up on each call, so a profile change made through one
    method is what the next one sees.
    """

    def __init__(self, app: Syncsvc, name: str | None, *, actor: Actor | None = None) -> None:
        self.app = app
        self.name = name
        self.actor = actor
        """A coach or an admin acting for the athlete: their decisions carry their name."""

    @property
    def runtime(self) -> Runtime:
        return self.app.runtime

    @property
    def athlete(self) -> Athlete:
        """The athlete as stored now."""
        return self.app.find_athlete(self.name)

    # ------------------------------------------------------------ the plan

    def plan(self, *, weeks: int | None = None, past_days: int = 7) -> PlanView:
        """Sessions from `past_days` ago to `weeks` ahead, with the day classes and decisions."""
        return plan_reader.plan(self.runtime, self.athlete, weeks=weeks, past_days=past_days)

    def today(self) -> SessionView | None:
        """Today's planned session, else the next one ahead."""
        return plan_reader.today(self.runtime, self.athlete)

    def replan(self) -> RefreshResult:
        """Run the pipeline now, without a sync."""
        return refresh_athlete(self.runtime, self.athlete.id, trigger="cli replan", sync=False)

    def refresh(
        self, *, trigger: str, sync: bool = True, sources: Sequence[Source] | None = None
    ) -> RefreshResult:
        """The whole pipeline (sync, replan, publish) under the athlete's lock."""
        return refresh_athlete(
            self.runtime, self.athlete.id, trigger=trigger, sync=sync, sources=sources
        )

    # ------------------------------------------------------------ decisions

    def move(
        self, session_id: str, day: str, *, time: str | None = None, force: bool = False
    ) -> DecisionOutcome:
        return decisions.move_session(
            self.runtime,
            self.athlete,
            session_id,
            day,
            time_text=time,
            force=force,
            actor=self.actor,
        )

    def pin(self, session_id: str) -> DecisionOutcome:
        return decisions.pin_session(
            self.runtime, self.athlete, session_id, pinned=True, actor=self.actor
        )

    def unpin(self, session_id: str) -> DecisionOutcome:
        return decisions.pin_session(
            self.runtime, self.athlete, session_id, pinned=False, actor=self.actor
        )

    def skip(self, session_id: str, *, note: str = "") -> DecisionOutcome:
        return decisions.skip_session(
            self.runtime, self.athlete, session_id, note=note, actor=self.actor
        )

    def done(self, session_id: str, *, rpe: int | None = None, note: str = "") -> DecisionOutcome:
        return decisions.mark_done(
            self.runtime, self.athlete, session_id, rpe=rpe, note=note, actor=self.actor
        )

    def add(
        self, kind: str, day: str, *, time: str | None = None, force: bool = False
    ) -> DecisionOutcome:
        return decisions.add_session(
            self.runtime, self.athlete, kind, day, time_text=time, force=force, actor=self.actor
        )

    def reset(self, session_id: str) -> DecisionOutcome:
        return decisions.reset_session(self.runtime, self.athlete, session_id, actor=self.actor)

    def move_options(self, session_id: str) -> decisions.MoveOptions:
        """Where a session fits this week and next, and why the other days don't."""
        return decisions.move_options(self.runtime, self.athlete, session_id)

    def why(self, session_id: str) -> SessionView:
        """One session with every reason for its day (`syncsvc plan why ID`)."""
        view = plan_reader.plan(self.runtime, self.athlete, weeks=8, past_days=56)
        found = decisions.resolve_session([item.session for item in view.sessions], session_id)
        return next(item for item in view.sessions if item.session.id == found.id)

    # ------------------------------------------------------------ check-ins

    def checkin(self, back: int, *, sore: Sequence[str] = (), note: str = "") -> CheckInOutcome:
        return checkins.record_checkin(self.runtime, self.athlete, back, sore, note)

    def checkins(self, *, limit: int = 20) -> list[CheckIn]:
        return checkins.list_checkins(self.runtime, self.athlete, limit)

    # ------------------------------------------------------------ views

    def status(self) -> StatusReport:
        return status.gather_status(self.runtime, self.athlete)

    def load(self, *, days: int = 14, plot: Path | None = None) -> LoadReport:
        return load_view.load_report(self.runtime, self.athlete, days=days, plot=plot)

    # ------------------------------------------------------------ the feed

    def feed_url(self) -> FeedAddress:
        return feed_admin.feed_address(self.runtime, self.athlete)

    def rotate_feed(self) -> FeedAddress:
        """Revoke the feed URL (it answers 410 from now on) and issue a new one."""
        return feed_admin.rotate_feed(self.runtime, self.athlete)

    def export_feed(self, path: Path) -> int:
        """Write the feed's bytes to `path`; returns their size."""
        return feed_admin.export_feed(self.runtime, self.athlete, path)

    # ------------------------------------------------------------ activities

    def sync(
        self,
        *,
        sources: Sequence[Source] | None = None,
        full: bool = False,
        progress: ProgressCallback | None = None,
    ) -> RefreshResult:
        return activities.sync_now(
            self.runtime, self.athlete, sources=sources, full=full, progress=progress
        )

    def import_files(self, paths: list[Path]) -> ImportOutcome:
        return activities.import_files(self.runtime, self.athlete, paths)

    def activities(self, *, days: int | None = None) -> list[ActivityListing]:
        return activities.list_activities(self.runtime, self.athlete, days=days)

    def unlink_activity(self, record_id: int) -> UnlinkOutcome:
        return activities.unlink_activity(self.runtime, self.athlete, record_id)

    # ------------------------------------------------------------ accounts

    def connect_strava(
        self,
        *,
        refresh_token: str | None,
        announce: Callable[[str], None],
        open_browser: bool,
    ) -> StravaConnection:
        return connections.connect_strava(
            self.runtime,
            self.athlete,
            refresh_token=refresh_token,
            announce=announce,
            open_browser=open_browser,
        )

    def disconnect_strava(self) -> bool:
        return connections.disconnect_strava(self.runtime, self.athlete)

    def leave_strava(self) -> int:
        """Disconnect Strava and remove its records, as a verified deauthorisation does."""
        return connections.leave_strava(self.runtime, self.athlete)

    def export(self) -> dict[str, Any]:
        """Everything stored about this athlete, secrets left out (`athlete export`)."""
        return self.app.export_athlete(self.athlete)

    def connect_garmin(
        self,
        *,
        tokens: str | None,
        email: Callable[[], str],
        password: Callable[[], str],
        mfa_code: Callable[[], str],
    ) -> str | None:
        return connections.connect_garmin(
            self.runtime,
            self.athlete,
            tokens=tokens,
            email=email,
            password=password,
            mfa_code=mfa_code,
        )

    def disconnect_garmin(self) -> bool:
        return connections.disconnect_garmin(self.runtime, self.athlete)

    # ------------------------------------------------------------ push channels

    def add_caldav_channel(
        self,
        *,
        url: str,
        username: str,
        password: str | None = None,
        password_file: Path | None = None,
        calendar: str | None = None,
        verify: bool = False,
    ) -> Channel:
        """Push to a CalDAV calendar (a second add with the same URL replaces the password).

        The password is given, or read from `password_file` (one line). `verify`
        logs in first, so a refused password stores nothing.
        """
        if password is None:
            if password_file is None:
                raise UsageError("a CalDAV channel needs a password", hint="give --password-file")
            password = push_admin.read_password_file(password_file)
        return push_admin.add_caldav(
            self.runtime.store,
            self.athlete.id,
            url=url,
            username=username,
            password=password,
            calendar=calendar,
            verify=verify,
        )

    def add_garmin_channel(self) -> Channel:
        """Push workouts to the Garmin Connect calendar of the account `auth garmin` connected."""
        return push_admin.add_garmin(self.runtime.store, self.athlete.id)

    def add_google_channel(
        self,
        *,
        client_secrets: Path,
        calendar: str | None = None,
        headless: bool = False,
        ask: Callable[[str], str] | None = None,
    ) -> Channel:
        """Run Google's consent and push to a calendar the app creates."""
        return push_admin.add_google(
            self.runtime.store,
            self.athlete.id,
            client_secrets=client_secrets,
            calendar=calendar,
            headless=headless,
            ask=ask,
        )

    def push_channels(self) -> list[ChannelStatus]:
        """Each channel's kind, target, last push, lag, state and last error."""
        return push_admin.list_channels(self.runtime.store, self.athlete.id)

    def remove_push_channel(self, channel_id: int, *, keep_events: bool = False) -> Removal:
        """Forget a channel; first take off it what was pushed, unless `keep_events`."""
        return push_admin.remove_channel(
            self.runtime.store,
            self.runtime.settings,
            self.athlete.id,
            channel_id,
            keep_events=keep_events,
        )

    def push_sync(self, channel_id: int | None = None) -> list[PushResult]:
        """Push now (one channel, or all), reading back what was deleted remotely."""
        return push_admin.sync(
            self.runtime.store, self.runtime.settings, self.athlete.id, channel_id
        )

    # ------------------------------------------------------------ plan sources

    def add_plan_source(
        self, location: str, *, name: str | None = None
    ) -> tuple[PlanSourceInfo, str]:
        return plan_sources.add_plan_source(self.runtime, self.athlete, location, name=name)

    def plan_sources(self) -> list[PlanSourceInfo]:
        return plan_sources.list_plan_sources(self.runtime, self.athlete)

    def remove_plan_source(self, which: str) -> tuple[str, str]:
        return plan_sources.remove_plan_source(self.runtime, self.athlete, which)

    # ------------------------------------------------------------ the profile

    def profile(self) -> ProfileReport:
        athlete = self.athlete
        return ProfileReport(athlete, profile_edits.estimated_values(self.runtime, athlete))

    def set_profile(self, key: str, value: str) -> ProfileChange:
        """Change one profile value (`profile show` lists the keys), then replan."""
        athlete = self.athlete
        updated = set_profile_value(athlete.profile, key, value)
        if updated == athlete.profile:
            return ProfileChange(False, "")
        note = profile_edits.update_profile(self.runtime, athlete, updated, changed_key=key)
        return ProfileChange(True, note)

    # ------------------------------------------------------------ for the web page

    def training_session(self, session_id: str) -> Session:
        """One of this athlete's sessions by its id; another athlete's is not found."""
        with self.runtime.store.read() as tx:
            found = tx.athlete(self.athlete.id).sessions.get(session_id)
        if found is None:
            raise NotFoundError(f"no session with id {session_id!r}")
        return found

    def history_progress(self) -> HistoryProgress | None:
        """How far the first Strava sync has read; None once it has finished (or no Strava)."""
        return history_progress.history_progress(self.runtime, self.athlete)

    def backfill_resumes_at(self) -> datetime | None:
        """When a backfill paused by the read budget goes on; None: nothing to resume."""
        return history_progress.backfill_resumes_at(self.runtime, self.athlete)

    def load_days(self) -> LoadDays:
        """The days around today with their loads, as the pipeline last stored them."""
        return load_view.load_days(self.runtime, self.athlete)

    def set_profile_values(self, values: dict[str, str]) -> ProfileUpdate:
        """Change several profile values, then replan once."""
        return profile_edits.update_profile_values(self.runtime, self.athlete, values)

    def connections(self) -> dict[str, CredentialInfo | None]:
        return connections.connection_status(self.runtime, self.athlete)

    def connect_strava_with_code(self, code: str, scope: str) -> StravaConnection:
        """Exchange the code Strava gave our own callback."""
        return connections.connect_strava_with_code(self.runtime, self.athlete, code, scope)

    def sign_out_everywhere(self) -> int:
        return web_access.sign_out_everywhere(self.runtime.store, self.athlete.id)

    def sign_in_link(self) -> SignInLink:
        """A link to the web page that signs this athlete in: once, for `web.link_minutes`."""
        return web_access.issue_sign_in_link(self.runtime, self.athlete)
