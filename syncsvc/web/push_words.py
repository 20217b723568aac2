"""A push channel and a push's result in plain words, for the Connections page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from syncsvc.domain import wall_clock
from syncsvc.push.caldav import where_of
from syncsvc.push.model import LABELS, ChannelKind, ChannelState, ChannelStatus, PushResult


@dataclass(frozen=True, slots=True)
class ChannelLine:
    """One push channel as the page says it: plain words, never a password or token."""

    id: int
    kind: str
    name: str
    where: str
    state: str
    said: str
    last_push: str
    error: str


def channel_lines(channels: list[ChannelStatus], timezone: str) -> list[ChannelLine]:
    return [_line(status, timezone) for status in channels]


def _line(status: ChannelStatus, timezone: str) -> ChannelLine:
    kind = ChannelKind(status.kind)
    where = where_of(status.target) if kind is ChannelKind.CALDAV else ""
    return ChannelLine(
        id=status.id,
        kind=kind.value,
        name=LABELS[kind],
        where=status.target if kind is ChannelKind.CALDAV else "",
        state=status.state,
        said=_state_words(status, timezone, where),
        last_push=_when(status.last_success_at, timezone) if status.last_success_at else "never",
        error=status.last_error if status.state != ChannelState.OK else "",
    )


def channel_name(status: ChannelStatus) -> str:
    """ "CalDAV (Fastmail)", "Garmin Connect": what a message calls the channel."""
    kind = ChannelKind(status.kind)
    if kind is ChannelKind.CALDAV:
        return f"{LABELS[kind]} ({where_of(status.target)})"
    return LABELS[kind]


def _state_words(status: ChannelStatus, timezone: str, where: str) -> str:
    if status.state == ChannelState.PAUSED:
        if status.kind == ChannelKind.CALDAV:
            return (
                f"Paused: {where or 'the server'} refused the password. "
                "Add the calendar again below with the new password; it keeps its events."
            )
        return (
            "Paused: Garmin refused the stored login. Disconnect Garmin Connect above, "
            "connect it again, then push to it again below."
        )
    if status.state == ChannelState.FAILING:
        retry = f" at {_when(status.retry_after, timezone)}" if status.retry_after else ""
        return f"The last push failed; it tries again by itself{retry}."
    if status.last_success_at is None:
        return "Not pushed yet: choose Sync now, or the next change to the plan pushes it."
    if status.lag_s >= 1:
        return f"Behind the plan by {_duration(status.lag_s)}; the next push catches up."
    return "Up to date with the plan."


def _when(instant: datetime, timezone: str) -> str:
    local = wall_clock(instant if instant.tzinfo else instant.replace(tzinfo=UTC), timezone)
    return f"{local:%a} {local.day} {local:%b} at {local:%H:%M}"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} seconds"
    if seconds < 7200:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds / 3600:.1f} hours"


def result_words(result: PushResult, name: str) -> str:
    """What a push did, in a sentence for the page's message."""
    counts = result.counts
    written = counts.created + counts.updated + counts.moved + counts.deleted
    if not result.ran or (result.error and not written):
        return f"{name} was not pushed: {result.error or 'it is paused'}."
    said = (
        f"Pushed to {name}: {counts.created} new, {counts.updated + counts.moved} changed, "
        f"{counts.deleted} removed, {counts.unchanged} unchanged."
    )
    if result.skipped_sessions:
        said += f" Deleted by you there, now skipped: {len(result.skipped_sessions)} session(s)."
    if result.error:
        said += f" It did not finish: {result.error}"
    return said
