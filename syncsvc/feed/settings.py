"""Settings of the calendar feed (mounted at `settings.feed`).

Documented in docs/settings.md (a test keeps every key there).
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator


class FeedSettings(BaseModel):
    """How the iCalendar feed is rendered and served."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    refresh_interval: timedelta = timedelta(hours=1)
    """REFRESH-INTERVAL and X-PUBLISHED-TTL: how often clients should poll."""

    all_day: bool = False
    """Sessions as all-day events instead of at the preferred time."""

    alarm: bool = False
    """Add a VALARM to each planned session (most subscribing clients drop it)."""

    alarm_minutes_before: int = Field(default=30, ge=0, le=24 * 60)

    session_url_base: str | None = None
    """e.g. "https://coach.example.org/sessions": URL = base + "/" + session id."""

    mobility_events: bool = True
    """Rest-day mobility and breathing blocks (W6) as all-day, free events."""

    running_load_line: bool = False
    """A daily all-day "Running load" line with the day's load and class."""

    window_past_days: int = Field(default=28, ge=0)
    """How far back the feed reaches (the plan's horizon bounds it ahead)."""

    cancelled_retention_days: int = Field(default=14, ge=0)
    """How long a removed or skipped session stays as STATUS:CANCELLED."""

    calendar_name: str = "Core & hip: {athlete}"
    """NAME and X-WR-CALNAME; `{athlete}` is replaced by the athlete's name."""

    cache_control: str = "private, max-age=300"
    """HTTP Cache-Control of the feed: the URL holds a secret, so no shared caches."""

    token_status_ttl_s: float = Field(default=5.0, ge=0.0, le=5.0)
    """How long a web process may trust a token's status (410 within 5 s of a rotation)."""

    stale_on_error_s: float = Field(default=3600.0, ge=0.0)
    """When the store cannot be read, answer from a lookup at most this old (feed, 410 or 404)."""

    @field_validator("refresh_interval")
    @classmethod
    def _positive_interval(cls, value: timedelta) -> timedelta:
        if value < timedelta(minutes=1):
            raise ValueError("refresh_interval must be at least one minute")
        return value

    @field_validator("session_url_base")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("https://", "http://")):
            raise ValueError("session_url_base must start with https:// or http://")
        return value.rstrip("/")
