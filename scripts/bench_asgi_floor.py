#!/usr/bin/env python3
"""The floor under the feed's ratio to nginx: uvicorn serving fixed bytes with no app at all.

    .venv/bin/python scripts/bench_asgi_floor.py [--seconds 10] [--workers 1,2]

An ASGI app that answers every request with the same prepared 200 (a feed-sized
body) or 304 (the feed's validators), no store, no log, run by uvicorn as
`serve` runs it (httptools, uvloop), against nginx serving the same bytes under
the same wrk runs. Whatever the feed route does, it cannot beat this; the
feed's own share of nginx (`scripts/bench`) reads against it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_reference import machine_load, nginx_serving, require_tools, wait_for, wrk_run

BODY = b"BEGIN:VCALENDAR\r\n" + b"X-FILLER:" + b"x" * 15_700 + b"\r\nEND:VCALENDAR\r\n"

APP = textwrap.dedent(
    """
    BODY = {body!r}
    VALIDATORS = [
        (b"etag", b'"floor"'),
        (b"last-modified", b"Sun, 10 May 2026 07:45:12 GMT"),
        (b"cache-control", b"private, max-age=300"),
        (b"vary", b"Accept-Encoding"),
    ]
    FULL = [*VALIDATORS, (b"content-type", b"text/calendar; charset=utf-8"),
            (b"content-length", str(len(BODY)).encode())]

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        modified = not any(name == b"if-none-match" for name, _ in scope["headers"])
        headers = FULL if modified else VALIDATORS
        await send({{"type": "http.response.start", "status": 200 if modified else 304,
                    "headers": headers}})
        await send({{"type": "http.response.body", "body": BODY if modified else b""}})
    """
)


def floor_runs(folder: Path, port: int, workers: int, seconds: int) -> dict[str, dict[str, object]]:
    (folder / "floor_app.py").write_text(APP.format(body=BODY))
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("uvicorn")),
            "floor_app:app",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--no-server-header",
            "--log-level",
            "warning",
        ],
        cwd=folder,
    )
    url = f"http://127.0.0.1:{port}/feeds/floor.ics"
    try:
        wait_for(url)
        return {
            "200": wrk_run(url, seconds, []),
            "304": wrk_run(url, seconds, ["-H", 'If-None-Match: "floor"']),
        }
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", default="1,2")
    options = parser.parse_args()
    require_tools()
    print(f"before: {machine_load()}")
    with tempfile.TemporaryDirectory(prefix="syncsvc-floor-") as tmp:
        floors = {
            workers: floor_runs(Path(tmp), 18_900 + workers, workers, options.seconds)
            for workers in (int(n) for n in options.workers.split(","))
        }
        with nginx_serving(BODY, "/feeds/floor.ics", 18_899) as url:
            etag = wait_for(url)
            nginx = {
                "200": wrk_run(url, options.seconds, []),
                "304": wrk_run(url, options.seconds, ["-H", f"If-None-Match: {etag}"]),
            }
    for workers, runs in floors.items():
        for status in ("200", "304"):
            ours, reference = runs[status], nginx[status]
            share = 100 * float(ours["rps"]) / float(reference["rps"])  # type: ignore[arg-type]
            print(
                f"uvicorn, no app, {workers} process(es), {status}: {ours['rps']} req/s vs nginx "
                f"{reference['rps']}: {share:.1f} % of nginx; p99 {ours['p99_ms']} ms vs "
                f"{reference['p99_ms']} ms"
            )
    print(f"after: {machine_load()}")


if __name__ == "__main__":
    main()
