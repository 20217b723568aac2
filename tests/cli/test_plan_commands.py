"""`syncsvc plan`, its overrides, `today` and `replan`, driven as a runner would."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from syncsvc.api.demo import hard_run, source_records
from syncsvc.runtime import Runtime
from syncsvc.sources.ingest import store_records
from syncsvc.sources.settings import MergeSettings
from syncsvc.testing.cli import snapshot
from tests.cli.conftest import at, planned, run, run_json

MONDAY = date(2026, 11, 23)


def session_on(home: Path, day: str, kind: str | None = None) -> dict[str, Any]:
    found = [s for s in planned(home) if s["date"] == day and (kind is None or s["kind"] == kind)]
    assert found, f"no planned session on {day}"
    return found[0]


def overrides(home: Path) -> list[Any]:
    runtime = Runtime.create(home=home)
    try:
        athlete = runtime.athlete()
        with runtime.store.read() as tx:
            return tx.athlete(athlete.id).overrides.all()
    finally:
        runtime.close()


def test_plan_json_holds_every_field_the_issue_lists(demo_home: Path) -> None:
    sessions = run_json(demo_home, "plan")
    assert len(sessions) >= 8
    for item in sessions:
        assert {
            "id",
            "uid",
            "kind",
            "date",
            "start",
            "end",
            "status",
            "pinned",
            "sequence",
            "exercises",
            "reasons",
        } <= item.keys()
        assert item["kind"] in ("core", "hip")
        assert item["status"] in ("planned", "done", "skipped", "missed", "cancelled")
        assert item["uid"] == f"{item['id']}@syncsvc.invalid"
        start, end = datetime.fromisoformat(item["start"]), datetime.fromisoformat(item["end"])
        assert start.utcoffset() is not None
        assert end > start
        assert start.date().isoformat() == item["date"]
        assert item["exercises"]
        assert all({"name", "dose"} <= e.keys() for e in item["exercises"])
        assert item["reasons"]
        assert isinstance(item["sequence"], int)
        assert isinstance(item["pinned"], bool)


def test_plan_shows_each_session_with_its_run_day_class_and_reason(demo_home: Path) -> None:
    result = run(demo_home, "plan")
    assert result.exit_code == 0, result.output
    first = session_on(demo_home, "2026-11-23")
    assert first["id"] in result.stdout
    assert "Mon 23 Nov" in result.stdout
    # Reasons in words: no rule ids by default, they stay in --json.
    assert "is a rest day" in result.stdout or "is an easy day" in result.stdout
    assert "(W4" not in result.stdout
    reasons = first["reasons"]
    assert reasons[0]["rules"] == ["W4"]
    assert "W4" not in reasons[0]["text"]
    assert first["day_class"] in ("rest", "easy", "moderate")


def test_move_pins_the_session_and_the_reasons_say_the_runner_moved_it(demo_home: Path) -> None:
    core = session_on(demo_home, "2026-11-23", "core")
    result = run(demo_home, "plan", "move", core["id"][:4], "2026-11-26", "--time", "07:30")
    assert result.exit_code == 0, result.output
    assert "Moved core session" in result.stdout
    moved = next(s for s in run_json(demo_home, "plan") if s["id"] == core["id"])
    assert moved["date"] == "2026-11-26"
    assert moved["start"].startswith("2026-11-26T07:30:00+01:00")
    assert moved["pinned"] is True
    assert moved["origin"] == "user"
    assert moved["sequence"] > core["sequence"]
    assert any("moved by you on 23 nov" in reason["text"].lower() for reason in moved["reasons"])
    (override,) = overrides(demo_home)  # one entry: the planner pins a moved session itself
    assert override.action.value == "move"
    assert override.origin == "cli"
    assert override.at.isoformat().startswith("2026-11-23T05:30")


def test_a_hip_session_the_day_before_the_long_run_is_refused_naming_w5(
    demo_home: Path,
) -> None:
    hip = session_on(demo_home, "2026-11-25", "hip")
    before = snapshot(demo_home)
    result = run(demo_home, "plan", "move", hip["id"], "2026-11-28")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Saturday is the day before your Sunday long run" in result.stderr
    assert "W5" not in result.stderr
    assert "--force" in result.stderr
    assert snapshot(demo_home) == before


def test_move_with_force_is_recorded_with_the_rules_it_breaks(demo_home: Path) -> None:
    hip = session_on(demo_home, "2026-11-25", "hip")
    result = run(demo_home, "plan", "move", hip["id"], "2026-11-28", "--force")
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert "Placed anyway, though Saturday is the day before your Sunday" in said
    assert "W5" not in result.stdout
    override = overrides(demo_home)[0]
    assert override.action.value == "move"
    assert override.forced is True
    assert "W5" in override.broken_rules
    moved = next(s for s in run_json(demo_home, "plan") if s["id"] == hip["id"])
    assert moved["date"] == "2026-11-28"
    assert any(w.startswith("W5") for w in moved["warnings"])
    assert any("--force" in reason["text"] for reason in moved["reasons"])
    assert any("W5" in reason["rules"] for reason in moved["reasons"])
    shown = " ".join(run(demo_home, "plan").stdout.split())
    # One line says the forced move and what it breaks (no repeated warning or decision).
    assert shown.count("Saturday is the day before your Sunday") == 1
    assert "Moved by you" not in shown


def test_a_moved_session_stays_when_a_hard_run_lands_on_its_day(demo_home: Path) -> None:
    """The runner's override survives a replan whose load contradicts it (W4 now breaks)."""
    core = session_on(demo_home, "2026-11-23", "core")
    assert run(demo_home, "plan", "move", core["id"], "2026-11-25", "--force").exit_code == 0
    at("2026-11-25T09:30:00Z")
    runtime = Runtime.create(home=demo_home)
    try:
        athlete = runtime.athlete()
        run_record = hard_run(date(2026, 11, 25), _zone(), athlete.profile)
        for source, records in source_records((run_record,)).items():
            if records:
                store_records(runtime.store, athlete.id, source, records, [], MergeSettings())
    finally:
        runtime.close()
    result = run(demo_home, "replan")
    assert result.exit_code == 0, result.output
    kept = next(s for s in run_json(demo_home, "plan") if s["id"] == core["id"])
    assert kept["date"] == "2026-11-25"
    assert kept["pinned"] is True
    assert kept["day_class"] == "hard"
    assert any(w.startswith("W4") for w in kept["warnings"])


