"""Issue 14's figures: what hostile input costs `syncsvc serve` and `syncsvc import`.

    .venv/bin/python scripts/bench_hardening.py [--json]

1. Peak resident memory of the real `serve` (a child process, loopback) idle,
   then under 10 concurrent POSTs each declaring and sending 50 MB. Aim: within
   10 MB of idle.
2. Time and peak memory to refuse a 200 MB GPX, a UTF-16 billion laughs and a
   nested-zip archive, each in a fresh process. Aim: under 2 s and 100 MB each
   (the figure is the peak minus the process's peak before the refusal).
3. 1,000 forged events for one athlete (the real app in process, Strava faked
   with `responses`), in two runs: all for one activity id, then each for a
   different id. Strava reads spent, and the store's growth. Aims: at most one
   read per coalescing window; at most the daily cap plus one catch-up sync;
   under 1 MB of growth.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from bench_reference import python_pass_ms  # noqa: E402 - after the path above

MB = 1024 * 1024


def peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# ---------------------------------------------------------------- 1. bodies


def post_50mb(port: int, results: list[str]) -> None:
    block = b"x" * MB
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(
            b"POST /webhooks/strava HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
            b"content-length: %d\r\n\r\n" % (50 * MB)
        )
        try:
            for _ in range(50):
                sock.sendall(block)
        except OSError:
            pass
        try:
            results.append(sock.recv(64).split(b"\r\n")[0].decode())
        except OSError as error:
            results.append(type(error).__name__)


def bench_bodies(folder: Path) -> dict[str, Any]:
    from tests.server.conftest import NOW, make_served
    from tests.server.server_process import running_server

    home, _ = make_served(folder)
    with running_server(home, [], now=NOW) as server:
        pid = server.process.pid
        port = int(server.base_url.rsplit(":", 1)[1])
        time.sleep(1.0)
        idle_rss, idle_peak = rss_kb(pid), peak_rss_kb(pid)
        results: list[str] = []
        started = time.monotonic()
        threads = [threading.Thread(target=post_50mb, args=(port, results)) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        took = time.monotonic() - started
        peak = peak_rss_kb(pid)
    return {
        "idle_rss_mb": round(idle_rss / 1024, 1),
        "idle_peak_mb": round(idle_peak / 1024, 1),
        "peak_under_posts_mb": round(peak / 1024, 1),
        "peak_growth_mb": round((peak - idle_peak) / 1024, 1),
        "answers": sorted(set(results)),
        "seconds": round(took, 2),
    }


# ---------------------------------------------------------------- 2. files

REFUSE = r"""
import sys, time
from pathlib import Path
def hwm():  # this process's own peak (ru_maxrss would carry the parent's across exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
sys.path.insert(0, {repo!r})
from syncsvc.sources.archives import walk
from syncsvc.sources.files import DamagedFile, parse_activity_file
import defusedxml.ElementTree, gpxpy, zipfile  # imported before the baseline
path = Path({path!r})
before = hwm()
started = time.monotonic()
problems = []
if path.suffix == ".zip" or path.stat().st_size > 30_000_000:
    for entry in walk([path]):
        if entry.problem:
            problems.append(entry.problem)
        elif entry.data:
            try:
                parse_activity_file(entry.name, entry.data, athlete_timezone="UTC")
            except DamagedFile as error:
                problems.append(str(error))
else:
    try:
        parse_activity_file(path.name, path.read_bytes(), athlete_timezone="UTC")
    except DamagedFile as error:
        problems.append(str(error))
took = time.monotonic() - started
after = hwm()
import json
print(json.dumps([took, before, after, problems[-1] if problems else "", len(problems)]))
"""


def refuse(path: Path) -> dict[str, Any]:
    script = REFUSE.format(repo=str(REPO), path=str(path))
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=600
    ).stdout
    took, before, after, problem, problems = json.loads(output.strip().splitlines()[-1])
    return {
        "seconds": round(took, 3),
        "peak_growth_mb": round((after - before) / 1024, 1),
        "peak_mb": round(after / 1024, 1),
        "refusal": problem,
        "problems": problems,
    }


def big_gpx(path: Path, size: int) -> None:
    point = (
        b'<trkpt lat="52.5" lon="13.4"><ele>34.0</ele><time>2026-11-29T07:00:00Z</time></trkpt>\n'
    )
    with path.open("wb") as handle:
        handle.write(b'<?xml version="1.0"?><gpx version="1.1"><trk><trkseg>\n')
        written = 0
        chunk = point * 10_000
        while written < size:
            handle.write(chunk)
            written += len(chunk)
        handle.write(b"</trkseg></trk></gpx>\n")


def utf16_bomb(path: Path) -> None:
    entities = "".join(
        f'<!ENTITY l{n} "{("&l" + str(n - 1) + ";") * 10 if n else "lol"}">' for n in range(10)
    )
    text = f'<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE gpx [{entities}]>\n<gpx>&l9;</gpx>'
    path.write_bytes(text.encode("utf-16"))


def nested_zip_bomb(path: Path) -> None:
    """3 levels, 8 x 8 zips of 8 GPX files of 100 MB of spaces each (51 GB declared)."""
    leaf = b" " * (100 * MB)
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for n in range(8):
            archive.writestr(f"a{n}.gpx", leaf)
    middle = io.BytesIO()
    with zipfile.ZipFile(middle, "w", zipfile.ZIP_STORED) as archive:
        for n in range(8):
            archive.writestr(f"b{n}.zip", inner.getvalue())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for n in range(8):
            archive.writestr(f"c{n}.zip", middle.getvalue())


def bench_files(folder: Path) -> dict[str, Any]:
    gpx, bomb, nested = folder / "big.gpx", folder / "bomb.gpx", folder / "nested.zip"
    big_gpx(gpx, 200 * MB)
    utf16_bomb(bomb)
    nested_zip_bomb(nested)
    return {
        "gpx_200mb": {"file_mb": round(gpx.stat().st_size / MB, 1), **refuse(gpx)},
        "utf16_bomb": {"file_kb": round(bomb.stat().st_size / 1024, 1), **refuse(bomb)},
        "nested_zip": {"file_mb": round(nested.stat().st_size / MB, 2), **refuse(nested)},
    }


# ---------------------------------------------------------------- 3. floods


def store_bytes(home: Path) -> int:
    """The store's files (the database, its WAL and shared memory) in the home."""
    return sum(p.stat().st_size for p in home.rglob("*") if p.is_file() and ".db" in p.name)


