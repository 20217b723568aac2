"""A demo home (the bundled history, planned) served by the web page's routes.

`web` gives the store, the settings and a Starlette app of the web routes;
`signed_in` a test client with a session made the way a runner makes one
(`syncsvc web link`, then the link's button). The clock stands at the demo's
instant (Monday 23 November 2026, 06:30 in Berlin).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from syncsvc.api.app import Syncsvc
from syncsvc.config import Settings
from syncsvc.runtime import Runtime
from syncsvc.store.database import Store
from syncsvc.web.app import web_app
from tests.cli.conftest import _template_home, demo_home  # noqa: F401  (fixtures)

CSRF_IN_FORM = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Web:
    runtime: Runtime
    app: Starlette

    @property
    def store(self) -> Store:
        return self.runtime.store

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    def session_on(self, day: date, kind: str = "core") -> str:
        """The demo's session of `kind` on `day` (ids hash the home's own namespace)."""
        with self.store.read() as tx:
            found = [s for s in tx.athlete(1).sessions.all(since=day, until=day)]
        return next(s.id for s in found if s.kind.value == kind)

    @property
    def today_session(self) -> str:
        """The core session on the demo's Monday (today)."""
        return self.session_on(date(2026, 11, 23))

    @property
    def move_session(self) -> str:
        """A core session on Saturday 28 November: Thursday fits, most other days break a rule."""
        return self.session_on(date(2026, 11, 28))

    def link(self) -> str:
        """A sign-in link's path, as `syncsvc web link` makes it."""
        return (
            "/signin/" + Syncsvc(self.runtime).athlete().sign_in_link().url.rsplit("/signin/", 1)[1]
        )


def make_web(home: Path, flags: dict[str, Any] | None = None) -> Web:
    runtime = Runtime.create(home=home, athlete_name="demo", flags=flags)
    return Web(runtime, web_app(runtime.store, runtime.settings))


@pytest.fixture
def web(demo_home: Path) -> Iterator[Web]:  # noqa: F811
    made = make_web(demo_home)
    yield made
    made.runtime.close()


def csrf_of(html: str) -> str:
    found = CSRF_IN_FORM.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def sign_in(client: TestClient, web: Web) -> None:
    """Open a fresh link and press its button, as a runner does."""
    page = client.get(web.link())
    assert page.status_code == 200
    form = re.search(r'name="token" value="([^"]+)"', page.text)
    assert form, page.text
    answer = client.post(
        "/signin", data={"csrf": csrf_of(page.text), "token": form.group(1)}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text


@pytest.fixture
def signed_in(web: Web) -> Iterator[TestClient]:
    with TestClient(web.app, base_url="http://127.0.0.1:8765") as client:
        sign_in(client, web)
        yield client


# The club's fixtures (a coach, an admin, a second runner): after the names they use.
# The browser tests' Chromium, launched once per module.
from tests.web.browser import chromium  # noqa: E402, F401
from tests.web.squad import as_admin, as_coach, as_runner, club  # noqa: E402, F401
