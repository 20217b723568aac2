"""init, athlete, profile and store commands, driven as a runner would."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from syncsvc.store.migrate import SCHEMA_HEAD
from syncsvc.testing.cli import invoke, run_subprocess, snapshot


def init(home: Path, *extra: str) -> None:
    result = invoke(
        [
            "--home",
            str(home),
            "init",
            "--athlete",
            "ana",
            "--timezone",
            "Europe/Berlin",
            "--hr-rest",
            "50",
            *extra,
        ]
    )
    assert result.exit_code == 0, result.output


def test_init_creates_home_settings_store_and_athlete(tmp_path: Path) -> None:
    home = tmp_path / "h"
    init(home)
    assert (home / "settings.toml").exists()
    assert (home / "syncsvc.db").exists()
    listed = invoke(["--home", str(home), "athlete", "list", "--json"])
    assert json.loads(listed.stdout) == [
        {"id": 1, "name": "ana", "timezone": "Europe/Berlin", "default": True}
    ]


def test_init_twice_changes_nothing_and_says_so(tmp_path: Path) -> None:
    home = tmp_path / "h"
    init(home)
    before = snapshot(home)
    again = invoke(["--home", str(home), "init", "--athlete", "ana"])
    assert again.exit_code == 0
    assert "nothing changed" in again.stdout
    after = snapshot(home)
    assert before.keys() == after.keys()
    assert before["settings.toml"] == after["settings.toml"]
    assert before["secret.key"] == after["secret.key"]


def test_files_holding_secrets_are_owner_only(tmp_path: Path) -> None:
    home = tmp_path / "h"
    result = run_subprocess(["--home", str(home), "init", "--athlete", "ana"])
    assert result.exit_code == 0, result.output
    for name in ("secret.key", "syncsvc.db", "settings.toml"):
        mode = stat.S_IMODE((home / name).stat().st_mode)
        assert mode == 0o600, (name, oct(mode))
    assert stat.S_IMODE(home.stat().st_mode) == 0o700


def test_feed_tokens_are_encrypted_at_rest(tmp_path: Path) -> None:
    home = tmp_path / "h"
    init(home)
    status = invoke(["--home", str(home), "status"])
    token = status.stdout.split("/feeds/")[1].split(".ics")[0]
    database = (home / "syncsvc.db").read_bytes()
    assert len(token) >= 22
    assert token.encode() not in database


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["init", "--timezone", "Mars/Olympus"], "bad value 'Mars/Olympus' for timezone"),
        (["profile", "set", "hr_rest", "300"], "bad value '300' for hr_rest"),
        (["profile", "set", "favourite_colour", "red"], "unknown profile key 'favourite_colour'"),
        (["profile", "set", "hr_max", "45"], "bad value '45' for hr_max"),
        (["profile", "set", "hard_days", "tue,funday"], "bad value 'tue,funday' for hard_days"),
        (["profile", "set", "session_time", "25:00"], "bad value '25:00' for session_time"),
        (["--athlete", "nobody", "status"], "no athlete named 'nobody'"),
        (["athlete", "add", "ana"], "an athlete named 'ana' already exists"),
    ],
)
def test_bad_values_give_one_line_exit_2_and_change_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    home = tmp_path / "h"
    init(home)
    before = snapshot(home)
    result = invoke(["--home", str(home), *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert snapshot(home) == before


def test_a_malformed_settings_file_is_one_line_exit_2(tmp_path: Path) -> None:
    home = tmp_path / "h"
    init(home)
    (home / "settings.toml").write_text("[strava\nclient_id = 1\n")
    result = invoke(["--home", str(home), "status"])
    assert result.exit_code == 2
    assert "is not valid TOML" in result.stderr
    assert "line 1" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_missing_store_points_to_init(tmp_path: Path) -> None:
    result = invoke(["--home", str(tmp_path / "nothing-here"), "status"])
    assert result.exit_code == 2
    assert "run syncsvc init" in result.stderr
    assert not (tmp_path / "nothing-here").exists()


def test_a_database_newer_than_the_code_is_refused_without_change(tmp_path: Path) -> None:
    home = tmp_path / "h"
    init(home)
    with sqlite3.connect(home / "syncsvc.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    before = snapshot(home)
    result = invoke(["--home", str(home), "status"])
    assert result.exit_code == 1
    assert "newer than this syncsvc understands" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(home) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders anyway")
def test_a_read_only_home_folder_is_one_line_exit_1(tmp_path: Path) -> None:
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        result = invoke(["--home", str(parent / "h"), "init"])
    finally:
        parent.chmod(0o700)
    assert result.exit_code == 1
    assert "permission denied" in result.stderr or "read-only" in result.stderr


def test_a_read_only_home_folder_is_refused_even_for_root(tmp_path: Path) -> None:
    """Root ignores mode bits, so a read-only bind is simulated with a file in the way."""
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = invoke(["--home", str(blocker / "h"), "init"])
    assert result.exit_code in (1, 2)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_athletes_add_default_list_export_remove(tmp_path: Path) -> None:
    home = tmp_path / "h"
    init(home)
    base = ["--home", str(home)]
    assert invoke([*base, "athlete", "add", "bo", "--timezone", "Asia/Kolkata"]).exit_code == 0
    ambiguous = invoke([*base, "profile", "show"])
    assert ambiguous.exit_code == 0  # ana is the default (the first athlete)
    assert invoke([*base, "athlete", "default", "bo"]).exit_code == 0
    shown = json.loads(invoke([*base, "profile", "show", "--json"]).stdout)
    assert shown["athlete"] == "bo"
    assert shown["profile"]["timezone"] == "Asia/Kolkata"
    exported = invoke([*base, "athlete", "export", "ana"])
    data = json.loads(exported.stdout)
    assert data["athlete"]["name"] == "ana"
    assert data["feed_tokens"]
    assert all("token_hash" not in row and "token_enc" not in row for row in data["feed_tokens"])
    assert invoke([*base, "athlete", "remove", "bo", "--yes"]).exit_code == 0
    names = [a["name"] for a in json.loads(invoke([*base, "athlete", "list", "--json"]).stdout)]
    assert names == ["ana"]


def test_profile_set_and_show_round_trip(tmp_path: Path) -> None:
    home = tmp_path / "h"
    init(home)
    base = ["--home", str(home)]
    for key, value in [
        ("hard_days", "tue,thu"),
        ("long_run_days", "sunday"),
        ("threshold_pace", "4:30"),
        ("sex", "f"),
        ("hr_max", "188"),
        ("unavailable_dates", "2026-12-24,2026-12-25"),
    ]:
        assert invoke([*base, "profile", "set", key, value]).exit_code == 0, key
    profile = json.loads(invoke([*base, "profile", "show", "--json"]).stdout)["profile"]
    assert profile["hard_days"] == "tue,thu"
    assert profile["long_run_days"] == "sun"
    assert profile["threshold_pace"] == "4:30/km"
    assert profile["unavailable_dates"] == "2026-12-24,2026-12-25"


def test_version_works_from_the_console_script_and_python_m() -> None:
    script = run_subprocess(["--version"], console_script=True)
    module = run_subprocess(["--version"])
    assert script.exit_code == module.exit_code == 0
    assert script.stdout.startswith("syncsvc ")
    assert script.stdout == module.stdout


def test_store_starts_at_the_current_schema(tmp_path: Path) -> None:
    home = tmp_path / "h"
    init(home)
    with sqlite3.connect(home / "syncsvc.db") as connection:
        assert (
            connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
            == SCHEMA_HEAD
        )
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
