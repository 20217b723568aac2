"""The tables. Every table that holds an athlete's data carries `athlete_id`.

Two tables are store-wide by nature and hold no athlete data: `store_meta` (the
UID host name fixed at creation, Strava's webhook subscription, ...) and
`strava_budget` (Strava's limits are per application, shared by every athlete).

Types are chosen to read the same on SQLite and PostgreSQL: instants are stored
as timezone-aware `DateTime` (UTC), calendar days as `Date`, wall-clock times as
"HH:MM" strings, structured extras as JSON text.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from syncsvc.store.types import UtcDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _athlete_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)


class StoreMeta(Base):
    __tablename__ = "store_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AthleteRow(Base):
    __tablename__ = "athletes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    profile_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CredentialRow(Base):
    """OAuth tokens and session tokens, encrypted with the store's secret key."""

    __tablename__ = "credentials"
    __table_args__ = (UniqueConstraint("athlete_id", "provider"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    athlete_id: Mapped[int] = _athlete_fk()
    provider: Mapped[str] = mapped_column(String(32))
    provider_user_id: Mapped[str | None] = mapped_column(String(64), index=True)
    scope: Mapped[str] = mapped_column(String(200), default="")
    secret_enc: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(32), default="ok")
    status_message: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ActivityRow(Base):
    """One source record; merged duplicates point at their group's winner."""

    __tablename__ = "activities"
    __table_args__ = (
        UniqueConstraint("athlete_id", "source", "source_id"),
        Index("ix_activities_athlete_start", "athlete_id", "start_utc"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    athlete_id: Mapped[int] = _athlete_fk()
    source: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[str] = mapped_column(String(128))
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("activities.id", ondelete="SET NULL"), index=True
    )
    never_merge: Mapped[bool] = mapped_column(Boolean, default=False)
    start_utc: Mapped[datetime] = mapped_column(UtcDateTime())
    utc_offset_s: Mapped[int] = mapped_column(Integer, default=0)
    timezone: Mapped[str | None] = mapped_column(String(64))
    local_date: Mapped[date] = mapped_column(Date)
    sport: Mapped[str] = mapped_column(String(16))
    sport_raw: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text, default="")
    distance_m: Mapped[float | None] = mapped_column(Float)
    moving_s: Mapped[float | None] = mapped_column(Float)
    elapsed_s: Mapped[float | None] = mapped_column(Float)
    avg_hr: Mapped[float | None] = mapped_column(Float)
    max_hr: Mapped[float | None] = mapped_column(Float)
    elevation_gain_m: Mapped[float | None] = mapped_column(Float)
    is_race: Mapped[bool] = mapped_column(Boolean, default=False)
    workout_type: Mapped[int | None] = mapped_column(Integer)
    external_id: Mapped[str | None] = mapped_column(String(200))
    device_load: Mapped[float | None] = mapped_column(Float)
    suffer_score: Mapped[float | None] = mapped_column(Float)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    raw_json: Mapped[str] = mapped_column(Text, default="null")
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SkippedRecordRow(Base):
    """A record a source sent that could not be normalised, kept raw for a later look."""

    __tablename__ = "skipped_records"
    __table_args__ = (UniqueConstraint("athlete_id", "source", "source_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    athlete_id: Mapped[int] = _athlete_fk()
    source: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[str] = mapped_column(String(128))
    problem: Mapped[str] = mapped_column(Text)
    raw_json: Mapped[str] = mapped_column(Text)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SyncCursorRow(Base):
    __tablename__ = "sync_cursors"

    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    newest_start_utc: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    full_sync_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class SessionRow(Base):
    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_athlete_date", "athlete_id", "local_date"),)

    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    local_date: Mapped[date] = mapped_column(Date)
    start_time: Mapped[str] = mapped_column(String(5))
    minutes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    origin: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=0)
    content_json: Mapped[str] = mapped_column(Text, default="null")
    reasons_json: Mapped[str] = mapped_column(Text, default="[]")
    warnings_json: Mapped[str] = mapped_column(Text, default="[]")
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    rpe: Mapped[int | None] = mapped_column(Integer)
    outcome_note: Mapped[str] = mapped_column(Text, default="")


class PlanStateRow(Base):
    """Plan-wide extras: week notes and rest-day mobility blocks (W6)."""

    __tablename__ = "plan_state"

    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True
    )
    notes_json: Mapped[str] = mapped_column(Text, default="[]")
    mobility_json: Mapped[str] = mapped_column(Text, default="[]")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DayClassRow(Base):
    """Each day's running class around today, as the pipeline last computed it.

    Derived data (the activities are the truth), kept so that `plan`, `today`
    and `status` show the day classes without loading the load model.
    """

    __tablename__ = "day_classes"

    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    day_class: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    class_source: Mapped[str] = mapped_column(String(16))
    forecast: Mapped[bool] = mapped_column(Boolean)
    load: Mapped[float] = mapped_column(Float)
    distance_m: Mapped[float] = mapped_column(Float, default=0.0)
    atl: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    ctl: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    acwr: Mapped[float | None] = mapped_column(Float, nullable=True)


class OverrideRow(Base):
    """Append-only log of the runner's manual decisions."""

    __tablename__ = "overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    athlete_id: Mapped[int] = _athlete_fk()
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    action: Mapped[str] = mapped_column(String(16))
    session_id: Mapped[str | None] = mapped_column(String(32))
    local_date: Mapped[date | None] = mapped_column(Date)
    start_time: Mapped[str | None] = mapped_column(String(5))
    kind: Mapped[str | None] = mapped_column(String(8))
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    broken_rules_json: Mapped[str] = mapped_column(Text, default="[]")
    rpe: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str] = mapped_column(String(16), default="cli")


