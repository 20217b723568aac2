"""The page as `syncsvc serve` serves it: mounted at `/` beside the feed, or not at all."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette prefers httpx2 now; httpx works
    from starlette.testclient import TestClient

from syncsvc import routes
from syncsvc.runtime import Runtime
from syncsvc.server.app import create_app
from syncsvc.server.jobs import InProcessJobs, job_runner
from syncsvc.server.metrics import ServiceMetrics
from tests.web.conftest import Web, sign_in


@contextmanager
def served(home: Path, flags: dict[str, Any] | None = None) -> Iterator[tuple[Web, TestClient]]:
    runtime = Runtime.create(home=home, athlete_name="demo", flags=flags)
    metrics = ServiceMetrics()
    app = create_app(
        store=runtime.store,
        settings=runtime.settings,
        metrics=metrics,
        jobs=InProcessJobs(job_runner(runtime, metrics), workers=1),
        scheduler_alive=None,
    )
    try:
        with TestClient(app, base_url="http://127.0.0.1:8765") as client:
            yield Web(runtime, app), client
    finally:
        runtime.close()


def _feed_path(web: Web) -> str:
    with web.store.read() as tx:
        token = tx.athlete(1).feed.active_token()
    assert token
    return routes.feed_path(token)


def test_serve_mounts_the_page_at_the_root_beside_the_feed_and_health(demo_home: Path) -> None:
    with served(demo_home) as (web, client):
        assert client.get("/", follow_redirects=False).status_code in (302, 303)
        sign_in(client, web)
        today = client.get("/")
        assert today.status_code == 200
        assert "<main" in today.text
        assert client.get("/static/style.css").status_code == 200
        assert client.get(_feed_path(web)).text.startswith("BEGIN:VCALENDAR")
        assert client.get("/healthz").status_code == 200
        assert client.get("/metrics").status_code == 200


def test_the_upload_route_takes_a_body_over_the_default_limit(demo_home: Path) -> None:
    with served(demo_home, {"web": {"upload_max_mb": 1}}) as (web, client):
        sign_in(client, web)
        page = client.get("/connections").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf
        big = b"\0" * (web.settings.service.body_limit_default_bytes + 1)
        answer = client.post(
            "/connections/upload",
            data={"csrf": csrf.group(1)},
            files={"file": ("big.gpx", big, "application/gpx+xml")},
        )
        # Past the body limit: the page answers (it cannot read this "GPX"), not the 413.
        assert answer.status_code != 413
        assert "big.gpx" in answer.text


def test_without_the_page_the_root_is_not_found_and_the_feed_still_answers(
    demo_home: Path,
) -> None:
    with served(demo_home, {"web": {"enabled": False}}) as (web, client):
        assert client.get("/", follow_redirects=False).status_code == 404
        assert client.get("/signin").status_code == 404
        assert client.get(_feed_path(web)).status_code == 200
        assert client.get("/healthz").status_code == 200


def test_the_load_page_draws_what_the_pipeline_stored(demo_home: Path) -> None:
    with served(demo_home) as (web, client):
        with web.store.write() as tx:
            days = tx.athlete(1).days
            stored = days.all()
            assert any(view.ctl > 0 for view in stored), "the pipeline stores the chronic load"
            today = [view for view in stored if not view.forecast][-1]
            marked = replace(today, reason="marked by the test", atl=123.0)
            days.replace([marked if view.day == today.day else view for view in stored])
        sign_in(client, web)
        page = client.get("/load").text
        assert "marked by the test" in page
        assert "acute" in page
