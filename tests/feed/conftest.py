"""Fixtures for the feed tests: the shared `icscheck` checker."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SHARED_DIR = Path(__file__).resolve().parents[2] / ".." / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the clone; skip without it, fail with SYNCSVC_REQUIRE_SHARED=1."""
    if not SHARED_DIR.is_dir():
        message = f"{SHARED_DIR} is absent (the shared tools live beside the clone)"
        if os.environ.get("SYNCSVC_REQUIRE_SHARED") == "1":
            pytest.fail(message + " and SYNCSVC_REQUIRE_SHARED=1")
        pytest.skip(message)
    return SHARED_DIR.resolve()


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
def check_feed(icscheck: IcsCheck, tmp_path: Path) -> Callable[[bytes], None]:
    """Writes a feed and asserts icscheck --strict accepts it (all four parsers, RFC rules)."""

    def check(body: bytes, name: str = "feed.ics") -> None:
        path = tmp_path / name
        path.write_bytes(body)
        result = icscheck(path, "--strict")
        assert result.returncode == 0, result.stdout + result.stderr

    return check


@pytest.fixture
def compare_feeds(icscheck: IcsCheck, tmp_path: Path) -> Callable[[bytes, bytes], dict[str, Any]]:
    """Runs icscheck --compare OLD NEW --json; returns its report (asserting it is ok)."""

    def compare(old: bytes, new: bytes) -> dict[str, Any]:
        old_path, new_path = tmp_path / "old.ics", tmp_path / "new.ics"
        old_path.write_bytes(old)
        new_path.write_bytes(new)
        result = icscheck("--compare", old_path, new_path, "--json")
        report: dict[str, Any] = json.loads(result.stdout)
        assert result.returncode == 0, result.stdout + result.stderr
        assert report["ok"], result.stdout
        return report

    return compare
