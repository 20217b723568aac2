"""What `syncsvc status` shows: the state of one athlete's setup, and what needs attention.

`gather_status` returns a typed `StatusReport`; the caller renders it (the
CLI's table and `--json`, later a page). The report says what is, never how it
reads: ages, the store URL with its password hidden and the feed URL are
values, and the front end words them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from syncsvc import clock
from syncsvc.api.day_views import day_views
from syncsvc.api.feed_urls import feed_urls, redact_feed_url
from syncsvc.api.strava_webhook_state import WebhookState, resolve_webhook
from syncsvc.domain import Athlete, DayView, Session, SessionStatus, Source, SyncCursor
from syncsvc.push import admin as push_admin
from syncsvc.push.model import ChannelState, ChannelStatus
from syncsvc.reasons import plain
from syncsvc.runtime import Runtime
from syncsvc.store.feeds import PlanSource
from syncsvc.store.job_stats import read_queue_stats
from syncsvc.store.sync_state import CredentialInfo

if TYPE_CHECKING:
    from syncsvc.store.job_stats import QueueStats
    from syncsvc.store.shared import BudgetState  # its PostgreSQL upserts cost start-up time

PROVIDERS = ("strava", "garmin")
NEXT_SESSIONS = 4
NEXT_SESSIONS_DAYS = 14


@dataclass(frozen=True, slots=True)
class AccountState:
    """One provider's connection; `credential` None when it is not connected."""

    provider: str
    credential: CredentialInfo | None

    @property
    def connected(self) -> bool:
        return self.credential is not None


@dataclass(frozen=True, slots=True)
class StatusReport:
    athlete: Athlete
    now: datetime
    today: date
    store_url: str
    """The store's URL with any password hidden."""
    accounts: tuple[AccountState, ...]
    syncs: tuple[SyncCursor, ...]
    strava_budget: BudgetState
    today_class: DayView | None
    tomorrow_class: DayView | None
    plan_sources: tuple[PlanSource, ...]
    next_sessions: tuple[Session, ...]
    feed_url: str | None
    """The feed's full URL (it holds the secret token); None without a token."""
    jobs: QueueStats | None
    """The distributed engine's queue, when it is in use."""
    push_channels: tuple[ChannelStatus, ...]
    """Each push channel: state, lag and last error (never a password or token)."""
    strava_webhook: WebhookState
    """The webhook's subscription id and verify token in use, and where each came from."""
    attention: tuple[str, ...]
    """What needs the runner's attention, one sentence each, with what to do."""

    @property
    def connected(self) -> tuple[AccountState, ...]:
        return tuple(a for a in self.accounts if a.connected)

    @property
    def redacted_feed_url(self) -> str | None:
        """The feed URL without its token (for JSON, which ends up in logs)."""
        return redact_feed_url(self.feed_url) if self.feed_url else None

    def sync_of(self, source: Source) -> SyncCursor | None:
        return next((s for s in self.syncs if s.source is source), None)


FIX_COMMANDS = {
    "caldav": "syncsvc push add caldav with the same --url and a new --password-file",
    "garmin": "syncsvc auth garmin",
    "google": "syncsvc push add google --client-secrets FILE",
}
"""What reconnects a paused channel of each kind."""


def paused_channel_message(channel: ChannelStatus) -> str:
    """A paused channel: why, that nothing can be removed from it, and the command to fix it."""
    why = channel.last_error or "its password or grant was refused"
    fix = "" if "syncsvc " in why else f"; run {FIX_COMMANDS.get(channel.kind, 'syncsvc push add')}"
    return (
        f"push channel {channel.id} ({channel.kind}) is paused: {why}{fix}. "
        "Nothing can be removed from it remotely until then "
        f"(syncsvc push remove {channel.id} --keep-events forgets it anyway)"
    )


def channel_attention(channel: ChannelStatus) -> str | None:
    """The attention line of a push channel that is not in step, else None."""
    if channel.state == ChannelState.PAUSED:
        return paused_channel_message(channel)
    if channel.state == ChannelState.FAILING:
        return (
            f"push channel {channel.id} ({channel.kind}) is failing: {channel.last_error}; "
            "it retries by itself (syncsvc push sync to try now)"
        )
    return None


def gather_status(runtime: Runtime, athlete: Athlete) -> StatusReport:
    store = runtime.store
    now = clock.now()
    today = clock.today_in(athlete.profile.timezone)
    attention: list[str] = []
    accounts: list[AccountState] = []
    with store.read() as tx:
        scope = tx.athlete(athlete.id)
        for provider in PROVIDERS:
            info = scope.credentials.info(provider)
            accounts.append(AccountState(provider, info))
            if info is not None and info.status != "ok":
                attention.append(
                    f"{provider}: {info.status_message or info.status} "
                    f"(run syncsvc auth {provider})"
                )
        syncs = tuple(scope.cursors.all())
        for cursor in syncs:
            if cursor.last_error:
                attention.append(f"{cursor.source.value} sync: {cursor.last_error}")
        budget = tx.shared.strava_budget(
            now,
            limit_15min=runtime.settings.strava.read_limit_15min,
            limit_day=runtime.settings.strava.read_limit_daily,
        )
        token = scope.feed.active_token()
        upcoming = [
            s
            for s in scope.sessions.all(
                since=today, until=today + timedelta(days=NEXT_SESSIONS_DAYS)
            )
            if s.status is SessionStatus.PLANNED
        ][:NEXT_SESSIONS]
        warned = [s for s in scope.sessions.all(since=today) if s.warnings]
        plan_sources = tuple(scope.plan_sources.all())
        webhook = resolve_webhook(runtime.settings, tx.strava_webhook.read())
    for session in warned:
        for warning in session.warnings:
            attention.append(f"session {session.id} on {session.local_date}: {plain(warning)}")
    for plan_source in plan_sources:
        if plan_source.last_error:
            attention.append(f"plan source {plan_source.name}: {plan_source.last_error}")
    push_channels = tuple(push_admin.list_channels(store, athlete.id))
    for channel in push_channels:
        line = channel_attention(channel)
        if line is not None:
            attention.append(line)
    days = day_views(runtime, athlete) if upcoming or warned else {}
    jobs: QueueStats | None = None
    if runtime.distributed:
        jobs = read_queue_stats(store)
    if not any(a.connected for a in accounts):
        attention.append(
            "no account connected: syncsvc auth strava, syncsvc auth garmin, "
            "or syncsvc import FILES"
        )
    return StatusReport(
        athlete=athlete,
        now=now,
        today=today,
        store_url=make_url(runtime.settings.database_url).render_as_string(hide_password=True),
        accounts=tuple(accounts),
        syncs=syncs,
        strava_budget=budget,
        today_class=days.get(today),
        tomorrow_class=days.get(today + timedelta(days=1)),
        plan_sources=plan_sources,
        next_sessions=tuple(upcoming),
        feed_url=feed_urls(runtime.settings, token)["url"] if token else None,
        jobs=jobs,
        push_channels=push_channels,
        strava_webhook=webhook,
        attention=tuple(attention),
    )
