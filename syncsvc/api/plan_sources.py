"""Imported training plans: `syncsvc plan-source add|list|remove`.

A plan source is an iCalendar URL (http, https or webcal) or a file. Adding one
reads it at once and refuses what is not a calendar; the bytes are stored, and
every replan reads the stored bytes (no network in the pipeline). URL sources
are fetched again by `refresh_plan_sources` (the service schedules it every
`service.plan_source_refresh_hours`); a failed fetch keeps the last good copy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from syncsvc import clock
from syncsvc.api.pipeline import (
    local_today,
    planned_workouts,
    replan_after_change,
    replan_note,
)
from syncsvc.domain import Athlete
from syncsvc.errors import NotFoundError, SourceError, UsageError
from syncsvc.runtime import Runtime

FETCH_TIMEOUT_S = 20.0
"""The whole download, not each read: a server sending a byte every few seconds is cut off."""
MAX_PLAN_BYTES = 5_000_000
"""Read as a stream and stopped here: a larger answer never sits in memory."""
URL_SCHEMES = ("http", "https", "webcal")


@dataclass(frozen=True, slots=True)
class PlanSourceInfo:
    id: int
    name: str
    location: str
    kind: str
    """url or file."""
    added_at: datetime
    last_read_at: datetime | None
    last_error: str
    workouts_ahead: int


def is_url(location: str) -> bool:
    return urlsplit(location).scheme.lower() in URL_SCHEMES


def read_location(location: str, *, deadline_s: float = FETCH_TIMEOUT_S) -> bytes:
    """The bytes of a URL or a file; a missing file is a bad value, a network failure a failure."""
    if is_url(location):
        return _fetch(location, deadline_s)
    path = Path(location).expanduser()
    if not path.is_file():
        raise UsageError(f"no file at {location}", hint="give an iCalendar URL or a .ics file")
    if path.stat().st_size > MAX_PLAN_BYTES:
        raise UsageError(f"{location} is larger than {MAX_PLAN_BYTES // 1_000_000} MB")
    return path.read_bytes()


def _fetch(url: str, deadline_s: float) -> bytes:
    """Stream the answer with a byte cap and one deadline for the whole download."""
    import requests  # noqa: PLC0415 - requests: a plan source fetch only
    import urllib3  # noqa: PLC0415 - with requests

    parts = urlsplit(url)
    if parts.scheme.lower() == "webcal":
        url = "https" + url[len(parts.scheme) :]
    started = time.monotonic()
    too_slow = SourceError(
        f"the training plan at {parts.netloc} did not arrive within {deadline_s:g} s"
    )
    too_large = SourceError(
        f"the training plan at {parts.netloc} is larger than {MAX_PLAN_BYTES // 1_000_000} MB"
    )
    try:
        with requests.get(
            url, timeout=(min(deadline_s, 10.0), min(deadline_s, 10.0)), stream=True
        ) as response:
            if response.status_code != 200:
                raise SourceError(
                    f"the training plan at {parts.netloc} answered HTTP {response.status_code}"
                )
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_PLAN_BYTES:
                raise too_large
            body = bytearray()
            # read1 returns what one read gives (a trickle cannot hold a 64 KB read open).
            read = getattr(response.raw, "read1", None) or response.raw.read
            while True:
                if time.monotonic() - started > deadline_s:
                    raise too_slow
                chunk = read(65536, decode_content=True)
                if not chunk:
                    break
                body += chunk
                if len(body) > MAX_PLAN_BYTES:
                    raise too_large
    except (requests.Timeout, urllib3.exceptions.ReadTimeoutError):
        raise too_slow from None
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
        raise SourceError(
            f"cannot fetch the training plan from {parts.netloc}: {type(error).__name__}"
        ) from None
    return bytes(body)


def _count_workouts(runtime: Runtime, athlete: Athlete, name: str, content: bytes) -> int:
    """How many workouts lie in the forecast window; raises when it is not a calendar."""
    today = local_today(athlete)
    workouts, problems = planned_workouts(runtime.settings, athlete, [(name, content)], today)
    if problems:
        raise UsageError(problems[0])
    return len(workouts)


def default_name(location: str) -> str:
    if is_url(location):
        return urlsplit(location).netloc or location
    return Path(location).stem or location


def add_plan_source(
    runtime: Runtime, athlete: Athlete, location: str, *, name: str | None = None
) -> tuple[PlanSourceInfo, str]:
    """Read, check, store, replan. Returns the source and the replan note."""

    location = location.strip()
    if not location:
        raise UsageError("a URL or a file is needed")
    if not is_url(location):
        location = str(Path(location).expanduser().resolve())
    label = (name or default_name(location)).strip()[:200]
    with runtime.store.read() as tx:
        existing = tx.athlete(athlete.id).plan_sources.all()
    if any(source.location == location for source in existing):
        raise UsageError(f"{location} is already a plan source", hint="syncsvc plan-source list")
    if any(source.name == label for source in existing):
        raise UsageError(f"a plan source is already named {label!r}", hint="pass --name")
    content = read_location(location)
    workouts = _count_workouts(runtime, athlete, label, content)
    with runtime.store.write() as tx:
        repository = tx.athlete(athlete.id).plan_sources
        added = repository.add(location, label)
        repository.record_read(added.id, content)
    note = replan_note(replan_after_change(runtime, athlete.id, reason="plan source added"))
    info = PlanSourceInfo(
        added.id,
        label,
        location,
        "url" if is_url(location) else "file",
        added.added_at,
        added.added_at,
        "",
        workouts,
    )
    return info, note


def list_plan_sources(runtime: Runtime, athlete: Athlete) -> list[PlanSourceInfo]:
    with runtime.store.read() as tx:
        sources = tx.athlete(athlete.id).plan_sources.all()
    infos = []
    for source in sources:
        try:
            count = (
                _count_workouts(runtime, athlete, source.name, source.content)
                if source.content is not None
                else 0
            )
        except UsageError:
            count = 0
        infos.append(
            PlanSourceInfo(
                source.id,
                source.name,
                source.location,
                "url" if is_url(source.location) else "file",
                source.added_at,
                source.last_read_at,
                source.last_error,
                count,
            )
        )
    return infos


def remove_plan_source(runtime: Runtime, athlete: Athlete, which: str) -> tuple[str, str]:
    """Remove by id or name; returns (name, replan note)."""
    with runtime.store.write() as tx:
        repository = tx.athlete(athlete.id).plan_sources
        sources = repository.all()
        match = [s for s in sources if str(s.id) == which.strip() or s.name == which.strip()]
        if not match:
            raise NotFoundError(
                f"no plan source {which!r}", hint="syncsvc plan-source list shows them"
            )
        repository.remove(match[0].id)
    note = replan_note(replan_after_change(runtime, athlete.id, reason="plan source removed"))
    return match[0].name, note


def refresh_plan_sources(
    runtime: Runtime, athlete: Athlete, *, older_than: timedelta | None = None
) -> bool:
    """Re-read every source (those read longer ago than `older_than`); True when one changed.

    A failure is recorded beside the source (shown by `plan-source list` and
    `status`) and the last good copy stays in use.
    """
    now = clock.now()
    with runtime.store.read() as tx:
        sources = tx.athlete(athlete.id).plan_sources.all()
    changed = False
    for source in sources:
        if (
            older_than is not None
            and source.last_read_at is not None
            and now - source.last_read_at < older_than
        ):
            continue
        try:
            content: bytes | None = read_location(source.location)
            error = ""
        except (SourceError, UsageError, OSError) as problem:
            content, error = None, getattr(problem, "message", str(problem))
        with runtime.store.write() as tx:
            changed |= tx.athlete(athlete.id).plan_sources.record_read(source.id, content, error)
    return changed
