"""Every load setting is documented in docs/settings.md, with its default."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from syncsvc.load.settings import LoadSettings

SETTINGS_DOC = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def test_every_load_setting_has_a_row_in_docs_settings() -> None:
    text = SETTINGS_DOC.read_text()
    settings = LoadSettings()
    for group in LoadSettings.model_fields:
        section: BaseModel = getattr(settings, group)
        for name in type(section).model_fields:
            assert f"| `load.{group}.{name}` |" in text, f"load.{group}.{name} is undocumented"


def test_settings_round_trip_through_plain_values() -> None:
    dumped = LoadSettings().model_dump(mode="json")
    assert LoadSettings.model_validate(dumped) == LoadSettings()
    assert dumped["sports"]["factor"]["strength"] == 0.0
    assert dumped["plan"]["precedence"][0] == "race"
