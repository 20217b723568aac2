"""`syncsvc feed url|export|rotate` (issue 6) and `syncsvc plan-source ...` (issue 4)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import responses

from syncsvc.runtime import Runtime
from syncsvc.store.shared import TokenStatus
from syncsvc.testing.cli import snapshot
from tests.cli.conftest import run, run_json

PLAN_ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//coach//plan//EN\r\n"
    "BEGIN:VEVENT\r\nUID:w1@coach\r\nDTSTAMP:20261101T000000Z\r\n"
    "DTSTART;VALUE=DATE:20261125\r\nSUMMARY:Intervals 6x800\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


def token_status(home: Path, token: str) -> TokenStatus:
    runtime = Runtime.create(home=home)
    try:
        with runtime.store.read() as tx:
            return tx.shared.find_token(token).status
    finally:
        runtime.close()


def shown_urls(home: Path, *args: str) -> tuple[str, str]:
    """The http and webcal URLs a command prints for the runner to copy."""
    output = run(home, "feed", *args).stdout
    (url,) = re.findall(r"https?://\S+\.ics", output)
    (webcal,) = re.findall(r"webcal://\S+\.ics", output)
    return url, webcal


def test_feed_url_prints_the_http_and_webcal_addresses(demo_home: Path) -> None:
    url, webcal = shown_urls(demo_home, "url")
    assert url.startswith("http://127.0.0.1:8765/feeds/")
    assert webcal == "webcal://" + url.split("://", 1)[1]
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert token_status(demo_home, token) is TokenStatus.ACTIVE


def test_feed_url_json_gives_the_url_and_rotate_json_hides_the_new_token(
    demo_home: Path,
) -> None:
    """`feed url --json` is asked for in the runner's own terminal, and scripts need the URL."""
    url, webcal = shown_urls(demo_home, "url")
    shown = run(demo_home, "feed", "url", "--json")
    assert shown.exit_code == 0
    assert json.loads(shown.stdout)["url"] == url
    assert json.loads(shown.stdout)["webcal"] == webcal
    rotated = run(demo_home, "feed", "rotate", "--json")
    assert rotated.exit_code == 0
    assert json.loads(rotated.stdout)["url"].startswith("http://127.0.0.1:8765/feeds/<token>")


def test_feed_rotate_revokes_the_old_address(demo_home: Path) -> None:
    old, _ = shown_urls(demo_home, "url")
    new, _ = shown_urls(demo_home, "rotate")
    assert new != old
    token = old.rsplit("/", 1)[1].removesuffix(".ics")
    assert token_status(demo_home, token) is TokenStatus.REVOKED
    assert shown_urls(demo_home, "url")[0] == new


def test_feed_export_writes_the_stored_bytes(demo_home: Path, tmp_path: Path) -> None:
    target = tmp_path / "plan.ics"
    result = run(demo_home, "feed", "export", str(target))
    assert result.exit_code == 0, result.output
    body = target.read_bytes()
    assert body.startswith(b"BEGIN:VCALENDAR\r\n")
    assert body == (demo_home / "demo-feed-before.ics").read_bytes()


def test_feed_export_into_a_missing_folder_exits_2(demo_home: Path) -> None:
    result = run(demo_home, "feed", "export", "/no/such/folder/plan.ics")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_plan_source_file_forecasts_its_hard_day(demo_home: Path, tmp_path: Path) -> None:
    plan = tmp_path / "coach.ics"
    plan.write_text(PLAN_ICS)
    result = run(demo_home, "plan-source", "add", str(plan))
    assert result.exit_code == 0, result.output
    assert "1 workouts" in result.stdout
    [source] = run_json(demo_home, "plan-source", "list")
    assert source["name"] == "coach"
    assert source["kind"] == "file"
    assert source["workouts_ahead"] == 1
    wednesday = next(r for r in run_json(demo_home, "load") if r["date"] == "2026-11-25")
    assert wednesday["class"] == "hard"
    assert wednesday["class_source"] == "plan"
    hip = [s for s in run_json(demo_home, "plan") if s["status"] == "planned"]
    assert all(s["date"] != "2026-11-25" for s in hip)
    result = run(demo_home, "plan-source", "remove", "coach")
    assert result.exit_code == 0, result.output
    assert run_json(demo_home, "plan-source", "list") == []


@responses.activate
def test_a_plan_source_url_is_fetched_once_and_stored(demo_home: Path) -> None:
    responses.get("https://coach.example/plan.ics", body=PLAN_ICS)
    result = run(demo_home, "plan-source", "add", "webcal://coach.example/plan.ics")
    assert result.exit_code == 0, result.output
    [source] = run_json(demo_home, "plan-source", "list")
    assert source["kind"] == "url"
    assert source["name"] == "coach.example"
    assert len(responses.calls) == 1


@responses.activate
def test_an_unreachable_plan_url_fails_with_exit_1_and_stores_nothing(demo_home: Path) -> None:
    responses.get("https://coach.example/plan.ics", status=503)
    before = snapshot(demo_home)
    result = run(demo_home, "plan-source", "add", "https://coach.example/plan.ics")
    assert result.exit_code == 1
    assert "503" in result.stderr
    assert snapshot(demo_home) == before


@pytest.mark.parametrize("case", ["missing-file", "not-a-calendar", "unknown-remove", "duplicate"])
def test_bad_plan_sources_exit_2_and_change_nothing(
    demo_home: Path, tmp_path: Path, case: str
) -> None:
    if case == "duplicate":
        plan = tmp_path / "coach.ics"
        plan.write_text(PLAN_ICS)
        assert run(demo_home, "plan-source", "add", str(plan)).exit_code == 0
        args: tuple[str, ...] = ("plan-source", "add", str(plan))
    elif case == "missing-file":
        args = ("plan-source", "add", str(tmp_path / "nope.ics"))
    elif case == "not-a-calendar":
        junk = tmp_path / "junk.ics"
        junk.write_text("this is not a calendar")
        args = ("plan-source", "add", str(junk))
    else:
        args = ("plan-source", "remove", "nope")
    before = snapshot(demo_home)
    result = run(demo_home, *args)
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(demo_home) == before
