"""Fixtures every test module shares.

- `shared_dir`: ../shared beside the clone; skipped with a reason when absent,
  a failure when SYNCSVC_REQUIRE_SHARED=1 (as .ci/run sets it).
- `postgres_url`: a fresh schema on the real server at 127.0.0.1:5432 for each
  test; skipped when the server is not there, a failure when
  SYNCSVC_REQUIRE_POSTGRES=1.
- `store_url`: the same test on SQLite and on PostgreSQL.
- Every test runs with its own SYNCSVC_HOME, no ecosystem variables, and the
  real clock restored afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncsvc import clock

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO.parent / "shared").resolve()
POSTGRES_ADMIN_URL = os.environ.get(
    "SYNCSVC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ENVIRONMENT_TO_CLEAR = (
    "STRAVA_CLIENT_ID",
    "STRAVA_CLIENT_SECRET",
    "GARMINTOKENS",
    "SYNCSVC_HOME",
    "SYNCSVC_CONFIG",
    "SYNCSVC_SECRET_KEY",
    "SYNCSVC_NOW",
    "SYNCSVC_STORE__URL",
)


def _required(variable: str) -> bool:
    return os.environ.get(variable) == "1"


def missing(reason: str, *, required_by: str) -> None:
    """Skip with a reason, or fail when the CI run requires the thing."""
    if _required(required_by):
        pytest.fail(f"{reason} (required: {required_by}=1)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    for variable in ENVIRONMENT_TO_CLEAR:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("SYNCSVC_HOME", str(tmp_path_factory.mktemp("home-default")))
    yield
    clock.set_now(None)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        missing(
            f"../shared is not beside the clone ({SHARED})", required_by="SYNCSVC_REQUIRE_SHARED"
        )
    return SHARED


def _postgres_available() -> str | None:
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(POSTGRES_ADMIN_URL)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # any failure to reach the server means "not here"
        return f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {type(error).__name__}"
    return None


@pytest.fixture(scope="session")
def _postgres_server() -> str:
    problem = _postgres_available()
    if problem:
        missing(problem, required_by="SYNCSVC_REQUIRE_POSTGRES")
    return POSTGRES_ADMIN_URL


@pytest.fixture
def postgres_url(_postgres_server: str) -> Iterator[str]:
    """A URL whose search_path is a brand-new schema, dropped after the test."""
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in _postgres_server else "?"
    yield f"{_postgres_server}{separator}options=-csearch_path%3D{schema}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+pysqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home"
    monkeypatch.setenv("SYNCSVC_HOME", str(path))
    return path
