"""The push commands through the CLI, beside the same capability through syncsvc.push.admin."""

from __future__ import annotations

import json
from pathlib import Path

from syncsvc.runtime import Runtime
from syncsvc.testing.cli import invoke
from tests.push.push_builders import save_plan, two_week_plan
from tests.push.radicale_server import PASSWORD, USER, Radicale


def run(home: Path, *args: str) -> str:
    """`syncsvc push ARGS` through the real command (the group is registered in cli/main.py)."""
    result = invoke(["push", *args, "--home", str(home)])
    assert result.exit_code == 0, result.stdout + result.stderr
    return result.stdout


def test_add_list_sync_and_remove_through_the_cli(tmp_path: Path, radicale: Radicale) -> None:
    home = tmp_path / "home"
    assert invoke(["--home", str(home), "init", "--timezone", "Europe/Berlin"]).exit_code == 0
    runtime = Runtime.create(home=home)
    athlete_id = runtime.athlete().id
    save_plan(runtime.store, athlete_id, two_week_plan(athlete_id))
    runtime.close()
    password_file = tmp_path / "pw"
    password_file.write_text(PASSWORD + "\n")

    added = run(
        home,
        "add",
        "caldav",
        "--url",
        radicale.url,
        "--username",
        USER,
        "--password-file",
        str(password_file),
    )
    synced = json.loads(run(home, "sync", "--json"))
    listed_text = run(home, "list", "--json")
    listed = json.loads(listed_text)

    assert "Added CalDAV channel 1" in added
    assert [(s["kind"], s["state"], s["created"]) for s in synced] == [("caldav", "ok", 6)]
    assert [(c["kind"], c["target"], c["sessions"]) for c in listed] == [
        ("caldav", radicale.url, 6)
    ]
    assert PASSWORD not in listed_text
    assert len(radicale.events()) == 6
    assert "Removed push channel 1 and 6 events" in run(home, "remove", "1")
    assert radicale.events() == {}
    assert json.loads(run(home, "list", "--json")) == []


def test_every_push_command_has_help_with_an_example() -> None:
    for path in (["add", "caldav"], ["add", "garmin"], ["add", "google"], ["list"], ["remove"]):
        result = invoke(["push", *path, "--help"])
        assert result.exit_code == 0
        assert "Example" in result.stdout, path
    result = invoke(["push", "sync", "--help"])
    assert "Example" in result.stdout


def test_a_wrong_password_is_refused_in_one_line_with_nothing_stored(
    tmp_path: Path, radicale: Radicale
) -> None:
    home = tmp_path / "home"
    assert invoke(["--home", str(home), "init", "--timezone", "Europe/Berlin"]).exit_code == 0
    password_file = tmp_path / "pw"
    password_file.write_text("not-the-password\n")
    add = ["add", "caldav", "--url", radicale.url, "--username", USER]

    refused = invoke(["push", *add, "--password-file", str(password_file), "--home", str(home)])
    unchecked = run(home, *add, "--password-file", str(password_file), "--no-verify")

    assert refused.exit_code != 0
    assert len(refused.stderr.strip().splitlines()) <= 2  # the error, and at most its hint
    assert "Traceback" not in refused.stderr
    assert "not-the-password" not in refused.stdout + refused.stderr
    assert "Added CalDAV channel 1" in unchecked  # nothing was stored by the refused add
