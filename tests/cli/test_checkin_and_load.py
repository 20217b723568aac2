"""`syncsvc checkin` (P4, P5) and `syncsvc load` (issue 4)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from syncsvc.testing.cli import snapshot
from tests.cli.conftest import planned, run, run_json


def test_a_checkin_is_recorded_listed_and_replans(demo_home: Path) -> None:
    result = run(demo_home, "checkin", "--back", "3", "--sore", "dead bug", "--note", "stiff")
    assert result.exit_code == 0, result.output
    assert "low back 3/10" in result.stdout
    assert "Dead bug" in result.stdout
    assert "Replanned" in result.stdout
    [entry] = run_json(demo_home, "checkin", "--list")
    assert entry["back"] == 3
    assert entry["sore"] == ["Dead bug"]
    assert entry["note"] == "stiff"
    assert entry["at"].startswith("2026-11-23T06:30:00+01:00")


def test_a_high_back_score_sends_the_next_sessions_back_to_basics(demo_home: Path) -> None:
    result = run(demo_home, "checkin", "--back", "7")
    assert result.exit_code == 0, result.output
    assert "go back to the basics" in " ".join(result.stdout.split())
    assert "(P4)" not in result.stdout
    ahead = planned(demo_home)
    assert any("P4" in reason["rules"] for s in ahead for reason in s["reasons"])
    assert all("P4" not in reason["text"] for s in ahead for reason in s["reasons"])


def test_checkin_json_echoes_what_was_recorded(demo_home: Path) -> None:
    data = run_json(demo_home, "checkin", "--back", "2")
    assert data["back"] == 2
    assert data["sore"] == []
    assert isinstance(data["id"], int)


@pytest.mark.parametrize(
    "args",
    [
        ("checkin", "--back", "11"),
        ("checkin", "--back", "-1"),
        ("checkin", "--back", "4", "--sore", "juggling"),
        ("checkin",),
        ("checkin", "--list", "--back", "3"),
        ("checkin", "--back", "3", "--athlete", "nobody"),
    ],
    ids=["too-high", "negative", "unknown-exercise", "no-score", "list-and-score", "athlete"],
)
def test_bad_checkins_exit_2_with_one_line_and_change_nothing(
    demo_home: Path, args: tuple[str, ...]
) -> None:
    before = snapshot(demo_home)
    result = run(demo_home, *args)
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(demo_home) == before


def test_load_json_holds_the_issue_fields_and_flags_the_days_ahead(demo_home: Path) -> None:
    rows = run_json(demo_home, "load", "--days", "7")
    keys = {"date", "load", "distance_km", "class", "reason", "atl", "ctl", "tsb", "acwr"}
    assert all(keys <= row.keys() for row in rows)
    past = [row for row in rows if not row["forecast"]]
    ahead = [row for row in rows if row["forecast"]]
    assert len(past) == 7
    assert past[-1]["date"] == "2026-11-22"
    assert past[-1]["class"] == "long"
    assert ahead
    assert ahead[0]["date"] == "2026-11-23"
    assert all(row["forecast"] is True for row in ahead)
    days = [date.fromisoformat(row["date"]) for row in rows]
    assert days == [days[0] + timedelta(days=n) for n in range(len(days))]


def test_load_table_shows_recent_days_and_the_forecast(demo_home: Path) -> None:
    result = run(demo_home, "load", "--days", "5")
    assert result.exit_code == 0, result.output
    assert "Sun 22 Nov" in result.stdout
    assert "ahead" in result.stdout
    assert "long" in result.stdout


def test_load_plot_writes_a_png(demo_home: Path, tmp_path: Path) -> None:
    target = tmp_path / "load.png"
    result = run(demo_home, "load", "--plot", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "args",
    [("load", "--days", "0"), ("load", "--plot", "load.txt"), ("load", "--plot", "/nope/x.png")],
    ids=["days", "suffix", "folder"],
)
def test_bad_load_options_exit_2(demo_home: Path, args: tuple[str, ...]) -> None:
    result = run(demo_home, *args)
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_status_shows_today_and_tomorrow_running_class(demo_home: Path) -> None:
    data = run_json(demo_home, "status")
    assert data["day_classes"]["today"]["class"] in ("rest", "easy", "moderate")
    assert data["day_classes"]["tomorrow"]["class"] == "hard"
    assert data["next_sessions"]
    text = run(demo_home, "status").stdout
    assert "tomorrow" in text
    assert "hard" in text


def test_day_classes_follow_a_profile_change_at_once(demo_home: Path) -> None:
    assert run_json(demo_home, "status")["day_classes"]["tomorrow"]["class"] == "hard"
    result = run(demo_home, "profile", "set", "rest_days", "tue")
    assert result.exit_code == 0, result.output
    tomorrow = run_json(demo_home, "status")["day_classes"]["tomorrow"]
    assert tomorrow["class"] == "rest"
    assert tomorrow["source"] == "declared"
