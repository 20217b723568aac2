"""The programme as data: complete, consistent, and loud about mistakes (S1-S7)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from syncsvc.domain import SessionKind, StrengthLevel
from syncsvc.errors import ConfigError
from syncsvc.programme.catalogue import (
    CatalogueError,
    ExerciseKind,
    default_catalogue_text,
    load_catalogue,
    parse_catalogue,
)

CATALOGUE = load_catalogue()
NAME, TEXT = default_catalogue_text()


def test_every_kind_and_level_has_at_least_eight_exercises() -> None:
    counts = Counter((e.kind, e.level) for e in CATALOGUE.exercises.values())
    for kind in ExerciseKind:
        for level in StrengthLevel:
            assert counts[(kind, level)] >= 8, (kind, level)


def test_every_variant_and_substitute_reference_resolves() -> None:
    known = set(CATALOGUE.exercises)
    for exercise in CATALOGUE.exercises.values():
        assert exercise.gentler in known
        assert exercise.gentler != exercise.id
        assert exercise.harder in known
        assert exercise.harder != exercise.id
        assert exercise.substitutes
        assert set(exercise.substitutes) <= known - {exercise.id}
    for block in CATALOGUE.blocks:
        for level in StrengthLevel:
            lists = block.for_level(level)
            for ids in (lists.core, lists.hip, lists.warmup, lists.cooldown):
                assert set(ids) <= known


def test_every_exercise_has_a_dose_tempo_and_two_or_three_plain_cues() -> None:
    for exercise in CATALOGUE.exercises.values():
        assert (exercise.reps is None) != (exercise.hold_s is None), exercise.id
        assert exercise.tempo
        assert 2 <= len(exercise.cues) <= 3


def test_catalogue_covers_everything_the_article_names() -> None:
    names = " | ".join(e.name.lower() for e in CATALOGUE.exercises.values())
    for words in (
        "diaphragmatic breathing",
        "dead bug",
        "bird-dog",
        "glute bridge",
        "half-kneeling pallof",
        "side plank",
        "clamshell",
        "side-lying leg raise",
        "monster walk",
        "march",  # hip flexor work
        "hip extension",  # hip extensor work
        "calf raise",
        "single-leg balance",
        "nordic",  # light eccentric hamstring work
        "plantar fascia",  # the foot warm-up
    ):
        assert words in names, words


def test_blocks_run_from_foundation_to_integration_with_sessions_of_four_to_six() -> None:
    ids = [block.id for block in CATALOGUE.blocks]
    assert ids[0] == "foundation"
    assert ids[-1] == "integration"
    for block in CATALOGUE.blocks:
        for level in StrengthLevel:
            for kind in SessionKind:
                assert len(block.for_level(level).main(kind)) >= 6


def test_foundation_holds_the_article_first_block_exercises() -> None:
    beginner = CATALOGUE.blocks[0].beginner
    assert {"breathing_brace", "dead_bug", "bird_dog", "glute_bridge"} <= set(beginner.core)


def test_beginner_work_is_bodyweight_and_intermediate_adds_bands_and_dumbbells() -> None:
    """S1: beginners bodyweight; intermediates resistance bands, light dumbbells, tempo holds."""
    loaded = ("band", "dumbbell")
    for block in CATALOGUE.blocks:
        for kind in SessionKind:
            for exercise_id in block.beginner.main(kind):
                equipment = " ".join(CATALOGUE.exercise(exercise_id).equipment)
                assert not any(word in equipment for word in loaded), exercise_id
    intermediate = {
        exercise_id
        for block in CATALOGUE.blocks
        for kind in SessionKind
        for exercise_id in block.intermediate.main(kind)
    }
    equipment = " ".join(" ".join(CATALOGUE.exercise(i).equipment) for i in intermediate)
    assert "band" in equipment
    assert "dumbbell" in equipment
    assert any("hold" in CATALOGUE.exercise(i).tempo for i in intermediate)


def _error(text: str) -> CatalogueError:
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(text, "coach.toml")
    return caught.value


def _line_of(text: str, needle: str, after: str = "") -> int:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i in range(start, len(lines)) if needle in lines[i]) + 1


def test_unknown_variant_error_names_the_file_the_line_and_the_field() -> None:
    text = TEXT.replace(
        'gentler = "dead_bug_heel_tap"\nharder = "dead_bug_band"',
        'gentler = "dead_bugg"\nharder = "dead_bug_band"',
    )
    error = _error(text)
    assert error.path == "coach.toml"
    assert error.field == "exercises.dead_bug.gentler"
    assert error.line == _line_of(text, 'gentler = "dead_bugg"')
    assert "dead_bugg" in error.message
    assert isinstance(error, ConfigError)


def test_out_of_range_value_names_its_line() -> None:
    text = TEXT.replace("[exercises.clamshell]", "[exercises.clamshell]\nsets_max = 40", 1)
    error = _error(text)
    assert error.field == "exercises.clamshell.sets_max"
    assert error.line == _line_of(text, "sets_max = 40")


def test_bad_block_entry_names_the_block_level_and_list() -> None:
    text = TEXT.replace(
        'core = ["half_kneeling_pallof", "side_plank"',
        'core = ["half_kneeling_palof", "side_plank"',
        1,
    )
    error = _error(text)
    assert error.field == "blocks[1].intermediate.core"
    assert error.line == _line_of(text, "half_kneeling_palof")


def test_missing_field_points_at_the_exercise_table() -> None:
    text = TEXT.replace('name = "Clamshell"\n', "", 1)
    error = _error(text)
    assert error.field == "exercises.clamshell.name"
    assert error.line == _line_of(text, "[exercises.clamshell]")


def test_syntax_error_names_the_line() -> None:
    text = TEXT.replace("[programme]", "[programme", 1)
    error = _error(text)
    assert error.field == "syntax"
    assert error.line == _line_of(text, "[programme")


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="cannot read"):
        load_catalogue(tmp_path / "nope.toml")


def test_a_coach_edited_copy_loads_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "programme.toml"
    path.write_text(TEXT.replace("min_weeks = 3", "min_weeks = 2", 1), encoding="utf-8")
    assert load_catalogue(path).blocks[0].min_weeks == 2


def test_find_matches_ids_and_names_loosely() -> None:
    assert CATALOGUE.find("Side plank") is CATALOGUE.exercise("side_plank")
    assert CATALOGUE.find("dead_bug") is CATALOGUE.exercise("dead_bug")
    assert CATALOGUE.find("no such thing") is None
