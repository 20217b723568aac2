"""What a runner can do with push channels: add, list, remove, sync. The CLI and the API call these.

Every function takes the store and settings and returns typed values; nothing
here renders. `list_channels` never returns a password or token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from syncsvc import clock
from syncsvc.config import Settings
from syncsvc.errors import AuthError, NotFoundError, UsageError
from syncsvc.push.caldav import DEFAULT_CALENDAR
from syncsvc.push.dav import CalDavClient
from syncsvc.push.engine import connect, lag, next_attempt_at, push_all, push_channel
from syncsvc.push.google import authorise
from syncsvc.push.model import (
    ChannelAuthError,
    ChannelKind,
    ChannelState,
    ChannelStatus,
    ChannelUnavailable,
    EntryState,
    PushResult,
    RemoteGone,
)
from syncsvc.store.database import Store
from syncsvc.store.push import Channel


def _clean_url(url: str) -> str:
    """The URL as shown and stored as the target: no user or password in it."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UsageError(f"not a CalDAV URL: {url!r}", hint="give https://host/path/")
    if parts.username or parts.password:
        raise UsageError(
            "put the username in --username and the password in --password-file, not in the URL"
        )
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


def read_password_file(path: Path) -> str:
    try:
        password = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise UsageError(f"cannot read the password file {path}: {error.strerror}") from None
    if not password:
        raise UsageError(f"the password file {path} is empty")
    return password


def add_caldav(
    store: Store,
    athlete_id: int,
    *,
    url: str,
    username: str,
    password: str,
    calendar: str | None = None,
    verify: bool = False,
) -> Channel:
    """Add a CalDAV calendar (or give an existing one a new password). No event is sent yet.

    `verify` first logs in and finds (or makes) the calendar, so a wrong URL or
    password is refused before anything is stored; the web page's form does that,
    as the runner is there to correct it.
    """
    if not username:
        raise UsageError("a CalDAV channel needs --username")
    target = _clean_url(url)
    if verify:
        check_caldav(target, username, password, calendar or DEFAULT_CALENDAR)
    options: dict[str, Any] = {"username": username}
    if calendar:
        options["calendar"] = calendar
    with store.write() as tx:
        return tx.athlete(athlete_id).push.add_channel(
            ChannelKind.CALDAV, target, options=options, secret={"password": password}
        )


NOTHING_STORED = "nothing was stored; the CLI's --no-verify stores it without logging in"


def check_caldav(url: str, username: str, password: str, calendar: str) -> None:
    """Log in and find the calendar (made if missing); raise what the server refused."""
    client = CalDavClient(url, username, password)
    try:
        client.discover(calendar)
    except (ChannelAuthError, ChannelUnavailable) as error:  # not a push: nothing retries
        raise type(error)(error.message, hint=NOTHING_STORED) from None
    except RemoteGone:
        raise ChannelUnavailable(
            f"there is no CalDAV account at {url}",
            hint="check the address: the server, your DAV root, or a calendar",
        ) from None
    finally:
        client.close()


def add_garmin(store: Store, athlete_id: int) -> Channel:
    """Add the Garmin Connect workout calendar of the account `auth garmin` connected."""
    with store.write() as tx:
        scope = tx.athlete(athlete_id)
        if scope.credentials.info("garmin") is None:
            raise AuthError("Garmin Connect is not connected", hint="run syncsvc auth garmin first")
        return scope.push.add_channel(ChannelKind.GARMIN, "Garmin Connect calendar")


def add_google(
    store: Store,
    athlete_id: int,
    *,
    client_secrets: Path,
    calendar: str | None = None,
    headless: bool = False,
    ask: Callable[[str], str] | None = None,
) -> Channel:
    """Run Google's installed-app consent and add a calendar the app creates itself."""
    grant = authorise(client_secrets, headless=headless, ask=ask)
    options: dict[str, Any] = {}
    if calendar:
        options["calendar"] = calendar
    with store.write() as tx:
        return tx.athlete(athlete_id).push.add_channel(
            ChannelKind.GOOGLE, calendar or "Google Calendar", options=options, secret=grant
        )


def note_plan_changed(store: Store, athlete_id: int) -> list[int]:
    """The pipeline changed the plan: every channel lags from now until it pushes.

    Returns the channels to enqueue one push job each for (paused ones wait
    for the runner to reconnect them).
    """
    with store.write() as tx:
        push = tx.athlete(athlete_id).push
        push.note_plan_changed(clock.now())
        return [c.id for c in push.channels() if c.state != ChannelState.PAUSED]


def run_push_job(
    store: Store, settings: Settings, athlete_id: int, channel_id: int, *, http: Any = None
) -> PushResult:
    """One push job of the job layer: skipped (ran=False) while a failing channel backs off."""
    with store.read() as tx:
        channel = tx.athlete(athlete_id).push.channel(channel_id)
    if channel is None:
        raise NotFoundError(f"no push channel {channel_id}")
    retry = next_attempt_at(channel)
    if retry is not None and retry > clock.now():
        return PushResult(
            channel.id,
            channel.kind,
            ChannelState(channel.state),
            error=channel.last_error,
            ran=False,
        )
    return push_channel(store, settings, athlete_id, channel_id, http=http)


