"""docs/settings.md documents every setting there is."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from syncsvc.config import Settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "settings.md"
NOT_FILE_SETTINGS = {"home"}
"""`home` comes from --home / SYNCSVC_HOME, documented in the same file's introduction."""


def leaf_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys: list[str] = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys.extend(leaf_keys(annotation, f"{prefix}{name}."))
        else:
            keys.append(f"{prefix}{name}")
    return keys


def test_every_setting_has_a_row_in_docs_settings() -> None:
    text = DOC.read_text()
    keys = [key for key in leaf_keys(Settings) if key not in NOT_FILE_SETTINGS]
    assert len(keys) > 100
    missing = [key for key in keys if f"| `{key}` |" not in text]
    assert missing == []


def test_the_example_settings_file_names_only_real_sections() -> None:
    example = (Path(__file__).resolve().parents[2] / "config" / "settings.example.toml").read_text()
    sections = {line.strip("[] \n") for line in example.splitlines() if line.startswith("[")}
    assert sections <= set(Settings.model_fields)
