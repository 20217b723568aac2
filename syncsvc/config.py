"""Settings: a TOML file in the home folder, `SYNCSVC_*` variables, command-line flags.

Precedence: a flag beats the environment, which beats the file, which beats the
defaults. Nested keys use `__` in the environment (`SYNCSVC_STRAVA__CLIENT_ID`).
The ecosystem's own variables are honoured as aliases (`STRAVA_CLIENT_ID`,
`STRAVA_CLIENT_SECRET`, `GARMINTOKENS`), below their `SYNCSVC_*` spelling.
Every key is documented in docs/settings.md.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.sources.utils import parse_env_vars

from syncsvc.errors import ConfigError
from syncsvc.feed.settings import FeedSettings
from syncsvc.home_files import (
    DATABASE_FILE_NAME,
    SETTINGS_FILE_NAME,
    read_settings_file,
    resolve_home,
)
from syncsvc.load.settings import LoadSettings
from syncsvc.planner.settings import PlannerSettings
from syncsvc.sources.settings import MergeSettings
from syncsvc.web.settings import WebSettings

ENVIRONMENT_ALIASES: Mapping[str, tuple[str, str]] = {
    "STRAVA_CLIENT_ID": ("strava", "client_id"),
    "STRAVA_CLIENT_SECRET": ("strava", "client_secret"),
    "GARMINTOKENS": ("garmin", "tokens"),
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StoreSettings(_Section):
    url: str | None = None
    """SQLAlchemy URL; empty means the SQLite file `syncsvc.db` in the home folder."""
    busy_timeout_ms: int = Field(10_000, ge=0)


class StravaSettings(_Section):
    client_id: str | None = None
    client_secret: SecretStr | None = None
    webhook_verify_token: SecretStr | None = None
    subscription_id: int | None = None
    page_size: int = Field(200, ge=1, le=200)
    cursor_overlap_s: int = Field(3600, ge=0)
    refresh_margin_s: int = Field(300, ge=0)
    read_limit_15min: int = Field(100, ge=1)
    read_limit_daily: int = Field(1000, ge=1)
    budget_reserve: int = Field(5, ge=0)
    """Reads kept back from the budget for webhook-announced work."""
    poll_hours: float = Field(6.0, gt=0)
    retries: int = Field(4, ge=0, le=10)
    retry_wait_s: float = Field(1.0, ge=0)
    """First backoff before retrying a 5xx or a connection error (doubles, with jitter)."""
    retry_wait_max_s: float = Field(30.0, ge=0)
    redirect_port: int = Field(0, ge=0, le=65535)
    """Port of the temporary 127.0.0.1 redirect server in `auth strava` (0: any free port)."""
    webhook_events_per_day: int = Field(30, ge=1)
    """Webhook events stored per athlete per UTC day; beyond it they are dropped (counted),
    and one catch-up sync of the athlete's activity list is scheduled instead."""


class GarminSettings(_Section):
    tokens: str | None = None
    """A garminconnect token folder or its JSON (`GARMINTOKENS`)."""
    page_size: int = Field(1000, ge=1, le=1000)
    poll_minutes: int = Field(30, ge=5)
    retries: int = Field(3, ge=0, le=10)
    incremental_page_size: int = Field(50, ge=1, le=1000)
    """Page size of an incremental sync (newest first); a backfill uses `page_size`."""
    cursor_overlap_s: int = Field(3600, ge=0)
    retry_wait_s: float = Field(1.0, ge=0)
    retry_wait_max_s: float = Field(30.0, ge=0)


class ServiceSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8765, ge=1, le=65535)
    public_url: str | None = None
    """Base URL the feed is reached at (https://...), used in printed feed URLs."""
    log_json: bool = False
    webhook_coalesce_s: float = Field(3.0, ge=0)
    mode: Literal["single", "web", "worker"] = "single"
    plan_source_refresh_hours: float = Field(6.0, gt=0)
    webhook_answer_s: float = Field(1.5, gt=0, le=1.9)
    """How long a webhook POST waits for its event to be stored before answering anyway."""
    workers: int = Field(2, ge=1, le=32)
    """Job worker threads of the in-process engine (refreshes of different athletes)."""
    http_workers: int = Field(1, ge=1, le=32)
    """HTTP processes of `serve --web-only` sharing its port (docs/settings.md: how many)."""
    replan_processes: int = Field(0, ge=0, le=64)
    """Processes of a replan of every athlete (`replan --all`); 0: one per CPU, per 100 athletes."""
    shutdown_grace_s: float = Field(20.0, ge=0)
    """On SIGTERM, how long the running jobs may take to finish before they are abandoned."""
    midnight_tick_minutes: int = Field(15, ge=1, le=60)
    pending_tick_minutes: int = Field(5, ge=1)
    token_tick_minutes: int = Field(10, ge=1)
    token_refresh_ahead_s: int = Field(1800, ge=0)
    misfire_grace_s: int = Field(300, ge=1)
    history_keep_days: int = Field(30, ge=2)
    """Webhook events and pipeline-run records older than this are forgotten (daily cleanup)."""
    job_attempts: int = Field(3, ge=1, le=10)
    """Distributed engine: attempts of a failed refresh or replan, the first included."""
    job_retry_wait_s: float = Field(5.0, ge=0, le=300)
    """Distributed engine: wait before the first retry; it doubles at each further one."""
    heartbeat_s: float = Field(10.0, gt=0)
    """Distributed engine: how often a worker tells PostgreSQL it is alive."""
    stalled_after_s: float = Field(60.0, ge=5)
    """Distributed engine: a worker silent this long is dead; its running jobs are retried."""
    body_limit_webhook_bytes: int = Field(16384, ge=1024)
    """Largest body Strava's webhook POST takes (a real event is a few hundred bytes)."""
    body_limit_default_bytes: int = Field(4096, ge=0)
    """Largest body any other route takes (they are all GETs)."""
    body_read_s: float = Field(10.0, gt=0)
    """A request body must arrive within this long, or the answer is 408."""
    access_log: bool = True
    """uvicorn logs every request (feed tokens redacted); off when the reverse proxy logs them."""
    keep_alive_s: int = Field(5, ge=1)
    """uvicorn closes an idle keep-alive connection after this long."""
    max_connections: int = Field(200, ge=1)
    """uvicorn answers 503 beyond this many concurrent connections and tasks."""
    max_header_bytes: int = Field(16384, ge=1024)
    """Largest request head (request line and headers) uvicorn buffers."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SYNCSVC_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    home: Path
    uid_host: str = "syncsvc.invalid"
    """Host name in calendar UIDs; read only when a store is created, then fixed."""
    log_level: Literal["debug", "info", "warning", "error"] = "warning"
    store: StoreSettings = StoreSettings()
    strava: StravaSettings = StravaSettings()
    garmin: GarminSettings = GarminSettings()
    service: ServiceSettings = ServiceSettings()
    load: LoadSettings = LoadSettings()
    planner: PlannerSettings = PlannerSettings()
    feed: FeedSettings = FeedSettings()
    merge: MergeSettings = MergeSettings()
    web: WebSettings = WebSettings()

    @property
    def database_url(self) -> str:
        if self.store.url:
            return self.store.url
        return f"sqlite+pysqlite:///{self.sqlite_path}"

    @property
    def sqlite_path(self) -> Path | None:
        if self.store.url and not self.store.url.startswith("sqlite"):
            return None
        if self.store.url:
            return Path(self.store.url.split(":///", 1)[1])
        return self.home / DATABASE_FILE_NAME

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            _EnvironmentSource(settings_cls),
            _PreloadedSource(settings_cls, "aliases"),
            _PreloadedSource(settings_cls, "file"),
        )


_preloaded: ContextVar[dict[str, dict[str, Any]]] = ContextVar("syncsvc_settings_layers")


class _PreloadedSource(PydanticBaseSettingsSource):
    """A layer read before validation (the TOML file, the alias variables)."""

    def __init__(self, settings_cls: type[BaseSettings], layer: str) -> None:
        super().__init__(settings_cls)
        self.layer = layer

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # pragma: no cover - __call__ is used instead

    def __call__(self) -> dict[str, Any]:
        return _preloaded.get({}).get(self.layer, {})


class _EnvironmentSource(EnvSettingsSource):
    """`SYNCSVC_*` variables from the mapping `load_settings` was given (os.environ by default)."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        given: Mapping[str, str] | None = _preloaded.get({}).get("environ")
        environ: Mapping[str, str] = os.environ if given is None else given
        return parse_env_vars(
            environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )


def _alias_values(environ: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {}
    for variable, (section, key) in ENVIRONMENT_ALIASES.items():
        if environ.get(variable):
            values.setdefault(section, {})[key] = environ[variable]
    return values


def set_in_environment(section: str, key: str, environ: Mapping[str, str] | None = None) -> bool:
    """`SYNCSVC_<SECTION>__<KEY>` (any case, as pydantic-settings reads it) or its alias is set.

    The environment beats the settings file, so a key set here took its value from it:
    `syncsvc status` says where a value in use came from.
    """
    environ = os.environ if environ is None else environ
    wanted = f"syncsvc_{section}__{key}"
    if any(name.lower() == wanted and value for name, value in environ.items()):
        return True
    return any(
        environ.get(variable) and target == (section, key)
        for variable, target in ENVIRONMENT_ALIASES.items()
    )


def load_settings(
    *,
    home: Path | None = None,
    config_file: Path | None = None,
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read every layer and validate; a bad value gives one ConfigError line."""
    environ = os.environ if environ is None else environ
    resolved_home = resolve_home(home, environ)
    explicit = config_file or (
        Path(environ["SYNCSVC_CONFIG"]) if environ.get("SYNCSVC_CONFIG") else None
    )
    if explicit is not None and not explicit.exists():
        raise ConfigError(f"settings file {explicit} does not exist")
    settings_path = explicit or resolved_home / SETTINGS_FILE_NAME
    file_values = read_settings_file(settings_path)
    token = _preloaded.set(
        {"file": file_values, "aliases": _alias_values(environ), "environ": dict(environ)}
    )
    try:
        return Settings(home=resolved_home, **dict(flags or {}))
    except ValidationError as error:
        raise ConfigError(_describe_validation_error(error, settings_path)) from None
    finally:
        _preloaded.reset(token)


def _describe_validation_error(error: ValidationError, settings_path: Path) -> str:
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        return f"unknown setting {location!r} (in {settings_path} or a SYNCSVC_ variable)"
    origin = f"from {settings_path}, SYNCSVC_ variables or flags"
    return f"bad setting {location}: {first['msg']} ({origin})"
