"""The CLI's one output path: every command's result as Rich text or as `--json`.

A command calls one API method and hands its typed result to `emit`, with how
it reads as JSON and how it reads on a terminal. The JSON shapes live here, in
one place, next to the terminal renderings (`cli/render.py` holds the larger
Rich renderables), so a page or a push channel can render the same results its
own way without these.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rich.console import Console

from syncsvc.domain import CheckIn, DayView, PrescribedExercise, Source
from syncsvc.reasons import plain, split_rules

if TYPE_CHECKING:
    from syncsvc.api.activities import ActivityListing, ImportOutcome
    from syncsvc.api.feed_admin import FeedAddress
    from syncsvc.api.plan_sources import PlanSourceInfo
    from syncsvc.api.plan_view import SessionView
    from syncsvc.api.status import StatusReport
    from syncsvc.api.strava_webhook_state import WebhookState
    from syncsvc.push.model import ChannelStatus
    from syncsvc.store.job_stats import QueueStats

console = Console(highlight=False, soft_wrap=False)
error_console = Console(stderr=True, highlight=False, soft_wrap=True)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot print {type(value).__name__} as JSON")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default) + "\n")
    sys.stdout.flush()


def emit(json_output: bool, as_json: Callable[[], Any], show: Callable[[], None]) -> None:
    """`--json` prints `as_json()`; otherwise `show()` renders on the console."""
    if json_output:
        print_json(as_json())
    else:
        show()


def say(message: str) -> None:
    console.print(message)


def said(message: str, replanned: str) -> None:
    """A decision's sentence, then the replan's note."""
    console.print(plain(message), markup=False)
    if replanned:
        console.print(replanned, markup=False)


# ---------------------------------------------------------------- status


def _ago(seconds: float) -> str:
    if seconds < 120:
        return f"{int(seconds)} s ago"
    if seconds < 7200:
        return f"{int(seconds // 60)} min ago"
    if seconds < 172800:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} days ago"


def _day_class_json(view: DayView | None) -> dict[str, Any] | None:
    if view is None:
        return None
    return {
        "class": view.day_class,
        "reason": view.reason,
        "source": view.class_source,
        "forecast": view.forecast,
    }


def status_json(report: StatusReport) -> dict[str, Any]:
    """`status --json`: the feed URL without its token (JSON ends up in logs)."""
    jobs: dict[str, object] | None = None
    if report.jobs is not None:
        jobs = queue_json(report.jobs)
    accounts: dict[str, Any] = {}
    for account in report.accounts:
        info = account.credential
        if info is None:
            accounts[account.provider] = {"connected": False}
            continue
        accounts[account.provider] = {
            "connected": True,
            "status": info.status,
            "scope": info.scope,
            "expires_at": info.expires_at.isoformat() if info.expires_at else None,
            "message": info.status_message,
        }
    budget = report.strava_budget
    return {
        "athlete": report.athlete.name,
        "timezone": report.athlete.profile.timezone,
        "today": report.today,
        "accounts": accounts,
        "syncs": {
            cursor.source.value: {
                "last_success_at": cursor.last_success_at,
                "last_attempt_at": cursor.last_attempt_at,
                "last_error": cursor.last_error,
            }
            for cursor in report.syncs
        },
        "strava_budget": {
            "left": budget.left,
            "used_15min": budget.used_15min,
            "limit_15min": budget.limit_15min,
            "used_day": budget.used_day,
            "limit_day": budget.limit_day,
        },
        "day_classes": {
            "today": _day_class_json(report.today_class),
            "tomorrow": _day_class_json(report.tomorrow_class),
        },
        "plan_sources": [
            {"name": p.name, "last_read_at": p.last_read_at, "last_error": p.last_error}
            for p in report.plan_sources
        ],
        "next_sessions": [
            {"id": s.id, "kind": s.kind.value, "date": s.local_date} for s in report.next_sessions
        ],
        "feed": {
            "configured": report.feed_url is not None,
            "url": report.redacted_feed_url,
        },
        "jobs": jobs,
        "push_channels": [
            {
                "id": c.id,
                "kind": c.kind,
                "target": c.target,
                "state": c.state,
                "last_push": c.last_push_at,
                "lag_s": round(c.lag_s),
                "last_error": c.last_error,
            }
            for c in report.push_channels
        ],
        "strava_webhook": webhook_json(report.strava_webhook),
        "attention": list(report.attention),
    }


def webhook_json(state: WebhookState) -> dict[str, Any]:
    """Where the webhook's values come from; never the verify token or the secret path."""
    return {
        "subscription_id": state.subscription_id,
        "subscription_id_source": state.subscription_origin,
        "stored_subscription_id": state.stored_subscription_id,
        "verify_token": state.masked_verify_token,
        "verify_token_source": state.verify_token_origin,
        "secret_path": state.has_path_secret,
    }


