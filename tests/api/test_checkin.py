"""`checkin` through the API and through the CLI side by side."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from syncsvc.api.app import Syncsvc
from syncsvc.errors import UsageError
from syncsvc.reasons import plain
from tests.cli.conftest import run


def test_a_checkin_is_recorded_and_listed_the_same_either_way(
    app: Syncsvc, homes: tuple[Path, Path]
) -> None:
    outcome = app.athlete().checkin(7, sore=["dead bug"], note="after the long run")
    result = run(
        homes[1], "checkin", "--back", "7", "--sore", "dead bug", "--note", "after the long run"
    )

    assert result.exit_code == 0, result.output
    assert outcome.checkin.back_score == 7
    assert outcome.checkin.sore_exercises == ("Dead bug",)
    assert "(P4)" in outcome.message
    assert "(P5)" in outcome.message
    assert outcome.replanned.startswith("Replanned")
    # The CLI says the API's message in words: the rule ids (P4, P5) stay in the typed result.
    assert result.stdout.replace("\n", " ").split() == (
        f"{plain(outcome.message)} {outcome.replanned}".split()
    )
    assert "(P4)" not in result.stdout
    (stored,) = app.athlete().checkins()
    listed = json.loads(run(homes[1], "checkin", "--list", "--json").stdout)
    assert [(e["back"], e["sore"], e["note"]) for e in listed] == [
        (stored.back_score, list(stored.sore_exercises), stored.note)
    ]


def test_an_out_of_range_score_is_refused_before_anything_is_written_either_way(
    app: Syncsvc, homes: tuple[Path, Path]
) -> None:
    with pytest.raises(UsageError, match="out of range"):
        app.athlete().checkin(11)
    result = run(homes[1], "checkin", "--back", "11")

    assert result.exit_code == 2
    assert "out of range" in result.stderr
    assert app.athlete().checkins() == []
    assert json.loads(run(homes[1], "checkin", "--list", "--json").stdout) == []