class CheckInRow(Base):
    """Append-only log of low-back check-ins (P4) and sore exercises (P5)."""

    __tablename__ = "checkins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    athlete_id: Mapped[int] = _athlete_fk()
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    back_score: Mapped[int] = mapped_column(Integer)
    sore_json: Mapped[str] = mapped_column(Text, default="[]")
    note: Mapped[str] = mapped_column(Text, default="")


class FeedTokenRow(Base):
    """Feed tokens: found by SHA-256 hash, kept encrypted so the URL can be shown again."""

    __tablename__ = "feed_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    athlete_id: Mapped[int] = _athlete_fk()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class FeedRow(Base):
    """The last good rendering of an athlete's feed, served as is."""

    __tablename__ = "feeds"

    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True
    )
    body: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str] = mapped_column(String(80))
    plan_version: Mapped[str] = mapped_column(String(80))
    rendered_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PlanSourceRow(Base):
    """An imported training plan (iCalendar URL or file), re-read on replans."""

    __tablename__ = "plan_sources"
    __table_args__ = (UniqueConstraint("athlete_id", "location"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    athlete_id: Mapped[int] = _athlete_fk()
    location: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_read_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[bytes | None] = mapped_column(LargeBinary)


class PipelineRunRow(Base):
    """What each refresh did: counts, sessions moved and why, duration."""

    __tablename__ = "pipeline_runs"
    __table_args__ = (Index("ix_pipeline_runs_athlete_started", "athlete_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    athlete_id: Mapped[int] = _athlete_fk()
    trigger: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16))
    summary_json: Mapped[str] = mapped_column(Text, default="{}")


class PendingFetchRow(Base):
    """Strava work left waiting for rate-limit budget; picked up when budget returns."""

    __tablename__ = "pending_fetches"
    __table_args__ = (UniqueConstraint("athlete_id", "source", "object_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    athlete_id: Mapped[int] = _athlete_fk()
    source: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    announcements: Mapped[int] = mapped_column(Integer, default=1)
    """How often this work was announced; a fetch that began before the last one keeps the row."""


class WebhookEventRow(Base):
    """Strava webhook deliveries seen, so a duplicate delivery changes nothing."""

    __tablename__ = "webhook_events"
    __table_args__ = (
        UniqueConstraint("athlete_id", "object_type", "object_id", "aspect_type", "event_time"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    athlete_id: Mapped[int] = _athlete_fk()
    object_type: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[str] = mapped_column(String(64))
    aspect_type: Mapped[str] = mapped_column(String(16))
    event_time: Mapped[int] = mapped_column(BigInteger)
    """Unix seconds; 64-bit, so events still fit after 2038."""
    updates_json: Mapped[str] = mapped_column(Text, default="{}")
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class StravaBudgetRow(Base):
    """Strava's per-application read budget, one row per window ("15min", "day")."""

    __tablename__ = "strava_budget"

    window: Mapped[str] = mapped_column(String(16), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UtcDateTime())
    used: Mapped[int] = mapped_column(Integer, default=0)
    limit: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class UserRow(Base):
    """A person who signs in to the web page: a role, and at most one athlete of their own.

    A single runner's installation has one user, linked to its athlete. Roles
    other than "athlete" (coach, admin) are for the clubs work and may have no
    athlete.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    role: Mapped[str] = mapped_column(String(16), default="athlete")
    athlete_id: Mapped[int | None] = mapped_column(
        ForeignKey("athletes.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WebSessionRow(Base):
    """A signed-in browser: found by the SHA-256 of its cookie, never by the cookie itself."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class SignInLinkRow(Base):
    """A single-use sign-in link, kept hashed; `used_at` is set on first use."""

    __tablename__ = "sign_in_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class OAuthStateRow(Base):
    """An OAuth `state` handed to a provider, kept hashed, taken once by the callback.

    `user_id` is null for a sign-up (the clubs work): nobody is signed in yet.
    """

    __tablename__ = "oauth_states"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


ATHLETE_TABLES = tuple(
    table
    for table in Base.metadata.sorted_tables
    if "athlete_id" in table.c and table.name != "athletes"
)
"""Every table holding athlete data, in dependency order (for export and copy)."""


class PushChannelRow(Base):
    """A push channel (CalDAV, Garmin, Google): where sessions are written, and how it went.

    `target` is what the runner reads in `push list` (a URL without credentials,
    a calendar name); `secret_enc` holds the password or OAuth grant, encrypted
    like the other tokens; `remote_json` what the channel learnt about its
    remote side (a calendar href, a ctag, a sync token), never a secret.
    """

    __tablename__ = "push_channels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    athlete_id: Mapped[int] = _athlete_fk()
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(Text)
    options_json: Mapped[str] = mapped_column(Text, default="{}")
    remote_json: Mapped[str] = mapped_column(Text, default="{}")
    secret_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(16), default="ok")
    last_error: Mapped[str] = mapped_column(Text, default="")
    failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_push_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_read_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    plan_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class PushLedgerRow(Base):
    """What one channel holds for one session: its remote id, etag, hash and SEQUENCE."""

    __tablename__ = "push_ledger"

    channel_id: Mapped[int] = mapped_column(
        ForeignKey("push_channels.id", ondelete="CASCADE"), primary_key=True
    )
    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    athlete_id: Mapped[int] = _athlete_fk()
    remote_id: Mapped[str] = mapped_column(Text, default="")
    etag: Mapped[str] = mapped_column(String(200), default="")
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    local_date: Mapped[date | None] = mapped_column(Date)
    extra_json: Mapped[str] = mapped_column(Text, default="{}")
    state: Mapped[str] = mapped_column(String(16), default="pending")
    last_result: Mapped[str] = mapped_column(Text, default="")
    pushed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