def _zone() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Berlin")


def test_pin_unpin_skip_reset_and_add_each_do_what_they_say(demo_home: Path) -> None:
    wed = session_on(demo_home, "2026-11-25", "hip")
    assert run(demo_home, "plan", "pin", wed["id"]).exit_code == 0
    assert next(s for s in run_json(demo_home, "plan") if s["id"] == wed["id"])["pinned"]
    assert run(demo_home, "plan", "unpin", wed["id"]).exit_code == 0
    assert not next(s for s in run_json(demo_home, "plan") if s["id"] == wed["id"])["pinned"]

    sat = session_on(demo_home, "2026-11-28", "core")
    assert run(demo_home, "plan", "skip", sat["id"], "--note", "travel").exit_code == 0
    skipped = next(s for s in run_json(demo_home, "plan") if s["id"] == sat["id"])
    assert skipped["status"] == "skipped"
    assert run(demo_home, "plan", "reset", sat["id"]).exit_code == 0
    back = next(s for s in run_json(demo_home, "plan") if s["id"] == sat["id"])
    assert back["status"] == "planned"

    result = run(demo_home, "plan", "add", "core", "2026-12-01", "--time", "06:45", "--force")
    assert result.exit_code == 0, result.output
    added = [s for s in run_json(demo_home, "plan") if s["origin"] == "user"]
    assert any(s["date"] == "2026-12-01" and s["kind"] == "core" for s in added)
    actions = [o.action.value for o in overrides(demo_home)]
    assert actions == ["pin", "unpin", "skip", "reset", "add"]


def test_done_records_how_it_felt(demo_home: Path) -> None:
    core = session_on(demo_home, "2026-11-23", "core")
    at("2026-11-23T19:00:00Z")
    result = run(demo_home, "plan", "done", core["id"], "--rpe", "6", "--note", "felt solid")
    assert result.exit_code == 0, result.output
    done = next(s for s in run_json(demo_home, "plan") if s["id"] == core["id"])
    assert done["status"] == "done"
    assert done["rpe"] == 6
    assert done["note"] == "felt solid"


