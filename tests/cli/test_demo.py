"""`syncsvc demo` end to end, its bundled history, and its feed checked by icscheck."""

from __future__ import annotations

import json
import runpy
import subprocess
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from syncsvc.testing.cli import invoke
from tests.cli.conftest import run_json

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "syncsvc" / "data" / "demo_history.json"


def icscheck(shared_dir: Path) -> Path:
    tool = shared_dir / "tools" / "icscheck" / "icscheck"
    if not tool.exists():
        from tests.conftest import missing

        missing(f"icscheck is not in {tool.parent}", required_by="SYNCSVC_REQUIRE_SHARED")
    return tool


def test_the_demo_runs_end_to_end_in_a_clean_home(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    result = invoke(["demo", "--home", str(home)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Loaded 12 weeks of running" in out
    assert "Running load" in out
    assert "The plan" in out
    assert "A hard run arrives" in out
    assert "moved from Mon 23 Nov to" in out
    assert "why: strength goes on rest or lighter days, never on a hard day" in out
    assert "(W4)" not in out
    assert (home / "demo-feed.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")
    moved = [
        s for s in run_json(home, "plan") if s["date"] != "2026-11-23" and s["pinned"] is False
    ]
    assert moved


def test_running_the_demo_twice_resets_the_demo_athlete(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    assert invoke(["demo", "--home", str(home)]).exit_code == 0
    second = invoke(["demo", "--home", str(home)])
    assert second.exit_code == 0, second.output
    assert "reset the demo athlete" in second.stdout
    athletes = run_json(home, "athlete", "list")
    assert [a["name"] for a in athletes] == ["demo"]


def test_the_demo_uses_syncsvc_home_when_it_is_set(tmp_path: Path) -> None:
    home = tmp_path / "from-env"
    result = invoke(["demo"], env={"SYNCSVC_HOME": str(home)})
    assert result.exit_code == 0, result.output
    assert (home / "syncsvc.db").exists()
    assert (home / "demo-feed.ics").exists()


def test_the_demo_leaves_other_athletes_alone(tmp_path: Path) -> None:
    home = tmp_path / "shared-home"
    init = invoke(["--home", str(home), "init", "--athlete", "ana", "--timezone", "UTC"])
    assert init.exit_code == 0, init.output
    result = invoke(["demo", "--home", str(home)])
    assert result.exit_code == 0, result.output
    names = sorted(a["name"] for a in run_json(home, "athlete", "list"))
    assert names == ["ana", "demo"]


def test_the_demo_feed_passes_icscheck_before_and_after_the_move(
    tmp_path: Path, shared_dir: Path
) -> None:
    tool = icscheck(shared_dir)
    home = tmp_path / "demo"
    assert invoke(["demo", "--home", str(home)]).exit_code == 0
    for name in ("demo-feed-before.ics", "demo-feed.ics"):
        checked = subprocess.run(
            [str(tool), str(home / name)], capture_output=True, text=True, timeout=300, check=False
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
    compared = subprocess.run(
        [str(tool), "--compare", str(home / "demo-feed-before.ics"), str(home / "demo-feed.ics")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert compared.returncode == 0, compared.stdout + compared.stderr
    assert "moved=1" in compared.stdout
    assert "uid-changed=0" in compared.stdout


def test_the_bundled_history_is_what_the_script_generates() -> None:
    script = runpy.run_path(str(REPO / "scripts" / "make_demo_history.py"), run_name="not_main")
    assert json.loads(DATA.read_text()) == json.loads(json.dumps(script["build"]()))


def test_the_bundled_history_is_a_realistic_runner_week() -> None:
    data = json.loads(DATA.read_text())
    runs = data["runs"]
    first, last = date.fromisoformat(data["first_day"]), date.fromisoformat(data["last_day"])
    assert (last - first).days + 1 == 12 * 7
    kinds = {
        weekday: Counter(
            r["kind"] for r in runs if date.fromisoformat(r["start_utc"][:10]).weekday() == weekday
        )
        for weekday in range(7)
    }
    assert kinds[1].most_common(1)[0][0] == "intervals"
    assert kinds[6].most_common(1)[0][0] == "long"
    assert not kinds[4], "Friday is the rest day"
    assert any(r["avg_hr"] is None for r in runs)
    assert any(r["avg_hr"] for r in runs)
    assert all(r["timezone"] == "Europe/Berlin" for r in runs)
    assert {r["utc_offset_s"] for r in runs} == {3600, 7200}, "the history crosses the DST change"
    weekly = Counter[int]()
    for r in runs:
        weekly[(date.fromisoformat(r["start_utc"][:10]) - first).days // 7] += r["distance_m"]
    before = sum(weekly[w] for w in range(9)) / 9
    after = sum(weekly[w] for w in range(9, 12)) / 3
    assert after > before * 1.15, "one mileage jump in the last three weeks"


@pytest.mark.parametrize("port", ["80", "70000"])
def test_a_bad_demo_port_exits_2(tmp_path: Path, port: str) -> None:
    result = invoke(["demo", "--home", str(tmp_path / "d"), "--serve", "--port", port])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "d").exists()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_demo_serve_prints_a_url_that_serves_the_feed(tmp_path: Path) -> None:
    import os
    import sys
    import time

    import httpx

    home = tmp_path / "demo"
    port = _free_port()
    child = subprocess.Popen(  # our own CLI; stopped by its pid below
        [
            sys.executable,
            "-m",
            "syncsvc",
            "demo",
            "--home",
            str(home),
            "--serve",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        url = ""
        assert child.stdout is not None
        for line in child.stdout:
            if f"http://127.0.0.1:{port}/feeds/" in line:
                url = line.strip()
                break
        assert url.endswith(".ics"), "the demo printed no feed URL"
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(url, timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/calendar; charset=utf-8"
        assert response.content == (home / "demo-feed.ics").read_bytes()
        gone = httpx.get(url.replace("/feeds/", "/feeds/x"), timeout=2)
        assert gone.status_code == 404
    finally:
        child.terminate()
        child.wait(timeout=20)
