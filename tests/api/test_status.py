"""`status`: a typed report from the API; the CLI's table and JSON render that report."""

from __future__ import annotations

import json
from pathlib import Path

from syncsvc.api.app import Syncsvc
from syncsvc.api.status import StatusReport
from tests.cli.conftest import run


def test_status_is_a_typed_report_and_the_cli_renders_the_same_facts(
    app: Syncsvc, homes: tuple[Path, Path]
) -> None:
    report = app.athlete().status()
    data = json.loads(run(homes[1], "status", "--json").stdout)
    table = run(homes[1], "status").stdout

    assert isinstance(report, StatusReport)
    assert report.athlete.name == data["athlete"] == "demo"
    assert report.today.isoformat() == data["today"] == "2026-11-23"
    assert [s.id for s in report.next_sessions] == [s["id"] for s in data["next_sessions"]]
    assert report.next_sessions
    assert report.today_class is not None
    assert data["day_classes"]["today"]["class"] == report.today_class.day_class
    assert [a.provider for a in report.accounts if not a.connected] == ["strava", "garmin"]
    assert list(report.attention) == data["attention"]
    assert report.feed_url is not None
    assert report.feed_url in table.replace("\n", "")
    assert report.feed_url.split("/feeds/")[1] not in json.dumps(data)
    assert data["feed"] == {"configured": True, "url": report.redacted_feed_url}
    for session in report.next_sessions:
        assert session.id in table
