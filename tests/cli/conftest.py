"""A demo home (the bundled history loaded and planned) copied fresh for each test.

Built once per session with the demo's own service functions, on the demo's clock
(Monday 23 November 2026, 06:30 in Berlin); each test gets its own copy and the
clock set back to that instant.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from syncsvc import clock
from syncsvc.api.demo import load_history, prepare_demo
from syncsvc.runtime import Runtime
from syncsvc.testing.cli import CliResult, invoke

DEMO_NOW = load_history().now


@pytest.fixture(scope="session")
def _template_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("demo-template") / "home"
    runtime = Runtime.create(home=home, athlete_name="demo")
    try:
        prepare_demo(runtime)
    finally:
        runtime.close()
        clock.set_now(None)
    return home


@pytest.fixture
def demo_home(_template_home: Path, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(_template_home, home)
    clock.set_now(DEMO_NOW)
    return home


def at(instant: str) -> datetime:
    """Set the one clock to an ISO instant (UTC)."""
    value = clock.parse_instant(instant)
    clock.set_now(value)
    return value


def run(home: Path, *args: str) -> CliResult:
    return invoke(["--home", str(home), *args])


def run_json(home: Path, *args: str) -> Any:
    result = run(home, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def planned(home: Path) -> list[dict[str, Any]]:
    return [s for s in run_json(home, "plan") if s["status"] == "planned"]
