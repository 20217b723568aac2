"""Driving the CLI in tests as a user would: Typer's runner, or a real subprocess."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from syncsvc.cli.root import app

REPO = Path(__file__).resolve().parents[2]
CHILD_HOOK = REPO / "tests" / "child_hook"


@dataclass(frozen=True, slots=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def invoke(
    args: Sequence[str], *, env: Mapping[str, str] | None = None, input: str | None = None
) -> CliResult:
    """Run `syncsvc ARGS` in process (Typer's runner); stdout and stderr kept apart."""
    runner = CliRunner()
    result = runner.invoke(app, list(args), env=dict(env or {}), input=input, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return CliResult(result.exit_code, result.stdout, result.stderr)


def run_subprocess(
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    console_script: bool = False,
    timeout: float = 120,
) -> CliResult:
    """Run the installed console script (or `python -m syncsvc`) in a child process."""
    environment = {**os.environ, **(env or {})}
    environment["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(CHILD_HOOK), environment.get("PYTHONPATH", "")) if p
    )
    if console_script:
        command = [str(Path(sys.executable).with_name("syncsvc")), *args]
    else:
        command = [sys.executable, "-m", "syncsvc", *args]
    completed = subprocess.run(  # noqa: S603 - our own CLI, arguments from the test
        command, env=environment, capture_output=True, text=True, timeout=timeout, check=False
    )
    return CliResult(completed.returncode, completed.stdout, completed.stderr)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in a home folder, a SQLite store by its logical content.

    For "nothing changed on disk" checks: the store's -shm and -wal files change
    on every read, so the database is compared by its dump instead of its bytes.
    """
    files: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.name.endswith(("-shm", "-wal")):
            continue
        if path.suffix == ".db":
            with sqlite3.connect(path) as connection:
                files[path.name] = "\n".join(connection.iterdump()).encode()
        else:
            files[str(path.relative_to(folder))] = path.read_bytes()
    return files