def webhook_line(state: WebhookState) -> str:
    """`subscription 131300 (from the store), verify token from the environment, secret path`."""
    if state.subscription_id is None:
        subscription = "no subscription (syncsvc strava webhook register)"
    else:
        origin = state.subscription_origin
        subscription = f"subscription {state.subscription_id} (from the {origin})"
    token = (
        f"verify token from the {state.verify_token_origin}"
        if state.verify_token_origin
        else "no verify token"
    )
    path = "secret callback path" if state.has_path_secret else "plain callback path"
    return f"{subscription}, {token}, {path}"


def status_rows(report: StatusReport) -> list[tuple[str, str]]:
    """`status` as label and value rows (the full feed URL: the runner's own terminal)."""
    athlete = report.athlete
    rows: list[tuple[str, str]] = [
        ("athlete", f"{athlete.name} ({athlete.profile.timezone})"),
        ("store", report.store_url),
        (
            "accounts",
            ", ".join(
                f"{a.provider} ({a.credential.status})"
                for a in report.accounts
                if a.credential is not None
            )
            or "none (offline: syncsvc import FILES)",
        ),
    ]
    for source in (Source.STRAVA, Source.GARMIN, Source.FILE):
        cursor = report.sync_of(source)
        if cursor is not None and cursor.last_success_at:
            age = (report.now - cursor.last_success_at).total_seconds()
            rows.append((f"last {source.value} sync", _ago(age)))
    budget = report.strava_budget
    if any(a.provider == Source.STRAVA.value and a.connected for a in report.accounts):
        rows.append(
            (
                "strava budget",
                f"{budget.left} reads left "
                f"({budget.used_15min}/{budget.limit_15min} this 15 min, "
                f"{budget.used_day}/{budget.limit_day} today)",
            )
        )
    for label, view in (("today", report.today_class), ("tomorrow", report.tomorrow_class)):
        if view is not None:
            detail = f": {view.reason}" if view.reason else ""
            rows.append((label, f"{view.day_class}{detail}"))
    rows.append(
        (
            "next sessions",
            "; ".join(
                f"{s.local_date:%a %d %b} {s.kind.value} ({s.id})" for s in report.next_sessions
            )
            or "none planned yet",
        )
    )
    if report.jobs is not None:
        rows.extend(queue_rows(report.jobs))
    for channel in report.push_channels:
        rows.append((f"push {channel.id} ({channel.kind})", push_channel_line(channel)))
    webhook = report.strava_webhook
    if webhook.subscription_id is not None or webhook.verify_token_origin is not None:
        rows.append(("strava webhook", webhook_line(webhook)))
    rows.append(("feed", report.feed_url or "no feed token (syncsvc feed rotate)"))
    return rows


def push_channel_line(channel: ChannelStatus) -> str:
    """A push channel in `status`: state, lag and last error."""
    line = f"{channel.state}, {channel.target}"
    behind = _ago(channel.lag_s).removesuffix(" ago")
    line += ", in step" if channel.lag_s < 1 else f", {behind} behind"
    if channel.last_error:
        line += f": {channel.last_error}"
    if channel.state == "paused":
        line += " (nothing can be removed from it remotely; see attention)"
    return line


# ---------------------------------------------------------------- the plan


def session_json(view: SessionView) -> dict[str, Any]:
    """One session as `plan --json` prints it."""
    session, content = view.session, view.session.content
    return {
        "id": session.id,
        "uid": view.uid,
        "kind": session.kind.value,
        "date": session.local_date.isoformat(),
        "start": view.start.isoformat(),
        "end": view.end.isoformat(),
        "minutes": session.minutes,
        "status": session.status.value,
        "pinned": session.pinned,
        "origin": session.origin.value,
        "sequence": session.version,
        "block": content.block if content else None,
        "block_week": content.block_week if content else None,
        "day_class": view.day.day_class if view.day else None,
        "day_reason": view.day.reason if view.day else None,
        "exercises": [
            {"name": item.name, "dose": item.dose, "tempo": item.tempo}
            for item in (content.exercises if content else ())
        ],
        "reasons": [
            {"text": text, "rules": list(rules)}
            for text, rules in (split_rules(reason) for reason in view.reasons)
        ],
        "warnings": list(session.warnings),
        "decisions": list(view.decisions),
        "rpe": session.rpe,
        "note": session.outcome_note,
    }


