"""Arrows that must not run back up: checked on every import, at any depth of a module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "syncsvc"


def syncsvc_imports(path: Path) -> set[str]:
    """Every syncsvc module a file imports: at the top, in functions, under TYPE_CHECKING."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if name.startswith("syncsvc.")}


@pytest.mark.parametrize(
    ("room", "forbidden"),
    [
        ("store", "syncsvc.sources"),
        ("programme", "syncsvc.planner"),
        ("load", "syncsvc.store"),
        ("feed", "syncsvc.store"),
        ("programme", "syncsvc.store"),
    ],
)
def test_a_lower_room_never_imports_a_higher_one(room: str, forbidden: str) -> None:
    offenders = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in sorted((PACKAGE / room).rglob("*.py"))
        for name in syncsvc_imports(path)
        if name == forbidden or name.startswith(f"{forbidden}.")
    }
    assert offenders == set()


def test_the_check_sees_imports_hidden_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "hidden.py"
    module.write_text(
        "def late() -> None:\n    from syncsvc.sources.dedupe import merge_groups\n",
        encoding="utf-8",
    )
    assert "syncsvc.sources.dedupe" in syncsvc_imports(module)
