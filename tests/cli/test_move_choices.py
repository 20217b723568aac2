"""`plan move ID` without a day lists where the session fits; an all-refused week says so."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import at, run, run_json


def _flat(text: str) -> str:
    return " ".join(text.split())


def _crowded_home(tmp_path: Path) -> Path:
    """Hard runs on Tuesday and Thursday, the long run on Sunday: a hip session fits Friday only."""
    at("2026-11-23T05:30:00Z")
    home = tmp_path / "home"
    assert run(home, "init", "--timezone", "Europe/Berlin").exit_code == 0
    assert run(home, "profile", "set", "hard_days", "tue,thu").exit_code == 0
    assert run(home, "profile", "set", "long_run_days", "sun").exit_code == 0
    assert run(home, "replan").exit_code == 0
    return home


def test_move_without_a_day_lists_where_it_fits_and_why_not(demo_home: Path) -> None:
    core = next(s for s in run_json(demo_home, "plan") if s["date"] == "2026-11-23")
    before = run_json(demo_home, "plan")
    result = run(demo_home, "plan", "move", core["id"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Days this week and next:" in out
    assert "Mon 23 Nov  (where it is now)" in out
    assert "fits" in out
    assert "no: " in out
    assert "Move it with: syncsvc plan move " + core["id"] in out
    assert "Sun 06 Dec" in out  # next week too
    assert run_json(demo_home, "plan") == before  # nothing recorded


def test_a_week_where_every_day_is_refused_says_so_and_offers_the_nearest(
    tmp_path: Path,
) -> None:
    home = _crowded_home(tmp_path)
    hip = next(
        s
        for s in run_json(home, "plan")
        if s["kind"] == "hip" and s["status"] == "planned" and s["date"] == "2026-12-04"
    )
    listing = _flat(run(home, "plan", "move", hip["id"]).stdout)
    assert "Sat 05 Dec no: Saturday is the day before your Sunday long run" in listing
    assert "No day fits without breaking a rule" in listing
    refused = run(home, "plan", "move", hip["id"], "2026-12-05")
    assert refused.exit_code == 2
    assert len(refused.stderr.strip().splitlines()) == 1
    said = refused.stderr
    assert "No other day that week fits a hip session without breaking a rule" in said
    assert "the nearest with the least to break is Sun 2026-12-06 (Sunday holds your long" in said


def test_move_without_a_day_refuses_a_session_already_past_as_the_move_would(
    demo_home: Path,
) -> None:
    """No list of days for a session that cannot be moved at all."""
    past = next(s for s in run_json(demo_home, "plan") if s["date"] == "2026-11-23")
    at("2026-11-24T12:00:00Z")  # a day later: Monday's session is behind us
    result = run(demo_home, "plan", "move", past["id"])
    assert result.exit_code == 2
    assert "has already started: only sessions ahead can be moved" in result.stderr
    assert "Days this week and next" not in result.stdout
