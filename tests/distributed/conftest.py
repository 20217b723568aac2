"""Fixtures of the distributed engine's tests: a home whose store is a fresh PostgreSQL schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from syncsvc.runtime import Runtime
from tests.distributed.builders import write_distributed_home


@pytest.fixture
def distributed_home(tmp_path: Path, postgres_url: str) -> Path:
    home = tmp_path / "home"
    write_distributed_home(home, postgres_url)
    return home


@pytest.fixture
def runtime(distributed_home: Path) -> Iterator[Runtime]:
    runtime = Runtime.create(home=distributed_home)
    runtime.open_store(create=True)
    yield runtime
    runtime.close()
