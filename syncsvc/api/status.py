"""What `syncsvc status` shows: the state of one athlete's setup, and what needs attention."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url

from syncsvc import clock
from syncsvc.api.feed_urls import feed_urls, redact_feed_url
from syncsvc.domain import Athlete, Source
from syncsvc.runtime import Runtime

PROVIDERS = ("strava", "garmin")


def _ago(seconds: float) -> str:
    if seconds < 120:
        return f"{int(seconds)} s ago"
    if seconds < 7200:
        return f"{int(seconds // 60)} min ago"
    if seconds < 172800:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} days ago"


def gather_status(runtime: Runtime) -> dict[str, Any]:
    store = runtime.store
    athlete = runtime.athlete()
    now = clock.now()
    zone = ZoneInfo(athlete.profile.timezone)
    today = now.astimezone(zone).date()
    lines: list[tuple[str, str]] = []
    attention: list[str] = []
    accounts: dict[str, Any] = {}
    syncs: dict[str, Any] = {}
    with store.read() as tx:
        scope = tx.athlete(athlete.id)
        for provider in PROVIDERS:
            info = scope.credentials.info(provider)
            if info is None:
                accounts[provider] = {"connected": False}
                continue
            expires = info.expires_at.isoformat() if info.expires_at else None
            accounts[provider] = {
                "connected": True,
                "status": info.status,
                "scope": info.scope,
                "expires_at": expires,
                "message": info.status_message,
            }
            if info.status != "ok":
                attention.append(
                    f"{provider}: {info.status_message or info.status} "
                    f"(run syncsvc auth {provider})"
                )
        for cursor in scope.cursors.all():
            syncs[cursor.source.value] = {
                "last_success_at": cursor.last_success_at,
                "last_attempt_at": cursor.last_attempt_at,
                "last_error": cursor.last_error,
            }
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
            for s in scope.sessions.all(since=today, until=today + timedelta(days=14))
            if s.status.value == "planned"
        ][:4]
        warned = [s for s in scope.sessions.all(since=today) if s.warnings]
        plan_sources = scope.plan_sources.all()
        has_sessions = bool(upcoming) or bool(warned)
    for session in warned:
        for warning in session.warnings:
            attention.append(f"session {session.id} on {session.local_date}: {warning}")
    for plan_source in plan_sources:
        if plan_source.last_error:
            attention.append(f"plan source {plan_source.name}: {plan_source.last_error}")
    days = _day_classes(runtime, athlete, today) if has_sessions else {}
    connected = [p for p, a in accounts.items() if a["connected"]]
    lines.append(("athlete", f"{athlete.name} ({athlete.profile.timezone})"))
    lines.append(
        ("store", make_url(runtime.settings.database_url).render_as_string(hide_password=True))
    )
    lines.append(
        (
            "accounts",
            ", ".join(f"{p} ({accounts[p]['status']})" for p in connected)
            or "none (offline: syncsvc import FILES)",
        )
    )
    for source in (Source.STRAVA, Source.GARMIN, Source.FILE):
        state = syncs.get(source.value)
        if state and state["last_success_at"]:
            age = (now - state["last_success_at"]).total_seconds()
            lines.append((f"last {source.value} sync", _ago(age)))
    lines.append(
        (
            "strava budget",
            f"{budget.left} reads left "
            f"({budget.used_15min}/{budget.limit_15min} this 15 min, "
            f"{budget.used_day}/{budget.limit_day} today)",
        )
    )
    for label, offset in (("today", 0), ("tomorrow", 1)):
        view = days.get(today + timedelta(days=offset))
        if view is not None:
            detail = f": {view['reason']}" if view["reason"] else ""
            lines.append((label, f"{view['class']}{detail}"))
    lines.append(
        (
            "next sessions",
            "; ".join(f"{s.local_date:%a %d %b} {s.kind.value} ({s.id})" for s in upcoming)
            or "none planned yet",
        )
    )
    jobs: dict[str, object] | None = None
    if runtime.distributed:
        from syncsvc.store.job_stats import read_queue_stats, stats_dict, status_lines

        queue = read_queue_stats(store)
        lines.extend(status_lines(queue))
        jobs = stats_dict(queue)
    urls = feed_urls(runtime.settings, token) if token else None
    lines.append(("feed", urls["url"] if urls else "no feed token (syncsvc feed rotate)"))
    if not connected:
        attention.append(
            "no account connected: syncsvc auth strava, syncsvc auth garmin, "
            "or syncsvc import FILES"
        )
    return {
        "athlete": athlete.name,
        "timezone": athlete.profile.timezone,
        "today": today,
        "accounts": accounts,
        "syncs": syncs,
        "strava_budget": {
            "left": budget.left,
            "used_15min": budget.used_15min,
            "limit_15min": budget.limit_15min,
            "used_day": budget.used_day,
            "limit_day": budget.limit_day,
        },
        "day_classes": {
            "today": days.get(today),
            "tomorrow": days.get(today + timedelta(days=1)),
        },
        "plan_sources": [
            {"name": p.name, "last_read_at": p.last_read_at, "last_error": p.last_error}
            for p in plan_sources
        ],
        "next_sessions": [
            {"id": s.id, "kind": s.kind.value, "date": s.local_date} for s in upcoming
        ],
        "feed": {
            "configured": urls is not None,
            "url": redact_feed_url(urls["url"]) if urls else None,
        },
        "jobs": jobs,
        "attention": attention,
        "lines": lines,
    }


def _day_classes(runtime: Runtime, athlete: Athlete, today: date) -> dict[date, dict[str, Any]]:
    """Today's and tomorrow's running class (stored by the pipeline, see `day_views`)."""
    from syncsvc.api.day_views import day_views

    views = day_views(runtime, athlete)
    return {
        day: {
            "class": view.day_class,
            "reason": view.reason,
            "source": view.class_source,
            "forecast": view.forecast,
        }
        for day, view in views.items()
        if day in (today, today + timedelta(days=1))
    }
