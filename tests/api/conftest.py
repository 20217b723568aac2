"""Two copies of the planned demo home: one driven through the API, one through the CLI.

The template is the CLI tests' (built once per session by the demo itself, on
the demo's clock: Monday 23 November 2026, 06:30 in Berlin).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncsvc import clock
from syncsvc.api.app import Syncsvc
from tests.cli.conftest import DEMO_NOW, _template_home

__all__ = ["_template_home"]


@pytest.fixture
def homes(_template_home: Path, tmp_path: Path) -> tuple[Path, Path]:
    """(the API's home, the CLI's home): identical copies."""
    copies = []
    for name in ("api-home", "cli-home"):
        home = tmp_path / name
        shutil.copytree(_template_home, home)
        copies.append(home)
    clock.set_now(DEMO_NOW)
    return copies[0], copies[1]


@pytest.fixture
def app(homes: tuple[Path, Path]) -> Iterator[Syncsvc]:
    with Syncsvc.open(home=homes[0]) as opened:
        yield opened
