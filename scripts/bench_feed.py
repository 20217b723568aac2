"""Feed figures (issue 6): render time of one athlete's feed, and optionally HTTP load.

    .venv/bin/python scripts/bench_feed.py                 # render time, ~30 events
    .venv/bin/python scripts/bench_feed.py --serve 8765    # the feed route on 127.0.0.1 for wrk
    .venv/bin/python scripts/bench_feed.py --wrk           # serve + wrk 200 and 304 runs

Targets: render < 30 ms; > 2,000 full responses/s and > 3,000 304s/s (2 cores,
loopback, 50 connections, 30 s). The server only ever binds 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, date, datetime, timedelta

from bench_reference import parse_wrk

from syncsvc.domain import Athlete, Profile, RenderedFeed
from syncsvc.feed import FeedSettings, feed_etag, render_feed
from syncsvc.testing.fixed_plan import demo_mobility, demo_sessions

TODAY = date(2026, 3, 25)
TOKEN = "bench-token-0123456789abcdefABCDEF"
RENDER_TARGET_MS = 30.0


def render_bench_feed() -> bytes:
    """Four weeks back and four ahead, four sessions a week: 30 events (Europe/Berlin, DST)."""
    first_monday = TODAY - timedelta(days=TODAY.weekday() + 28)
    return render_feed(
        athlete=Athlete(
            1, "Zoë Ørsted", Profile(timezone="Europe/Berlin"), datetime(2026, 1, 1, tzinfo=UTC)
        ),
        sessions=demo_sessions(1, first_monday, 8),
        mobility=demo_mobility(first_monday, 8),
        host="feeds.syncsvc.example",
        settings=FeedSettings(mobility_events=False),
        today=TODAY,
    )


def bench_render(repeats: int) -> dict[str, float | int]:
    started = time.perf_counter()
    body = render_bench_feed()
    cold_ms = (time.perf_counter() - started) * 1000
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        render_bench_feed()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "events": body.count(b"BEGIN:VEVENT"),
        "bytes": len(body),
        "cold_ms": round(cold_ms, 2),
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        "target_ms": RENDER_TARGET_MS,
    }


def serve(port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette

    from syncsvc.server.feed_routes import FeedHit, FeedOk, FeedUnknown, feed_routes

    body = render_bench_feed()
    feed = RenderedFeed(1, body, feed_etag(body), datetime(2026, 3, 25, 6, tzinfo=UTC), "bench")

    class OneFeed:
        def find_feed(self, token: str) -> FeedHit:
            return FeedOk(feed) if token == TOKEN else FeedUnknown()

    app = Starlette(routes=feed_routes(OneFeed()))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def bench_wrk(port: int, seconds: int, connections: int, threads: int) -> dict[str, object]:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)])
    url = f"http://127.0.0.1:{port}/feeds/{TOKEN}.ics"
    try:
        etag = _wait_for(url)
        results: dict[str, object] = {}
        runs: tuple[tuple[str, list[str]], ...] = (
            ("200", []),
            ("200 gzip", ["-H", "Accept-Encoding: gzip"]),
            ("304", ["-H", f"If-None-Match: {etag}"]),
        )
        for name, headers in runs:
            run = subprocess.run(
                [
                    wrk,
                    f"-t{threads}",
                    f"-c{connections}",
                    f"-d{seconds}s",
                    "--latency",
                    *headers,
                    url,
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            results[name] = parse_wrk(run.stdout)
        return results
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_for(url: str) -> str:
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return str(response.headers["ETag"])
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--serve", type=int, metavar="PORT", help="serve the feed route only")
    parser.add_argument("--wrk", action="store_true", help="also load-test with wrk")
    parser.add_argument("--port", type=int, default=18766)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    report: dict[str, object] = {"render": bench_render(args.repeats)}
    if args.wrk:
        report["http"] = bench_wrk(args.port, args.seconds, args.connections, args.threads)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    render = report["render"]
    assert isinstance(render, dict)
    print(
        f"render: {render['events']} events, {render['bytes']} bytes; "
        f"median {render['median_ms']} ms, p95 {render['p95_ms']} ms, "
        f"cold {render['cold_ms']} ms (target < {RENDER_TARGET_MS:.0f} ms)"
    )
    http = report.get("http")
    if isinstance(http, dict):
        for status, figures in http.items():
            print(f"http {status}: {figures}")


if __name__ == "__main__":
    main()
