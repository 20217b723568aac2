"""Fixtures of the service tests: a served home, the shared `icscheck`."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from syncsvc import clock
from syncsvc.runtime import Runtime
from tests.server.service_builders import Seeded, seed_store, write_home

MONDAY = date(2026, 11, 30)
"""Today in the tests: Monday's core session is the one a morning hard run moves."""
NOW = "2026-11-30T07:30:00Z"
"""08:30 in Berlin, half an hour after the hard run."""


def make_served(tmp_path: Path, *, webhook_settings: bool = True) -> tuple[Path, Seeded]:
    """A home with settings, an athlete, 12 weeks of history, Strava connected, a feed.

    `webhook_settings` False: no verify token or subscription id in the settings.
    """
    home = tmp_path / "home"
    write_home(home, webhook_settings=webhook_settings)
    clock.set_now(datetime(2026, 11, 30, 7, 30, tzinfo=UTC))
    runtime = Runtime.create(home=home)
    try:
        seeded = seed_store(runtime, weeks=12, end=date(2026, 11, 29))
    finally:
        runtime.close()
        clock.set_now(None)
    return home, seeded


@pytest.fixture
def served(tmp_path: Path) -> tuple[Path, Seeded]:
    """`make_served` on SQLite (the subprocess tests read the file directly)."""
    return make_served(tmp_path)


@pytest.fixture
def served_any(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Seeded]:
    """`served`, on SQLite and on the PostgreSQL server (for the in-process tests)."""
    if not store_url.startswith("sqlite"):
        monkeypatch.setenv("SYNCSVC_STORE__URL", store_url)
    return make_served(tmp_path)


CompareFeeds = Callable[[bytes, bytes], dict[str, Any]]
IcsCheck = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def icscheck(shared_dir: Path) -> IcsCheck:
    """Runs `../shared/tools/icscheck/icscheck ARGS...` and returns the finished process."""
    tool = shared_dir / "tools" / "icscheck" / "icscheck"
    if not tool.is_file():
        pytest.fail(f"{tool} is missing from {shared_dir}")

    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(tool), *map(str, args)], capture_output=True, text=True, timeout=180, check=False
        )

    return run


@pytest.fixture
def compare_feeds(icscheck: IcsCheck, tmp_path: Path) -> CompareFeeds:
    """`icscheck --compare OLD NEW --json`, asserting it passes; returns its report."""

    def compare(old: bytes, new: bytes) -> dict[str, Any]:
        old_path, new_path = tmp_path / "old.ics", tmp_path / "new.ics"
        old_path.write_bytes(old)
        new_path.write_bytes(new)
        result = icscheck("--compare", old_path, new_path, "--json")
        assert result.returncode == 0, result.stdout + result.stderr
        report: dict[str, Any] = json.loads(result.stdout)
        assert report["ok"], result.stdout
        return report

    return compare