def test_adding_on_a_hard_day_is_refused_without_force(demo_home: Path) -> None:
    before = snapshot(demo_home)
    result = run(demo_home, "plan", "add", "core", "2026-11-24")
    assert result.exit_code == 2
    assert "Tuesday holds your" in result.stderr
    assert "W4" not in result.stderr
    assert snapshot(demo_home) == before


def ambiguous_prefix(home: Path) -> str:
    ids = [str(s["id"]) for s in run_json(home, "plan")]
    for size in (1, 2, 3):
        prefixes = [i[:size] for i in ids]
        for prefix in prefixes:
            if prefixes.count(prefix) > 1:
                return prefix
    pytest.skip("no two session ids share a prefix in this plan")


BAD_INPUTS = {
    "unknown id": ("plan", "move", "zzzzzzzz", "2026-11-26"),
    "date in the past": ("plan", "move", "{core}", "2026-11-20"),
    "impossible date": ("plan", "move", "{core}", "2026-13-45"),
    "impossible time": ("plan", "move", "{core}", "2026-11-26", "--time", "25:00"),
    "rpe too high": ("plan", "done", "{core}", "--rpe", "11"),
    "rpe too low": ("plan", "done", "{core}", "--rpe", "0"),
    "unknown kind": ("plan", "add", "yoga", "2026-11-26"),
    "skip unknown": ("plan", "skip", "qqqq"),
    "pin what is not planned ahead": ("plan", "unpin", "{core}"),
    "weeks out of range": ("plan", "--weeks", "0"),
    "unknown athlete": ("plan", "--athlete", "nobody"),
    "move to the same slot": ("plan", "move", "{core}", "2026-11-23"),
    "today with unknown athlete": ("today", "--athlete", "nobody"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_exits_2_with_one_line_and_changes_nothing(demo_home: Path, case: str) -> None:
    core = session_on(demo_home, "2026-11-23", "core")
    args = [arg.format(core=core["id"]) for arg in BAD_INPUTS[case]]
    before = snapshot(demo_home)
    result = run(demo_home, *args)
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.output
    assert snapshot(demo_home) == before


def test_an_ambiguous_prefix_is_refused_listing_the_candidates(demo_home: Path) -> None:
    prefix = ambiguous_prefix(demo_home)
    before = snapshot(demo_home)
    result = run(demo_home, "plan", "pin", prefix)
    assert result.exit_code == 2
    assert "ambiguous" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(demo_home) == before


def test_today_shows_the_session_in_full_with_cues_and_why(demo_home: Path) -> None:
    result = run(demo_home, "today")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Core session, Monday 2026-11-23 at 18:00" in out
    for heading in ("Warm-up:", "Exercises:", "Cool-down:", "Why this day:"):
        assert heading in out
    assert "tempo" in out
    assert "   · " in out
    data = run_json(demo_home, "today")
    assert data["date"] == "2026-11-23"
    assert data["exercises"]
    assert all(e["cues"] for e in data["exercises"])
    assert data["warmup"]
    assert data["cooldown"]


def test_replan_with_nothing_new_says_nothing_moved(demo_home: Path) -> None:
    result = run(demo_home, "replan")
    assert result.exit_code == 0, result.output
    assert "nothing moved" in result.stdout
    summary = run_json(demo_home, "replan")
    assert summary["moved"] == []
    assert summary["trigger"] == "cli replan"


def test_replan_all_replans_every_athlete_and_refuses_a_named_one(demo_home: Path) -> None:
    added = run(demo_home, "athlete", "add", "kim", "--timezone", "Europe/Paris")
    assert added.exit_code == 0, added.output
    result = run(demo_home, "replan", "--all")
    assert result.exit_code == 0, result.output
    assert "Replanned 2 athlete(s)" in result.stdout
    summaries = run_json(demo_home, "replan", "--all")
    assert [s["trigger"] for s in summaries] == ["cli replan all"] * 2
    assert summaries[0]["moved"] == []  # the demo runner's plan stands: nothing new
    refused = run(demo_home, "replan", "--all", "--athlete", "kim")
    assert refused.exit_code == 2
    assert refused.stderr.startswith("error:")


def test_plan_json_is_plain_json_on_stdout_only(demo_home: Path) -> None:
    result = run(demo_home, "plan", "--json")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert isinstance(json.loads(result.stdout), list)
