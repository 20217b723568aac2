"""`feed rotate`: the old address is revoked and a new one issued, through the API and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from syncsvc.api.app import Syncsvc
from tests.cli.conftest import run


def test_rotating_issues_a_new_address_and_json_never_shows_its_token(
    app: Syncsvc, homes: tuple[Path, Path]
) -> None:
    runner = app.athlete()
    before = runner.feed_url()
    rotated = runner.rotate_feed()
    cli_before = run(homes[1], "feed", "url").stdout
    cli_rotated = run(homes[1], "feed", "rotate", "--json")

    assert rotated.url != before.url
    assert runner.feed_url().url == rotated.url
    assert rotated.url.split("/feeds/")[0] == before.url.split("/feeds/")[0]
    assert cli_rotated.exit_code == 0, cli_rotated.output
    data = json.loads(cli_rotated.stdout)
    assert (
        data["url"]
        == data["url"].split("/feeds/")[0] + "/feeds/<token>.ics (syncsvc feed url shows it)"
    )
    assert data["url"] == rotated.redacted_url
    cli_after = run(homes[1], "feed", "url").stdout
    assert cli_after != cli_before
    token = cli_after.split("/feeds/")[1].split(".ics")[0]
    assert token not in cli_rotated.stdout
