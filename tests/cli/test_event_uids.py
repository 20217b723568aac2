"""Calendar UIDs are unique across installations; an upgraded store keeps its ids."""

from __future__ import annotations

import re
import sqlite3
import subprocess
from datetime import date
from pathlib import Path

import pytest

from syncsvc.domain import SessionKind
from syncsvc.planner.model import session_id
from tests.cli.conftest import at, planned, run, run_json
from tests.conftest import SHARED

NOW = "2026-11-30T07:30:00Z"


def _init(home: Path) -> None:
    result = run(home, "init", "--timezone", "Europe/Berlin")
    assert result.exit_code == 0, result.output
    result = run(home, "replan")
    assert result.exit_code == 0, result.output


def _uids(home: Path, target: Path) -> set[str]:
    result = run(home, "feed", "export", str(target))
    assert result.exit_code == 0, result.output
    return set(re.findall(r"^UID:(.+?)\r?$", target.read_text(), flags=re.M))


def _meta(home: Path) -> dict[str, str]:
    with sqlite3.connect(home / "syncsvc.db") as db:
        return dict(db.execute("select key, value from store_meta").fetchall())


def test_two_new_homes_with_the_same_athlete_id_never_share_a_uid(tmp_path: Path) -> None:
    at(NOW)
    first, second = tmp_path / "one", tmp_path / "two"
    _init(first)
    _init(second)
    ids_one = {s["id"] for s in planned(first)}
    ids_two = {s["id"] for s in planned(second)}
    assert ids_one
    assert ids_two
    assert not ids_one & ids_two
    uids_one = _uids(first, tmp_path / "one.ics")
    uids_two = _uids(second, tmp_path / "two.ics")
    assert uids_one
    assert uids_two
    assert not uids_one & uids_two
    assert all(uid.endswith("@syncsvc.invalid") for uid in uids_one | uids_two)
    assert _meta(first)["id_namespace"] != _meta(second)["id_namespace"]


def test_a_store_made_before_namespaces_keeps_its_ids_and_overrides(tmp_path: Path) -> None:
    at(NOW)
    home = tmp_path / "home"
    _init(home)
    # A store made by the code before this change had no namespace row.
    with sqlite3.connect(home / "syncsvc.db") as db:
        db.execute("delete from store_meta where key = 'id_namespace'")
        db.execute("delete from sessions")
    assert run(home, "replan").exit_code == 0
    sessions = planned(home)
    skipped = sessions[0]
    day = date.fromisoformat(skipped["date"])
    legacy_ids = {
        session_id(1, day, kind, n) for kind in (SessionKind.CORE, SessionKind.HIP) for n in (1, 2)
    }
    assert skipped["id"] in legacy_ids
    assert run(home, "plan", "skip", skipped["id"]).exit_code == 0
    old = tmp_path / "old.ics"
    old_uids = _uids(home, old)

    again = run(home, "init", "--timezone", "Europe/Berlin")  # records the legacy namespace
    assert again.exit_code == 0, again.output
    assert _meta(home)["id_namespace"] == "legacy"
    new = tmp_path / "new.ics"
    assert _uids(home, new) == old_uids
    after = {s["id"]: s for s in run_json(home, "plan")}
    assert after[skipped["id"]]["status"] == "skipped"

    tool = SHARED / "tools" / "icscheck" / "icscheck"
    if not tool.is_file():
        pytest.skip(f"../shared is not beside the clone ({SHARED}); icscheck --compare not run")
    report = subprocess.run(
        [str(tool), "--compare", str(old), str(new)], capture_output=True, text=True, check=False
    )
    assert report.returncode == 0, report.stdout + report.stderr
    assert "ADDED" not in report.stdout
    assert "REMOVED" not in report.stdout
