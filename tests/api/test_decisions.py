"""`plan move`, through the API and through the CLI side by side: the same outcome."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncsvc.api.app import Syncsvc
from syncsvc.errors import UsageError
from syncsvc.testing.cli import snapshot
from tests.cli.conftest import planned, run


def _session_on(app: Syncsvc, day: str, kind: str) -> str:
    view = app.athlete().plan()
    return next(
        item.session.id
        for item in view.sessions
        if item.session.local_date.isoformat() == day and item.session.kind.value == kind
    )


def test_an_accepted_move_pins_the_session_on_its_new_day_either_way(
    app: Syncsvc, homes: tuple[Path, Path]
) -> None:
    session_id = _session_on(app, "2026-11-23", "core")

    outcome = app.athlete().move(session_id, "2026-11-26", time="07:30")
    result = run(homes[1], "plan", "move", session_id, "2026-11-26", "--time", "07:30")

    assert result.exit_code == 0, result.output
    assert outcome.session is not None
    assert outcome.session.local_date.isoformat() == "2026-11-26"
    assert outcome.session.pinned is True
    assert outcome.broken == ()
    assert result.stdout.splitlines() == [outcome.message, outcome.replanned]
    by_cli = next(s for s in planned(homes[1]) if s["id"] == session_id)
    assert by_cli["date"] == "2026-11-26"
    assert by_cli["start"].startswith("2026-11-26T07:30")
    assert by_cli["pinned"] is True


def test_a_refused_move_names_the_rule_and_writes_nothing_either_way(
    app: Syncsvc, homes: tuple[Path, Path]
) -> None:
    session_id = _session_on(app, "2026-11-25", "hip")
    before = snapshot(homes[0])

    with pytest.raises(UsageError) as refused:
        app.athlete().move(session_id, "2026-11-28")
    result = run(homes[1], "plan", "move", session_id, "2026-11-28")

    # The rule in words (the id stays in --json and `plan why`).
    assert "Saturday is the day before your Sunday long run" in refused.value.message
    assert "W5" not in refused.value.message
    assert snapshot(homes[0]) == before
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip() == f"error: {refused.value.one_line()}"


def test_a_forced_move_reports_the_rules_it_breaks_either_way(
    app: Syncsvc, homes: tuple[Path, Path]
) -> None:
    session_id = _session_on(app, "2026-11-25", "hip")

    outcome = app.athlete().move(session_id, "2026-11-28", force=True)
    result = run(homes[1], "plan", "move", session_id, "2026-11-28", "--force")

    assert "W5" in {b.rule for b in outcome.broken}
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == outcome.replanned
    said = " ".join(result.stdout.split())
    assert "Placed anyway, though Saturday is the day before your Sunday long run" in said
    assert "W5" not in said  # the id stays in the typed result (`outcome.broken`)


def test_pin_then_unpin_are_one_decision_with_two_directions(app: Syncsvc) -> None:
    runner = app.athlete()
    session_id = _session_on(app, "2026-11-25", "hip")

    pinned = runner.pin(session_id)
    with pytest.raises(UsageError, match="already pinned"):
        runner.pin(session_id)
    unpinned = runner.unpin(session_id)
    with pytest.raises(UsageError, match="is not pinned"):
        runner.unpin(session_id)

    assert pinned.session is not None
    assert pinned.session.pinned is True
    assert unpinned.session is not None
    assert unpinned.session.pinned is False
