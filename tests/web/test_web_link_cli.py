"""`syncsvc web link [--json]`: a link that signs in once, through the CLI and the API alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from starlette.testclient import TestClient
from typer.testing import CliRunner

from syncsvc.cli import web_commands
from tests.web.conftest import csrf_of, make_web

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def web_cli() -> typer.Typer:
    """The command group as `cli/main.py` registers it."""
    app = typer.Typer()
    web_commands.register(app)

    @app.callback()
    def root() -> None:
        """syncsvc"""

    return app


def test_web_link_prints_a_link_that_signs_in_once(demo_home: Path) -> None:
    runner = CliRunner()
    plain = runner.invoke(web_cli(), ["web", "link", "--home", str(demo_home)])
    assert plain.exit_code == 0, plain.output
    assert "works once, for 15 minutes" in plain.output
    printed = runner.invoke(web_cli(), ["web", "link", "--json", "--home", str(demo_home)])
    assert printed.exit_code == 0, printed.output
    data = json.loads(printed.stdout)
    assert data["athlete"] == "demo"
    assert data["url"].startswith("http://127.0.0.1:8765/signin/")
    web = make_web(demo_home)
    path = "/signin/" + data["url"].rsplit("/signin/", 1)[1]
    with TestClient(web.app, base_url="http://127.0.0.1:8765") as client:
        page = client.get(path)
        form = {"csrf": csrf_of(page.text), "token": path.rsplit("/", 1)[1]}
        assert client.post("/signin", data=form, follow_redirects=False).status_code == 303
        client.cookies.clear()
        client.get("/signin")
        form["csrf"] = client.cookies.get("syncsvc_presession") or ""
        reused = client.post("/signin", data=form)
        assert reused.status_code == 400
        assert "already used" in reused.text
    web.runtime.close()


def test_web_link_is_refused_past_the_hourly_limit(demo_home: Path) -> None:
    runner = CliRunner()
    arguments = ["web", "link", "--home", str(demo_home)]
    for _ in range(5):
        assert runner.invoke(web_cli(), arguments).exit_code == 0
    refused = runner.invoke(web_cli(), arguments)
    assert refused.exit_code != 0
    assert isinstance(refused.exception, Exception)
    assert "5 sign-in links were already made in the last hour" in str(refused.exception)
