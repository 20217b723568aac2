"""`service.http_workers`: several HTTP processes of `serve --web-only` on one port."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from syncsvc import routes
from syncsvc.testing.cli import run_subprocess
from tests.server.conftest import NOW
from tests.server.server_process import running_server, wait_until
from tests.server.service_builders import Seeded

TWO_PROCESSES = {"SYNCSVC_SERVICE__HTTP_WORKERS": "2"}
FETCHES = 30
"""Requests on fresh connections: each is accepted by whichever process the kernel wakes."""


def worker_processes(parent: int) -> set[int]:
    """The HTTP worker processes of `parent`: its children started by multiprocessing."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:  # gone meanwhile
            continue
        parent_pid = int(stat.rsplit(")", 1)[1].split()[1])
        if parent_pid == parent and b"spawn_main" in command:
            found.add(int(entry.name))
    return found


def statuses(url: str) -> list[int]:
    """Status codes of `FETCHES` requests, each on a new connection."""
    return [httpx.get(url, timeout=10).status_code for _ in range(FETCHES)]


def test_http_workers_with_the_scheduler_in_the_process_is_refused_in_one_line(
    served: tuple[Path, Seeded],
) -> None:
    home, _ = served

    result = run_subprocess(["--home", str(home), "serve"], env=TWO_PROCESSES)

    assert result.exit_code == 2
    assert result.stderr.startswith("error: service.http_workers is 2:")
    assert "--web-only" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2  # the error line, and a hint at most


def test_two_http_processes_serve_the_feed_see_a_rotation_and_stop_on_sigterm(
    served: tuple[Path, Seeded],
) -> None:
    home, seeded = served
    with running_server(home, [], now=NOW, extra_args=["--web-only"], env=TWO_PROCESSES) as server:
        workers = worker_processes(server.process.pid)
        assert len(workers) == 2
        old_url = f"{server.base_url}{routes.feed_path(seeded.feed_token)}"
        first = httpx.get(old_url, timeout=10)
        assert first.status_code == 200
        assert first.content.startswith(b"BEGIN:VCALENDAR")
        assert set(statuses(old_url)) == {200}  # every process has the token cached now

        rotated = run_subprocess(["--home", str(home), "feed", "rotate"])
        assert rotated.exit_code == 0, rotated.stderr
        shown = run_subprocess(["--home", str(home), "feed", "url", "--json"])
        new_path = "/feeds/" + json.loads(shown.stdout)["url"].split("/feeds/", 1)[1]

        # Each process trusts a cached token status for 5 s at most: within that,
        # every one of them refuses the old address.
        assert wait_until(lambda: set(statuses(old_url)) == {410}, timeout=20, interval=0.2)
        new_url = f"{server.base_url}{new_path}"
        assert set(statuses(new_url)) == {200}
        assert httpx.get(new_url, timeout=10).content == first.content

        assert server.terminate() == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
    assert "Traceback" not in server.logs()
