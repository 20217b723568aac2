"""Fixtures of the push tests: a Radicale server per test, and the shared clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from syncsvc import clock
from tests.push.push_builders import NOW
from tests.push.radicale_server import Radicale, free_port


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[Radicale]:
    folder = tmp_path / "radicale"
    folder.mkdir()
    server = Radicale(folder, free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with clock.frozen_at(NOW):
        yield
