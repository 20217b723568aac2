"""What `syncsvc status` shows: the state of one athlete's setup, and what needs attention."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url

from syncsvc import clock
from syncsvc.domain import Source
from syncsvc.runtime import Runtime
from syncsvc.service.feed_urls import feed_urls, redact_feed_url

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
    for session in warned:
        for warning in session.warnings:
            attention.append(f"session {session.id} on {session.local_date}: {warning}")
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
    lines.append(
        (
            "next sessions",
            "; ".join(f"{s.local_date:%a %d %b} {s.kind.value} ({s.id})" for s in upcoming)
            or "none planned yet",
        )
    )
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
        "next_sessions": [
            {"id": s.id, "kind": s.kind.value, "date": s.local_date} for s in upcoming
        ],
        "feed": {
            "configured": urls is not None,
            "url": redact_feed_url(urls["url"]) if urls else None,
        },
        "attention": attention,
        "lines": lines,
    }
