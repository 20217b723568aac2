"""A distributed home: settings on the test's PostgreSQL schema, many cheap athletes."""

from __future__ import annotations

from pathlib import Path

from syncsvc.domain import Profile
from syncsvc.runtime import Runtime

ZONES = ("Europe/Berlin", "Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns", "UTC")
"""Whole-hour, +5:30, +5:45 and -3:30 offsets."""


def write_distributed_home(
    home: Path, store_url: str, *, extra: str = "", shutdown_grace_s: float = 10.0
) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.toml").write_text(
        f"""
log_level = "info"
[store]
url = "{store_url}"
[service]
mode = "worker"
workers = 2
heartbeat_s = 1.0
stalled_after_s = 5.0
job_retry_wait_s = 1.0
shutdown_grace_s = {shutdown_grace_s}
{extra}
"""
    )


def add_athletes(runtime: Runtime, count: int) -> list[int]:
    """`count` athletes without accounts or history: a refresh only replans (cheap)."""
    store = runtime.open_store(create=True)
    store.initialise_meta("svc.test")
    ids: list[int] = []
    with store.write() as tx:
        existing = len(tx.athletes.all())
        for number in range(count):
            athlete = tx.athletes.add(
                f"a{existing + number}", Profile(timezone=ZONES[number % len(ZONES)])
            )
            ids.append(athlete.id)
    return ids
