"""The one read path of `plan` and `today`, for every front end.

What the pipeline stored (the plan, the override log, the day classes) is read
with the stdlib `sqlite3` on the SQLite default (`store/plan_reads.py`), with the
few settings it needs read here without pydantic-settings: a `syncsvc plan`
loads neither SQLAlchemy's ORM nor the settings model nor pandas.

A front door: when that read cannot stand in for the full one (PostgreSQL or the
distributed engine, a store of another schema revision, day classes stale since
midnight, an athlete not plainly there), `plan` falls back to the store through
SQLAlchemy and the pipeline's day classes, imported only then. Both ways build
the view with `plan_view.build_plan_view`, so they show the same thing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syncsvc import clock
from syncsvc.api.plan_view import PlanView, SessionView, build_plan_view, next_session
from syncsvc.domain import Athlete, DayView
from syncsvc.home_files import (
    DATABASE_FILE_NAME,
    SETTINGS_FILE_NAME,
    read_settings_file,
    resolve_home,
)
from syncsvc.store.plan_reads import open_sqlite, read_stored_plan, resolve_athlete

if TYPE_CHECKING:
    from syncsvc.config import Settings
    from syncsvc.runtime import Runtime

_HORIZON_DEFAULT = 2
_BUSY_TIMEOUT_DEFAULT = 10_000
_SECTIONS = ("store", "service", "planner")


@dataclass(frozen=True, slots=True)
class ReadSettings:
    """The settings the plan read needs; `sqlite_path` None means the full path."""

    sqlite_path: Path | None
    horizon_weeks: int
    busy_timeout_ms: int

    @classmethod
    def of(cls, settings: Settings) -> ReadSettings:
        distributed = settings.service.mode != "single"
        return cls(
            None if distributed else settings.sqlite_path,
            settings.planner.horizon_weeks,
            settings.store.busy_timeout_ms,
        )


def _integer(value: Any, low: int, high: int | None) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if type(value) is not int or value < low or (high is not None and value > high):
        return None
    return value


def read_settings(
    home: Path | None, config_file: Path | None, environ: Mapping[str, str] | None = None
) -> ReadSettings | None:
    """The few settings of the plan read, as `config.load_settings` would give them;
    None when they are not plain enough to read without it (it then says what is wrong)."""
    environ = os.environ if environ is None else environ
    upper = {key.upper(): value for key, value in environ.items()}
    if any(f"SYNCSVC_{section.upper()}" in upper for section in _SECTIONS):
        return None  # a whole section as JSON: the settings model reads that
    resolved = resolve_home(home, environ)
    explicit = config_file or (
        Path(environ["SYNCSVC_CONFIG"]) if environ.get("SYNCSVC_CONFIG") else None
    )
    if explicit is not None and not explicit.exists():
        return None
    try:
        file = read_settings_file(explicit or resolved / SETTINGS_FILE_NAME)
    except Exception:  # a file the settings model will reject, with its reason
        return None
    if any(not isinstance(file.get(section, {}), dict) for section in _SECTIONS):
        return None

    def value(section: str, key: str, default: Any) -> Any:
        variable = f"SYNCSVC_{section.upper()}__{key.upper()}"
        if variable in upper:
            return upper[variable]
        return file.get(section, {}).get(key, default)

    url, mode = value("store", "url", None), value("service", "mode", "single")
    horizon = _integer(value("planner", "horizon_weeks", _HORIZON_DEFAULT), 1, 8)
    busy = _integer(value("store", "busy_timeout_ms", _BUSY_TIMEOUT_DEFAULT), 0, None)
    if horizon is None or busy is None or mode != "single":
        return None
    if url:
        if not isinstance(url, str) or not url.startswith("sqlite") or ":///" not in url:
            return None
        return ReadSettings(Path(url.split(":///", 1)[1]), horizon, busy)
    return ReadSettings(resolved / DATABASE_FILE_NAME, horizon, busy)


def stored_view(
    settings: ReadSettings,
    athlete: Athlete | str | None,
    *,
    weeks: int | None = None,
    past_days: int = 7,
) -> PlanView | None:
    """The plan view read with `sqlite3`, or None when the full path must read it."""
    if settings.sqlite_path is None:
        return None
    with open_sqlite(settings.sqlite_path, busy_timeout_ms=settings.busy_timeout_ms) as db:
        if db is None:
            return None
        found = athlete if isinstance(athlete, Athlete) else resolve_athlete(db, athlete)
        if found is None:
            return None
        today = clock.today_in(found.profile.timezone)
        first, last = today - timedelta(days=past_days), _last_day(today, weeks)
        stored = read_stored_plan(db, found.id, first, last)
    if stored is None:
        return None
    days: dict[date, DayView] = {view.day: view for view in stored.days}
    if stored.sessions and not (today in days and today + timedelta(days=1) in days):
        return None  # no pipeline run since midnight: the full path computes the days
    return build_plan_view(
        found,
        today,
        stored.sessions,
        stored.overrides,
        stored.notes,
        stored.uid_host,
        days if stored.sessions else {},
    )


def _last_day(today: date, weeks: int | None) -> date:
    """`weeks` ahead; by default every session ahead, as the feed publishes them (the
    planner plans whole weeks, and a session moved past the horizon stays in both)."""
    return today + timedelta(days=7 * weeks) if weeks is not None else date.max


def plan(
    runtime: Runtime, athlete: Athlete, *, weeks: int | None = None, past_days: int = 7
) -> PlanView:
    """Sessions from `past_days` ago to `weeks` weeks ahead (every session ahead by default)."""
    view = stored_view(ReadSettings.of(runtime.settings), athlete, weeks=weeks, past_days=past_days)
    return view if view is not None else full_view(runtime, athlete, weeks, past_days)


def today(runtime: Runtime, athlete: Athlete) -> SessionView | None:
    """Today's planned session, else the next one ahead."""
    return next_session(plan(runtime, athlete, past_days=0))


def full_view(runtime: Runtime, athlete: Athlete, weeks: int | None, past_days: int) -> PlanView:
    """The read through the store (any database) and the pipeline's day classes."""
    from syncsvc.api.day_views import day_views  # the fallback: the store's ORM, maybe pandas

    today_ = clock.today_in(athlete.profile.timezone)
    first, last = today_ - timedelta(days=past_days), _last_day(today_, weeks)
    with runtime.store.read() as tx:
        scope = tx.athlete(athlete.id)
        sessions = scope.sessions.all(since=first, until=last)
        overrides = scope.overrides.all()
        notes = scope.sessions.plan().notes if sessions else ()
        host = tx.store_info().uid_host
    days = day_views(runtime, athlete) if sessions else {}
    return build_plan_view(athlete, today_, sessions, overrides, notes, host, days)


def quick_plan(
    home: Path | None,
    config_file: Path | None,
    athlete: str | None,
    *,
    weeks: int | None = None,
    past_days: int = 7,
) -> PlanView | None:
    """For a front end that has not opened the API: the stored view, else None."""
    settings = read_settings(home, config_file)
    if settings is None:
        return None
    return stored_view(settings, athlete, weeks=weeks, past_days=past_days)
