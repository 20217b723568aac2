"""Every command explains itself: --help works and shows an example."""

from __future__ import annotations

from typer.main import get_command

from syncsvc.cli.main import app
from syncsvc.testing.cli import invoke


def leaf_commands() -> list[list[str]]:
    found: list[list[str]] = []

    def walk(command: object, path: list[str]) -> None:
        children = getattr(command, "commands", None)
        if children:
            for name, child in children.items():
                walk(child, [*path, name])
        else:
            found.append(path)

    walk(get_command(app), [])
    return found


def test_every_command_has_help_with_an_example() -> None:
    commands = leaf_commands()
    assert len(commands) > 30
    for path in commands:
        result = invoke([*path, "--help"])
        assert result.exit_code == 0, path
        assert "Example" in result.stdout, f"syncsvc {' '.join(path)} --help has no example"
