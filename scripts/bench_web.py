#!/usr/bin/env python3
"""Web page figures: server time per page and bytes per page, on the 10-year store.

    .venv/bin/python scripts/bench_web.py [--years 10] [--repeats 30]

Builds the benchmark's seeded 10-year home (the same history as scripts/bench.py),
plans it once, signs in the way a runner does (a link, then its button), then
fetches each page `--repeats` times in process (Starlette's test client, no
network) and reports p50 and p95 of the server time. Bytes per page are the
HTML plus the stylesheet and the two scripts, uncompressed.

Aims: p50 under 50 ms, p95 under 100 ms; under 100 KB a page.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

PAGES = ("/", "/plan", "/load", "/checkin", "/connections", "/calendar", "/profile")
ASSETS = ("/static/style.css", "/static/htmx.min.js", "/static/app.js")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--moves", type=int, default=6)
    options = parser.parse_args()

    warnings.simplefilter("ignore", DeprecationWarning)
    from bench import NOW, history, new_runtime, seed_athlete
    from starlette.testclient import TestClient

    from syncsvc import clock
    from syncsvc.api.app import Syncsvc
    from syncsvc.api.pipeline import refresh_athlete
    from syncsvc.runtime import Runtime
    from syncsvc.web.app import web_app

    clock.set_now(NOW)
    with tempfile.TemporaryDirectory(prefix="syncsvc-bench-web-") as folder:
        home = Path(folder) / "home"
        runtime = new_runtime(home)
        runs = history(options.years)
        athlete_id, _ = seed_athlete(runtime, "runner", runs)
        refresh_athlete(runtime, athlete_id, trigger="bench", sync=False)
        runner = Runtime(runtime.settings, athlete_name="runner", _store=runtime.store)
        link = Syncsvc(runner).athlete().sign_in_link().url.rsplit("/signin/", 1)[1]
        app = web_app(runtime.store, runtime.settings)
        with TestClient(app, base_url="http://127.0.0.1:8765") as client:
            page = client.get(f"/signin/{link}").text
            csrf = re.search(r'name="csrf" value="([^"]+)"', page)
            assert csrf
            client.post("/signin", data={"csrf": csrf.group(1), "token": link})
            assets = sum(len(client.get(path).content) for path in ASSETS)
            print(f"{len(runs)} activities over {options.years} years; assets {assets} B")
            print(f"{'page':<13}{'p50 ms':>8}{'p95 ms':>8}{'KB':>7}")
            for path in PAGES:
                timings = []
                size = 0
                for _ in range(options.repeats):
                    started = time.perf_counter()
                    answer = client.get(path)
                    timings.append((time.perf_counter() - started) * 1000)
                    assert answer.status_code == 200, (path, answer.status_code)
                    size = len(answer.content)
                timings.sort()
                p50 = statistics.median(timings)
                p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
                print(f"{path:<13}{p50:>8.1f}{p95:>8.1f}{(size + assets) / 1024:>7.1f}")
            _moves(client, options.moves)
        runtime.close()


def _moves(client: Any, count: int) -> None:
    """A runner's move, as the page does it: the picker, then the move to a day it offers.

    The move is timed from the POST to the updated plan (its 303 and the plan page).
    """
    pickers: list[float] = []
    moves: list[float] = []
    plan = client.get("/plan").text
    csrf = re.findall(r'name="csrf" value="([^"]+)"', plan)[0]
    for session_id in re.findall(r'href="/plan/([a-z0-9]+)/move"', plan):
        if len(moves) >= count:
            break
        started = time.perf_counter()
        picker = client.get(f"/plan/{session_id}/move").text
        pickers.append((time.perf_counter() - started) * 1000)
        fits = re.findall(r'<li class="fits">.*?value="([\d-]+)"', picker, re.S)
        if not fits:
            continue
        started = time.perf_counter()
        answer = client.post(f"/plan/{session_id}/move", data={"csrf": csrf, "day": fits[0]})
        moves.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.status_code
        assert "Moved" in answer.text, answer.text[-500:]
    for name, timings in (("move picker", pickers), ("move+plan", moves)):
        if timings:
            timings.sort()
            print(
                f"{name:<13}{statistics.median(timings):>8.1f}{timings[-1]:>8.1f}"
                f"  (median, max of {len(timings)})"
            )


if __name__ == "__main__":
    main()
