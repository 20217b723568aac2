"""Small truths: the feed URL in --json, activity names, the Strava budget, one horizon."""

from __future__ import annotations

import re
from pathlib import Path

from tests.cli.conftest import at, run, run_json


def test_feed_url_json_returns_the_url_itself(demo_home: Path) -> None:
    data = run_json(demo_home, "feed", "url")
    plain = run(demo_home, "feed", "url").stdout
    assert data["url"] in plain
    assert "…" not in data["url"]
    assert data["webcal"].startswith("webcal://")


def test_activities_show_the_name(demo_home: Path) -> None:
    result = run(demo_home, "activities", "--days", "3")
    assert result.exit_code == 0, result.output
    assert "name" in result.stdout
    assert "Long run" in result.stdout


def test_status_shows_a_strava_budget_only_when_strava_is_connected(demo_home: Path) -> None:
    result = run(demo_home, "status")
    assert result.exit_code == 0, result.output
    assert "strava budget" not in result.stdout
    assert "W4:" not in result.stdout


def test_plan_and_the_feed_agree_on_the_horizon(demo_home: Path, tmp_path: Path) -> None:
    at("2026-11-25T07:00:00Z")  # a Wednesday: the planner's last week runs past today + 14
    assert run(demo_home, "replan").exit_code == 0
    ahead = {s["uid"] for s in run_json(demo_home, "plan") if s["status"] == "planned"}
    feed = tmp_path / "plan.ics"
    assert run(demo_home, "feed", "export", str(feed)).exit_code == 0
    text = feed.read_text()
    published = set()
    for block in text.split("BEGIN:VEVENT")[1:]:
        start = re.search(r"^DTSTART[^:]*:(\d{8})", block, flags=re.M)
        uid = re.search(r"^UID:(.+?)\r?$", block, flags=re.M)
        assert start is not None
        assert uid is not None
        is_session = block.count("SUMMARY:Core") + block.count("SUMMARY:Hip")
        if is_session and "STATUS:CANCELLED" not in block and start[1] >= "20261125":
            published.add(uid[1])
    assert published
    assert ahead == published
    assert max(s["date"] for s in run_json(demo_home, "plan")) >= "2026-12-10"