def full_session_json(view: SessionView) -> dict[str, Any]:
    """`today --json`: the plan's fields plus warm-up, exercises and cool-down with cues."""
    data = session_json(view)
    content = view.session.content
    if content is None:
        return data
    data["warmup"] = [_exercise_json(item) for item in content.warmup]
    data["exercises"] = [_exercise_json(item) for item in content.exercises]
    data["cooldown"] = [_exercise_json(item) for item in content.cooldown]
    data["notes"] = list(content.notes)
    return data


def _exercise_json(item: PrescribedExercise) -> dict[str, Any]:
    return {
        "name": item.name,
        "dose": item.dose,
        "tempo": item.tempo,
        "band": item.band,
        "cues": list(item.cues),
        "note": item.note,
    }


# ---------------------------------------------------------------- check-ins


def checkin_json(checkin: CheckIn, zone: str) -> dict[str, Any]:
    """A check-in as `checkin --list --json` prints it (local time)."""
    return {
        "at": checkin.at.astimezone(ZoneInfo(zone)).isoformat(),
        "back": checkin.back_score,
        "sore": list(checkin.sore_exercises),
        "note": checkin.note,
    }


# ---------------------------------------------------------------- activities


def activity_json(row: ActivityListing) -> dict[str, Any]:
    activity = row.group.activity
    offset = timezone(timedelta(seconds=activity.utc_offset_s))
    return {
        "id": activity.id,
        "sources": [source.value for source in activity.sources],
        "start": activity.start_utc.astimezone(offset).isoformat(),
        "start_utc": activity.start_utc.astimezone(UTC).isoformat(),
        "timezone": activity.timezone,
        "local_date": activity.local_date.isoformat(),
        "sport": activity.sport.value,
        "sport_raw": activity.sport_raw,
        "name": activity.name,
        "distance_km": round(activity.distance_m / 1000, 3) if activity.distance_m else None,
        "moving_s": activity.moving_s,
        "avg_hr": activity.avg_hr,
        "load": round(row.load, 1) if row.load is not None else None,
        "load_method": row.load_method,
        "records": [
            {
                "id": record.activity.id,
                "source": record.activity.source.value,
                "source_id": record.activity.source_id,
                "winner": record.merged_into_id is None,
            }
            for record in row.group.records
        ],
    }


def import_json(outcome: ImportOutcome) -> dict[str, Any]:
    report = outcome.report
    return {
        "files": report.files,
        "new": report.new,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "merged": report.merged,
        "damaged": [{"file": name, "problem": problem} for name, problem in report.damaged],
        "notes": report.notes,
    }


# ---------------------------------------------------------------- the feed and plan sources


def address_json(address: FeedAddress, *, with_token: bool = False) -> dict[str, object]:
    """The address; without its secret token unless `with_token` (`feed url --json`: the
    runner asked for the URL in their own terminal, and scripts need it whole)."""
    if with_token:
        return {
            "athlete": address.athlete,
            "url": address.url,
            "webcal": address.webcal,
            "public": address.public,
        }
    return {
        "athlete": address.athlete,
        "url": address.redacted_url,
        "public": address.public,
        "token_shown": "only in the plain output of syncsvc feed url",
    }


def plan_source_json(source: PlanSourceInfo) -> dict[str, Any]:
    return {
        "id": source.id,
        "name": source.name,
        "location": source.location,
        "kind": source.kind,
        "added_at": source.added_at,
        "last_read_at": source.last_read_at,
        "last_error": source.last_error,
        "workouts_ahead": source.workouts_ahead,
    }


def queue_rows(stats: QueueStats) -> list[tuple[str, str]]:
    """The `syncsvc status` lines of the distributed engine."""
    lines = [
        (
            "jobs",
            f"{stats.waiting} waiting (oldest {stats.oldest_wait_s:.0f} s), "
            f"{stats.running} running",
        )
    ]
    troubled = [t for t in stats.tasks if t.failures or t.retries or t.failed_kept]
    if troubled:
        lines.append(
            (
                "job failures",
                "; ".join(f"{t.task}: {t.failures} failed, {t.retries} retried" for t in troubled),
            )
        )
    return lines


def queue_json(stats: QueueStats) -> dict[str, object]:
    return {
        "waiting": stats.waiting,
        "running": stats.running,
        "oldest_wait_s": round(stats.oldest_wait_s, 1),
        "tasks": {
            t.task: {
                "waiting": t.waiting,
                "running": t.running,
                "failed_kept": t.failed_kept,
                "failures": t.failures,
                "retries": t.retries,
            }
            for t in stats.tasks
        },
    }
