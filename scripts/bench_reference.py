"""References measured in the same run as our figures, so that a figure is a ratio.

Times on these machines vary from run to run and between machines; a ratio to a
reference measured in the same sitting does not (much). Two references:

- `python -c pass` with the same interpreter: the floor of any CLI command;
- nginx serving the same feed bytes as a static file on loopback: the floor of
  the feed route, loaded by the same wrk command.

    .venv/bin/python scripts/bench_reference.py          # both, printed

nginx and wrk are required (`apt-get install -y nginx-light wrk`): a benchmark
that silently drops its reference would print ratios of nothing.
"""

from __future__ import annotations

import compileall
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class MissingTool(SystemExit):
    def __init__(self, tool: str, package: str) -> None:
        super().__init__(f"{tool} is not installed: apt-get install -y {package}")


def require_tools() -> tuple[str, str]:
    """Paths of wrk and nginx, or exit non-zero naming what to install."""
    wrk = shutil.which("wrk")
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if wrk is None:
        raise MissingTool("wrk", "wrk")
    if nginx is None:
        raise MissingTool("nginx", "nginx-light")
    return wrk, nginx


def timed_runs(args: list[str], runs: int, env: dict[str, str] | None = None) -> list[float]:
    """Wall seconds of `runs` fresh processes (after one untimed run to warm the file cache)."""
    subprocess.run(args, env=env, check=True, capture_output=True)
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(args, env=env, check=True, capture_output=True)
        timings.append(time.perf_counter() - began)
    return timings


def compile_sources() -> bool:
    """Write the bytecode of syncsvc's own modules, as installing a wheel does; True
    when this environment would not have written it itself.

    The editable install has none until a first import writes it, and with
    PYTHONDONTWRITEBYTECODE set (as on the CI machines) no import ever does: each CLI
    start would then time compiling our sources (about 40 ms of `plan`), which no
    installed copy pays. The libraries' bytecode came with their wheels."""
    compileall.compile_dir(Path(__file__).resolve().parents[1] / "syncsvc", quiet=1)
    return bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))


def python_pass_ms(runs: int) -> float:
    """Median start-up of this interpreter doing nothing: the CLI's reference."""
    return round(statistics.median(timed_runs([sys.executable, "-c", "pass"], runs)) * 1000, 1)


NGINX_CONF = """
daemon off;
worker_processes {workers};
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    default_type text/calendar;
    keepalive_requests 100000;
    server {{
        listen 127.0.0.1:{port};
        root {folder}/www;
        etag on;
    }}
}}
"""


@contextmanager
def nginx_serving(body: bytes, path: str, port: int, workers: int = 2) -> Iterator[str]:
    """nginx on 127.0.0.1:`port` serving `body` at `path` (as a static file); yields its URL."""
    _, nginx = require_tools()
    with tempfile.TemporaryDirectory(prefix="syncsvc-nginx-") as tmp:
        folder = Path(tmp)
        target = folder / "www" / path.lstrip("/")
        target.parent.mkdir(parents=True)
        target.write_bytes(body)
        for part in (folder, target.parent, target.parent.parent):  # readable by nginx's worker
            part.chmod(0o755)
        target.chmod(0o644)
        conf = folder / "nginx.conf"
        conf.write_text(NGINX_CONF.format(folder=folder, port=port, workers=workers))
        process = subprocess.Popen(
            [nginx, "-c", str(conf), "-p", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        url = f"http://127.0.0.1:{port}{path}"
        try:
            wait_for(url)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)


def wait_for(url: str, timeout_s: float = 20.0) -> str:
    """The ETag of `url` once it answers 200."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return str(response.headers["ETag"])
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def parse_wrk(output: str) -> dict[str, Any]:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)

    def percentile_ms(label: str) -> float | None:
        found = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\b", output, re.MULTILINE)
        if not found:
            return None
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]
        return round(float(found.group(1)) * scale, 2)

    return {
        "rps": float(rps.group(1)) if rps else None,
        "p50_ms": percentile_ms("50"),
        "p99_ms": percentile_ms("99"),
        "socket_errors": errors.group(1) if errors else "none",
        "non_2xx_3xx": int(non_2xx.group(1)) if non_2xx else 0,
    }


def wrk_run(url: str, seconds: int, headers: list[str], clients: int = 50) -> dict[str, Any]:
    wrk, _ = require_tools()
    run = subprocess.run(
        [wrk, "-t2", f"-c{clients}", f"-d{seconds}s", "--latency", *headers, url],
        capture_output=True,
        text=True,
        check=True,
    )
    return {**parse_wrk(run.stdout), "clients": clients, "seconds": seconds}


def wrk_200_and_304(url: str, seconds: int) -> dict[str, dict[str, Any]]:
    etag = wait_for(url)
    return {
        "200": wrk_run(url, seconds, []),
        "304": wrk_run(url, seconds, ["-H", f"If-None-Match: {etag}"]),
    }


def machine_load() -> str:
    """The 1-minute load average and the core count, to say how busy the machine was."""
    one, five, _ = (float(x) for x in Path("/proc/loadavg").read_text().split()[:3])
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def main() -> None:
    require_tools()
    print(f"python -c pass: {python_pass_ms(7)} ms ({machine_load()})")
    body = b"BEGIN:VCALENDAR\r\n" + b"X-FILLER:" + b"x" * 20000 + b"\r\nEND:VCALENDAR\r\n"
    with nginx_serving(body, "/feeds/reference.ics", 18799) as url:
        for status, figures in wrk_200_and_304(url, 5).items():
            print(f"nginx {status}: {figures}")


if __name__ == "__main__":
    main()
