"""Every service setting is documented in docs/settings.md with its default."""

from __future__ import annotations

from pathlib import Path

from syncsvc.config import ServiceSettings

SETTINGS_DOC = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def test_every_service_setting_has_a_row_with_its_default() -> None:
    text = SETTINGS_DOC.read_text()
    defaults = ServiceSettings()
    for name in ServiceSettings.model_fields:
        rows = [line for line in text.splitlines() if line.startswith(f"| `service.{name}` |")]
        assert rows, f"service.{name} is undocumented"
        value = getattr(defaults, name)
        shown = (
            "none"
            if value is None
            else str(value).lower()
            if isinstance(value, bool)
            else str(value)
        )
        assert f"| `{shown}` |" in rows[0] or f"| {shown} |" in rows[0], rows[0]