def lagging_channels(store: Store) -> list[tuple[int, int]]:
    """(athlete id, channel id) of every channel behind the plan that may be pushed now.

    Paused channels and channels backing off are left out. The service's
    minute tick enqueues these: a plan changed by a CLI command, or a push job
    lost with a stopped process, still reaches the calendar.
    """
    now = clock.now()
    found: list[tuple[int, int]] = []
    with store.read() as tx:
        behind = tx.athlete_set(None).push_channels_behind()
    for athlete_id, channel in behind:
        if channel.state == ChannelState.PAUSED:
            continue
        retry = next_attempt_at(channel)
        if retry is None or retry <= now:
            found.append((athlete_id, channel.id))
    return found


def daily_push(store: Store, settings: Settings) -> list[PushResult]:
    """Once a day, every channel of every athlete, with a read: rolls the Garmin window on."""
    with store.read() as tx:
        athletes = [athlete.id for athlete in tx.athletes.all()]
    results: list[PushResult] = []
    for athlete_id in athletes:
        results += push_all(store, settings, athlete_id, force_read=True)
    return results


def all_channel_statuses(store: Store) -> list[tuple[int, ChannelStatus]]:
    """Every athlete's channels, for /metrics and the service status: two queries in all,
    whatever the number of athletes (a scrape comes every few seconds)."""
    return channel_statuses(store, None)


def list_channels(store: Store, athlete_id: int) -> list[ChannelStatus]:
    return [status for _, status in channel_statuses(store, [athlete_id])]


def channel_statuses(
    store: Store, athlete_ids: list[int] | None
) -> list[tuple[int, ChannelStatus]]:
    """(athlete id, status) of some athletes' channels (None: everyone's), by athlete id."""
    now = clock.now()
    with store.read() as tx:
        athletes = tx.athlete_set(athlete_ids)
        channels = athletes.push_channels()
        counts = athletes.push_ledger_counts(EntryState.PUSHED.value)
    return [
        (
            athlete_id,
            ChannelStatus(
                id=c.id,
                kind=c.kind,
                target=c.target,
                state=c.state,
                last_push_at=c.last_push_at,
                last_success_at=c.last_success_at,
                lag_s=lag(c, now).total_seconds(),
                last_error=c.last_error,
                sessions=counts.get(c.id, 0),
                retry_after=next_attempt_at(c),
            ),
        )
        for athlete_id in sorted(channels)
        for c in channels[athlete_id]
    ]


@dataclass(frozen=True, slots=True)
class Removal:
    channel_id: int
    removed_remote: int
    kept_remote: bool
    error: str = ""


def remove_channel(
    store: Store,
    settings: Settings,
    athlete_id: int,
    channel_id: int,
    *,
    keep_events: bool = False,
    http: Any = None,
) -> Removal:
    """Forget a channel; first take off it what syncsvc put there, unless told to keep it.

    A paused channel (refused password or grant) cannot be cleaned remotely:
    it is refused with a message, and `--keep-events` forgets it anyway.
    """
    with store.read() as tx:
        channel = tx.athlete(athlete_id).push.channel(channel_id)
    if channel is None:
        raise NotFoundError(f"no push channel {channel_id}", hint="see syncsvc push list")
    removed = 0
    if not keep_events:
        removed = _take_down(store, settings, athlete_id, channel, http)
    with store.write() as tx:
        tx.athlete(athlete_id).push.remove_channel(channel_id)
    return Removal(channel_id, removed, keep_events)


def _take_down(
    store: Store, settings: Settings, athlete_id: int, channel: Channel, http: Any
) -> int:

    if channel.state == "paused":
        raise AuthError(
            f"push channel {channel.id} is paused ({channel.last_error}); "
            "nothing can be removed from it now",
            hint=f"reconnect it, or run syncsvc push remove {channel.id} --keep-events",
        )
    with store.read() as tx:
        athlete = tx.athletes.by_id(athlete_id)
        entries = [
            e
            for e in tx.athlete(athlete_id).push.ledger(channel.id)
            if e.state in (EntryState.PUSHED, EntryState.PENDING) and e.remote_id
        ]
    if athlete is None:
        raise NotFoundError("no such athlete")
    remote = connect(store, settings, athlete, channel, http)
    try:
        remote.prepare(dict(channel.remote))
        for entry in entries:
            remote.delete(entry)
    finally:
        remote.close()
    return len(entries)


def sync(
    store: Store,
    settings: Settings,
    athlete_id: int,
    channel_id: int | None = None,
    *,
    http: Any = None,
) -> list[PushResult]:
    """Push now: one channel, or all of them (paused ones report why they wait)."""
    if channel_id is None:
        return push_all(store, settings, athlete_id, force=True, force_read=True, http=http)
    return [push_channel(store, settings, athlete_id, channel_id, force_read=True, http=http)]


def remove_athlete_channels(store: Store, settings: Settings, athlete_id: int) -> list[Removal]:
    """`athlete remove`: take down what every channel holds (best effort), then forget them."""
    with store.read() as tx:
        channels = tx.athlete(athlete_id).push.channels()
    removals = []
    for channel in channels:
        try:
            removals.append(remove_channel(store, settings, athlete_id, channel.id))
        except Exception as error:  # the athlete goes anyway; say what stayed behind
            with store.write() as tx:
                tx.athlete(athlete_id).push.remove_channel(channel.id)
            removals.append(Removal(channel.id, 0, True, str(error)))
    return removals
