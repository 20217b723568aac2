"""The deploy files, checked by the tools' own checkers when they are on the machine.

- `systemd-analyze verify` on the unit. The unit names /opt/syncsvc/bin/syncsvc,
  which exists only where syncsvc is installed that way, so the one diagnostic
  "Command ... is not executable" about that path is expected here; any other
  line (an unknown key, a bad value) fails the test.
- `docker compose config` (or `podman compose config`) on each compose file, with
  the variables it requires set to placeholders.
Each check skips with the tool's name when the tool is absent.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
INSTALLED_PATH = "/opt/syncsvc/bin/syncsvc"


def _compose_command() -> list[str] | None:
    """`docker compose` or `podman compose` when their compose plugin answers, else None."""
    for engine in ("docker", "podman"):
        binary = shutil.which(engine)
        if binary is None:
            continue
        probe = subprocess.run(
            [binary, "compose", "version"], capture_output=True, text=True, timeout=30, check=False
        )
        if probe.returncode == 0:
            return [binary, "compose"]
    standalone = shutil.which("docker-compose")
    return [standalone] if standalone else None


def test_systemd_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed")
    unit = tmp_path / "syncsvc.service"
    shutil.copy(DEPLOY / "syncsvc.service", unit)
    result = subprocess.run(
        [tool, "verify", str(unit)], capture_output=True, text=True, timeout=60, check=False
    )
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    unexpected = [
        line for line in lines if not (INSTALLED_PATH in line and "is not executable" in line)
    ]
    assert unexpected == [], "\n".join(lines)


def test_systemd_unit_starts_the_installed_console_script() -> None:
    text = (DEPLOY / "syncsvc.service").read_text()
    assert f"ExecStart={INSTALLED_PATH} serve" in text


@pytest.mark.parametrize("compose_file", sorted(path.name for path in DEPLOY.glob("compose*.yaml")))
def test_compose_file_passes_compose_config(tmp_path: Path, compose_file: str) -> None:
    command = _compose_command()
    if command is None:
        pytest.skip("docker compose / podman compose (the compose plugin) is not installed")
    work = tmp_path / "deploy"
    shutil.copytree(DEPLOY, work)
    (work / ".env").write_text("POSTGRES_PASSWORD=placeholder\nSYNCSVC_SECRET_KEY=placeholder\n")
    result = subprocess.run(
        [*command, "-f", str(work / compose_file), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "POSTGRES_PASSWORD": "placeholder"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
