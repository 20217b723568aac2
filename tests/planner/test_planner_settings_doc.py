"""Every planner setting is documented in docs/settings.md, with its default."""

from __future__ import annotations

from pathlib import Path

from syncsvc.planner.settings import PlannerSettings
from syncsvc.programme.settings import ProgrammeSettings

SETTINGS_DOC = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def test_every_setting_is_documented() -> None:
    text = SETTINGS_DOC.read_text(encoding="utf-8")
    for name in PlannerSettings.model_fields:
        assert f"`planner.{name}`" in text, name
    for name in ProgrammeSettings.model_fields:
        assert f"`planner.programme.{name}`" in text, name


def test_defaults_follow_program_rules() -> None:
    planner = PlannerSettings()
    programme = planner.programme
    assert (planner.core_per_week, planner.hip_per_week, planner.min_gap_days) == (2, 2, 2)
    assert (programme.acwr_hold, programme.acwr_step_back, programme.distance_jump) == (
        1.3,
        1.5,
        0.10,
    )
    assert (programme.completion_to_advance, programme.missed_in_a_row_to_repeat) == (0.8, 2)
    assert (programme.rotate_after_weeks, programme.form_check_every_weeks) == (3, 4)
    assert programme.rest_day_mobility_minutes == 10
