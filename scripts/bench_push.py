#!/usr/bin/env python3
"""Webhook to the event moved on Radicale, end to end, with the default coalescing.

    .venv/bin/python scripts/bench_push.py [--runs 3]

Each run builds a fresh home (12 weeks of seeded history, Strava connected, as
the server tests do), starts a real Radicale on 127.0.0.1, adds a CalDAV push
channel and pushes the plan once through the API, then starts the real
`syncsvc serve` (Strava's API faked by `responses` in the child, nothing of
syncsvc), posts a webhook for a hard run this morning, and times the POST until
Radicale's copy of Monday's session has moved. That includes the webhook's
coalescing delay (`service.webhook_coalesce_s`, default 3 s), the refresh, and
the push job that follows it. The aim is under 15 s. The load average is
printed beside the figure: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))


def main() -> None:
    from tests.push.radicale_server import Radicale, free_port
    from tests.server.conftest import make_served
    from tests.server.push_flow import add_channel_and_push, webhook_moves_the_session

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()

    from bench_reference import python_pass_ms

    reference_ms = python_pass_ms(5)  # the time reference of this run
    print(f"reference: python -c pass {reference_ms} ms", flush=True)
    figures: list[float] = []
    for run in range(options.runs):
        with tempfile.TemporaryDirectory(prefix="bench-push-") as folder:
            tmp = Path(folder)
            home, _ = make_served(tmp)
            (tmp / "radicale").mkdir()
            radicale = Radicale(tmp / "radicale", free_port())
            radicale.start()
            try:
                add_channel_and_push(home, radicale)
                outcome = webhook_moves_the_session(home, radicale)
            finally:
                radicale.stop()
        if outcome.after is None:
            print(f"run {run + 1}: the event did not move\n{outcome.logs}", file=sys.stderr)
            sys.exit(1)
        figures.append(outcome.seconds)
        load = " ".join(f"{value:.2f}" for value in os.getloadavg())
        print(
            f"run {run + 1}: webhook -> event moved on Radicale {outcome.seconds:.2f} s "
            f"({outcome.before} -> {outcome.after}); load average {load}",
            flush=True,
        )
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"median {statistics.median(figures):.2f} s, worst {max(figures):.2f} s "
        f"over {len(figures)} runs (aim: under 15 s); "
        f"{statistics.median(figures) * 1000 / reference_ms:.0f}x python -c pass; "
        f"load average {load}; {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
