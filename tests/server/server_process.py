"""The real service in a child process on a loopback port, with only Strava/Garmin faked."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from syncsvc.testing.http_replay import LOG_VARIABLE, REPLAY_VARIABLE, write_replies

REPO = Path(__file__).resolve().parents[2]
CHILD_HOOK = REPO / "tests" / "child_hook"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    stderr_path: Path
    http_log: Path

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=10)

    def logs(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def remote_requests(self) -> list[dict[str, Any]]:
        if not self.http_log.exists():
            return []
        return [json.loads(line) for line in self.http_log.read_text().splitlines() if line]

    def terminate(self, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)


def wait_until(check: Any, timeout: float, interval: float = 0.1) -> Any:
    """Poll `check()` until it returns something truthy; None after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    return None


@contextmanager
def running_server(
    home: Path,
    replies: Sequence[Mapping[str, Any]],
    *,
    now: str,
    extra_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    healthy_within: float = 60,
) -> Iterator[Server]:
    """`python -m syncsvc serve` on a free port; stopped with SIGTERM on exit."""
    port = free_port()
    replay = write_replies(home.parent / f"replies-{port}.json", [dict(r) for r in replies])
    http_log = home.parent / f"requests-{port}.jsonl"
    stderr_path = home.parent / f"server-{port}.log"
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(CHILD_HOOK), os.environ.get("PYTHONPATH", "")) if p
        ),
        REPLAY_VARIABLE: str(replay),
        LOG_VARIABLE: str(http_log),
        "SYNCSVC_HOME": str(home),
        "SYNCSVC_NOW": now,
        "SYNCSVC_NOW_TICKING": "1",
        **(env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "syncsvc",
        "serve",
        "--port",
        str(port),
        "--log-json",
        *extra_args,
    ]
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            command, env=environment, stdout=subprocess.DEVNULL, stderr=stderr
        )
    server = Server(process, f"http://127.0.0.1:{port}", stderr_path, http_log)
    try:

        def healthy() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"the server exited early:\n{server.logs()}")
            try:
                return httpx.get(f"{server.base_url}/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        if not wait_until(healthy, healthy_within, 0.2):
            raise AssertionError(f"the server never became healthy:\n{server.logs()}")
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
