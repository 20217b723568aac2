"""What a runner reads: reasons in words, rule ids only in --json and `plan why`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.cli.conftest import at, run, run_json


def _flat(text: str) -> str:
    return " ".join(text.split())


def _session_on(home: Path, day: str, kind: str) -> dict[str, Any]:
    return next(s for s in run_json(home, "plan") if s["date"] == day and s["kind"] == kind)


def test_plan_why_names_the_rules_the_plan_says_in_words(demo_home: Path) -> None:
    core = _session_on(demo_home, "2026-11-23", "core")
    result = run(demo_home, "plan", "why", core["id"][:5])
    assert result.exit_code == 0, result.output
    assert core["id"] in result.stdout
    assert "Why this day:" in result.stdout
    assert "[W4: rest days and lighter days first]" in result.stdout
    assert "docs/programme.md" in result.stdout
    unknown = run(demo_home, "plan", "why", "zzzz")
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("error: no session with id 'zzzz'")


def test_today_says_plainly_when_nothing_is_planned_today(demo_home: Path) -> None:
    at("2026-11-24T07:00:00Z")  # Tuesday: the demo week holds nothing on Tuesday
    result = run(demo_home, "today")
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith("Nothing planned today. The next session is on Wednesday 25 Nov")
    assert "session, Wednesday 2026-11-25" in result.stdout


def test_done_twice_updates_the_record_and_plan_and_today_show_how_it_felt(
    demo_home: Path,
) -> None:
    at("2026-11-23T19:00:00Z")
    core = _session_on(demo_home, "2026-11-23", "core")
    assert run(demo_home, "plan", "done", core["id"], "--rpe", "5").exit_code == 0
    again = run(demo_home, "plan", "done", core["id"], "--rpe", "7", "--note", "legs heavy")
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith(f"Updated core session {core['id']} done (RPE 7)")
    done = _session_on(demo_home, "2026-11-23", "core")
    assert done["rpe"] == 7
    assert sum("marked done" in d for d in done["decisions"]) == 1
    shown = _flat(run(demo_home, "plan").stdout)
    assert "how it felt: RPE 7, legs heavy" in shown
    assert shown.lower().count("marked done by you") == 1


def test_a_dropped_session_gives_the_real_cause_and_what_would_make_room(tmp_path: Path) -> None:
    at("2026-11-23T05:30:00Z")
    home = tmp_path / "home"
    assert run(home, "init", "--timezone", "Europe/Berlin").exit_code == 0
    assert run(home, "profile", "set", "hard_days", "tue,thu").exit_code == 0
    assert run(home, "profile", "set", "long_run_days", "sun").exit_code == 0
    assert run(home, "replan").exit_code == 0
    shown = _flat(run(home, "plan").stdout)
    assert "a hip session fits only on Friday" in shown
    assert "Monday is the day before your Tuesday hard run" in shown
    assert "Saturday is the day before your Sunday long run" in shown
    assert "To make room: plan fewer hip sessions (planner.hip_per_week = 1)" in shown
    assert "(W2" not in shown
    assert "W4 and W5" not in shown
    # No rest day this week: a rest-day double would not help, so it is not offered.
    assert "allow_rest_day_double" not in shown
    dropped = [s for s in run_json(home, "plan") if s["status"] == "cancelled"]
    assert dropped
    assert {"W2", "W5"} <= set(dropped[0]["reasons"][0]["rules"])
    # "the lightest day left this week" only when no lighter day is still open.
    hips = [s for s in run_json(home, "plan") if s["status"] == "planned"]
    for session in hips:
        for reason in session["reasons"]:
            if "lightest day left" in reason["text"]:
                assert session["day_class"] in ("rest", "easy")