def flood(folder: Path, *, same_id: bool) -> dict[str, Any]:
    import responses
    from sqlalchemy import func, select

    from tests.server.conftest import make_served
    from tests.server.harness import app_harness
    from tests.server.service_builders import STRAVA_API, event, strava_json

    home, seeded = make_served(folder)
    from datetime import UTC, datetime

    now = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)
    with app_harness(home, seeded.athlete_id, now=now) as harness:
        from syncsvc.store.schema import WebhookEventRow

        def activity(request: Any) -> tuple[int, dict[str, str], str]:
            activity_id = int(request.url.rsplit("/", 1)[1].split("?")[0])
            return 200, {}, json.dumps(strava_json(activity_id, datetime(2026, 11, 29, 7)))

        harness.mock.add_callback(
            responses.GET, re.compile(re.escape(f"{STRAVA_API}/activities/") + r"\d+"), activity
        )
        harness.mock.add(
            responses.GET,
            re.compile(re.escape(f"{STRAVA_API}/athlete/activities") + r".*"),
            json=[],
        )
        size_before = store_bytes(home)
        started = time.monotonic()
        for n in range(1000):
            object_id = 17_000_000_000 if same_id else 17_000_000_000 + n
            updates = {"title": "t" * 15_000} if n % 2 else {"junk": "j" * 15_000}
            harness.client.post(
                "/webhooks/strava",
                json=event(
                    object_id, aspect_type="update", event_time=1_764_000_000 + n, updates=updates
                ),
            )
        posted = time.monotonic() - started
        ran = harness.run_due()
        ran += harness.run_due()
        fetches = sum(1 for c in harness.mock.calls if "/api/v3/activities/" in c.request.url)
        lists = sum(1 for c in harness.mock.calls if "/athlete/activities" in c.request.url)
        with harness.runtime.store.read() as tx:
            rows = int(tx.orm.scalar(select(func.count()).select_from(WebhookEventRow)) or 0)
        size_after = store_bytes(home)
        dropped = 0.0
        for metric in harness.metrics.webhook_events.collect():
            for sample in metric.samples:
                if sample.name.endswith("_total") and sample.labels["outcome"] == "over_cap":
                    dropped = sample.value
    return {
        "events": 1000,
        "post_seconds": round(posted, 2),
        "jobs_run": ran,
        "activity_reads": fetches,
        "catch_up_list_reads": lists,
        "stored_events": rows,
        "dropped_over_cap": int(dropped),
        "store_growth_kb": round((size_after - size_before) / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        report: dict[str, Any] = {"load_average_before": [round(x, 2) for x in load]}
        # The time reference of this run: refusal times read as a ratio to it.
        report["python_pass_ms"] = python_pass_ms(5)
        (folder / "b").mkdir()
        report["bodies"] = bench_bodies(folder / "b")
        print("bodies done", file=sys.stderr)
        (folder / "f").mkdir()
        report["files"] = bench_files(folder / "f")
        print("files done", file=sys.stderr)
        (folder / "one").mkdir()
        report["flood_one_id"] = flood(folder / "one", same_id=True)
        (folder / "many").mkdir()
        report["flood_many_ids"] = flood(folder / "many", same_id=False)
        report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        for figures in report["files"].values():
            figures["ratio_to_python_pass"] = round(
                figures["seconds"] * 1000 / report["python_pass_ms"], 2
            )
    if options.json:
        print(json.dumps(report, indent=1))
        return
    for section, values in report.items():
        print(f"{section}: {values}")


if __name__ == "__main__":
    main()
