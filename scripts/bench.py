#!/usr/bin/env python3
"""Every figure syncsvc promises, measured with one command (issue 9).

    scripts/bench [--quick] [--out bench-results/bench.json]

Generates seeded synthetic histories of 1, 5 and 10 years for one athlete and a
store of 1,000 athletes with 1 year each, then measures:

1. HTTP requests of a first backfill and of an incremental sync with nothing new,
   per source, against the minimum (ceil(N/200) Strava, ceil(N/1000) Garmin, 1);
   Strava and Garmin are faked at the HTTP layer (`responses`), counting requests.
2. Store-and-merge time of that backfill, without network.
3. Per history size: load-series recompute, full replan, feed render, and the
   whole pipeline without network (`refresh_athlete(sync=False)`).
4. `syncsvc --version`, `--help`, `plan` and `today` cold starts (fresh
   processes) on the 10-year home, each as a ratio to `python -c pass`
   measured in the same run (`bench_reference.py`).
5. The real `syncsvc serve` on loopback with the 10-year home: resident memory
   idle and after a webhook-triggered refresh (and the load worker's beside it);
   then `serve --web-only` with each `service.http_workers` count of
   `--http-workers` (default 1,2): the feed under 50 concurrent clients (wrk) for
   200 and 304 answers; and nginx serving the same feed bytes as a static file
   under the same wrk runs, the reference of the feed's ratios.
6. Replanning all 1,000 athletes (the pipeline without network): `replan_all`,
   which reads them in batches and computes them in worker processes (one per
   CPU), the same in one process, and the same replans one by one as the reference.

Every time target is a ratio to a reference measured in the same run, so wrk and
nginx are required: without them the run stops at once, non-zero, naming the
package (`apt-get install -y wrk nginx-light`). Timings are medians over several
runs. Numbers only: nothing here passes or fails. `--quick` runs fewer repeats,
5 s wrk runs and 100 athletes. `--server-only` runs part 5 alone.
The per-area scripts (scripts/bench_*.py) still run alone; this one imports them.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

END = date(2026, 11, 29)
"""The last day of every history (a Sunday)."""
NOW = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)
"""Monday morning in Berlin, the day after the histories end."""
YEARS = (1, 5, 10)
SYNCSVC = str(Path(sys.executable).with_name("syncsvc"))


@dataclass(frozen=True)
class Mode:
    repeats: int
    pipeline_repeats: int
    cli_runs: int
    wrk_seconds: int
    athletes: int

    @classmethod
    def of(cls, quick: bool) -> Mode:
        if quick:
            return cls(repeats=3, pipeline_repeats=3, cli_runs=3, wrk_seconds=5, athletes=100)
        return cls(repeats=5, pipeline_repeats=7, cli_runs=7, wrk_seconds=30, athletes=1000)


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def median_ms(call: Callable[[], object], repeats: int) -> float:
    call()  # warm caches and lazy imports once, outside the timing
    timings = []
    for _ in range(repeats):
        began = time.perf_counter()
        call()
        timings.append(time.perf_counter() - began)
    return round(statistics.median(timings) * 1000, 2)


def weeks_of(years: int) -> int:
    return round(years * 52.18)


def history(years: int, *, key: str = "a1", seed: int = 7) -> list[Any]:
    from syncsvc.testing.history import HistorySpec, generate_history

    spec = HistorySpec(
        weeks=weeks_of(years), end=END, strength_every_days=5, seed=seed, athlete_key=key
    )
    return generate_history(spec)


# ---------------------------------------------------------------- 1 + 2: sync


def sync_figures(years: int, runs: list[Any], repeats: int) -> dict[str, Any]:
    from bench_sync import minimum_requests, request_figures, store_and_merge_runs

    requests = request_figures(runs)
    timings = store_and_merge_runs(runs, repeats)
    return {
        **requests,
        "strava_minimum": minimum_requests(requests["strava_activities"], 200),
        "garmin_minimum": minimum_requests(requests["garmin_activities"], 1000),
        "incremental_minimum": 1,
        "store_merge_records": requests["strava_activities"] + requests["garmin_activities"],
        "store_merge_ms": round(statistics.median(wall for wall, _ in timings) * 1000, 1),
    }


# ---------------------------------------------------------------- homes


def seed_athlete(runtime: Any, name: str, runs: list[Any]) -> tuple[int, str]:
    """An athlete with `runs` stored as Strava and Garmin records, merged; a feed token."""
    from syncsvc.domain import Profile, Source, SourceRecord
    from syncsvc.sources.ingest import remerge_all
    from syncsvc.sources.normalise_strava import strava_record
    from syncsvc.testing.history import as_activities
    from tests.server.service_builders import STRAVA_OWNER_ID, run_json

    store = runtime.store
    with store.write() as tx:
        athlete = tx.athletes.add(
            name,
            Profile(
                timezone="Europe/Berlin", hr_rest=50, hr_max=190, long_run_days=(6,), hard_days=(1,)
            ),
        )
    garmin_view = {a.source_id: a for a in as_activities(runs) if a.source is Source.GARMIN}
    records: list[SourceRecord] = []
    for run in runs:
        if run.garmin_id is not None:
            activity = garmin_view[str(run.garmin_id)]
            records.append(SourceRecord(activity, {"activityId": run.garmin_id}))
        if run.strava_id is not None:
            records.append(strava_record(run_json(run)))
    with store.write() as tx:
        scope = tx.athlete(athlete.id)
        scope.activities.upsert_many(records)
        remerge_all(scope.activities, runtime.settings.merge)
        scope.credentials.save(
            "strava",
            {
                "access_token": f"access-token-{name}",
                "refresh_token": f"refresh-token-{name}",
                "expires_at": int((NOW + timedelta(days=30)).timestamp()),
            },
            provider_user_id=str(STRAVA_OWNER_ID + athlete.id - 1),
            scope="read,activity:read_all",
            expires_at=NOW + timedelta(days=30),
        )
        token = scope.feed.ensure_token()
    return athlete.id, token


def new_runtime(home: Path) -> Any:
    from syncsvc.runtime import Runtime
    from tests.server.service_builders import write_home

    write_home(home)
    runtime = Runtime.create(home=home)
    store = runtime.open_store(create=True)
    store.initialise_meta("bench.syncsvc.invalid")
    return runtime


# ---------------------------------------------------------------- 3: pipeline parts


def pipeline_figures(runtime: Any, athlete_id: int, repeats: int) -> dict[str, Any]:
    from syncsvc.api.pipeline import local_today, refresh_athlete
    from syncsvc.feed import render_feed
    from syncsvc.load import analyse_load
    from syncsvc.planner.model import PlanInputs
    from syncsvc.planner.replan import replan
    from syncsvc.programme.catalogue import load_catalogue

    settings = runtime.settings
    refresh_athlete(runtime, athlete_id, trigger="bench", sync=False)
    with runtime.store.read() as tx:
        athlete = tx.athletes.by_id(athlete_id)
        scope = tx.athlete(athlete_id)
        activities = tuple(scope.activities.merged())
        current = tuple(scope.sessions.all())
        overrides = tuple(scope.overrides.all())
        checkins = tuple(scope.checkins.all())
        host = tx.store_info().uid_host
    assert athlete is not None
    today = local_today(athlete)
    horizon_days = settings.planner.horizon_weeks * 7 + 7
    catalogue = load_catalogue(settings.planner.programme.catalogue_path)

    def load() -> Any:
        return analyse_load(
            activities, athlete.profile, settings.load, today, horizon_days=horizon_days
        )

    analysis = load()
    inputs = PlanInputs(
        athlete_id=athlete_id,
        profile=athlete.profile,
        now=NOW,
        today=today,
        days=analysis.days,
        weeks=analysis.weeks,
        current=current,
        overrides=overrides,
        checkins=checkins,
        horizon_weeks=settings.planner.horizon_weeks,
    )
    plan = replan(inputs, settings.planner, catalogue).plan

    def render() -> bytes:
        return render_feed(
            athlete=athlete,
            sessions=plan.sessions,
            host=host,
            settings=settings.feed,
            today=today,
            mobility=plan.mobility,
            day_loads=analysis.days,
        )

    body = render()
    figures = {
        "activities": len(activities),
        "days": len(analysis.days),
        "stored_sessions": len(current),
        "feed_events": body.count(b"BEGIN:VEVENT"),
        "feed_bytes": len(body),
        "load_ms": median_ms(load, repeats),
        "replan_ms": median_ms(lambda: replan(inputs, settings.planner, catalogue), repeats),
        "render_ms": median_ms(render, repeats),
        "pipeline_ms": median_ms(
            lambda: refresh_athlete(runtime, athlete_id, trigger="bench", sync=False), repeats
        ),
    }
    return figures


# ---------------------------------------------------------------- 4: CLI cold start


def cli_figures(home: Path, runs: int) -> dict[str, Any]:
    from bench_cli import timed
    from bench_reference import compile_sources, python_pass_ms

    compiled_here = compile_sources()
    env = {**os.environ, "SYNCSVC_NOW": NOW.isoformat(), "SYNCSVC_HOME": str(home)}
    commands = {
        "version": [SYNCSVC, "--version"],
        "help": [SYNCSVC, "--help"],
        "plan": [SYNCSVC, "--home", str(home), "plan"],
        "today": [SYNCSVC, "--home", str(home), "today"],
    }
    figures: dict[str, Any] = {
        "python_pass_ms": python_pass_ms(runs),
        "bytecode": "compiled by the bench" if compiled_here else "compiled",
    }
    for name, command in commands.items():
        subprocess.run(command, env=env, check=True, capture_output=True)  # warm the file cache
        figures[f"{name}_ms"] = round(
            statistics.median(timed(command, env) for _ in range(runs)) * 1000, 1
        )
    figures["python_pass_after_ms"] = python_pass_ms(runs)  # the reference again, after
    reference = statistics.mean([figures["python_pass_ms"], figures["python_pass_after_ms"]])
    for name in commands:
        figures[f"{name}_ratio"] = round(figures[f"{name}_ms"] / reference, 1)
    later = {**env, "SYNCSVC_NOW": (NOW + timedelta(days=25)).isoformat()}
    stale = [timed(commands["plan"], later) for _ in range(max(3, runs // 2))]
    figures["plan_cold_start_ms"] = figures["plan_ms"]
    figures["plan_cold_start_stale_days_ms"] = round(statistics.median(stale) * 1000, 1)
    return figures


# ---------------------------------------------------------------- 5: the server


def server_figures(
    home: Path,
    feed_token: str,
    mode: Mode,
    use_wrk: bool,
    http_workers: tuple[int, ...],
    access_log: bool = True,
) -> dict[str, Any]:
    """Memory and a webhook refresh of the real `serve`; the feed under wrk; nginx on the bytes.

    The feed runs are made against `serve --web-only` with each `service.http_workers`
    count asked for (several HTTP processes need --web-only; the jobs run elsewhere).
    """
    import httpx
    from bench_reference import nginx_serving, wrk_200_and_304
    from bench_service import rss_mib

    from tests.server.server_process import running_server, wait_until
    from tests.server.service_builders import event
    from tests.server.test_service_end_to_end import HARD_RUN_ID, strava_replies

    figures: dict[str, Any] = {"access_log": access_log}
    feed = f"/feeds/{feed_token}.ics"
    with running_server(home, strava_replies(), now=NOW.isoformat()) as server:
        pid = server.process.pid
        with httpx.Client(base_url=server.base_url, timeout=10) as client:
            before = client.get(feed)
            assert before.status_code == 200, before.status_code
            time.sleep(2)
            figures["rss_idle_mib"] = round(rss_mib(pid), 1)
            posted = time.perf_counter()
            client.post("/webhooks/strava", json=event(HARD_RUN_ID))

            def changed() -> bool:
                answer = client.get(feed, headers={"If-None-Match": before.headers["etag"]})
                return answer.status_code == 200

            if not wait_until(changed, timeout=60, interval=0.05):
                raise SystemExit("the feed did not change within 60 s of the webhook")
            figures["webhook_to_feed_s"] = round(time.perf_counter() - posted, 2)
            time.sleep(0.5)
            figures["rss_after_refresh_mib"] = round(rss_mib(pid), 1)
            figures["rss_load_worker_mib"] = round(sum(rss_mib(c) for c in children(pid)), 1)
            refresh_logs = [line for line in server.logs().splitlines() if "refresh done" in line]
            figures["refresh_s"] = (
                json.loads(refresh_logs[-1])["duration_s"] if refresh_logs else None
            )
            body = client.get(feed, headers={"Accept-Encoding": "identity"}).content
    if not use_wrk:
        return figures
    url_path = feed
    for workers in http_workers:
        environment = {
            "SYNCSVC_SERVICE__HTTP_WORKERS": str(workers),
            "SYNCSVC_SERVICE__ACCESS_LOG": "true" if access_log else "false",
        }
        with running_server(
            home, [], now=NOW.isoformat(), extra_args=["--web-only"], env=environment
        ) as server:
            say(
                f"serve --web-only, http_workers={workers}, access_log={access_log}: "
                f"wrk 50 clients, {mode.wrk_seconds} s"
            )
            runs = wrk_200_and_304(f"{server.base_url}{url_path}", mode.wrk_seconds)
            figures[f"http_{workers}"] = runs
            processes = [server.process.pid, *children(server.process.pid)]
            figures[f"rss_http_{workers}_mib"] = round(sum(rss_mib(p) for p in processes), 1)
    say(f"nginx serving the same {len(body)} bytes: the same wrk runs")
    with nginx_serving(body, "/feeds/reference.ics", free_port()) as url:
        figures["nginx"] = wrk_200_and_304(url, mode.wrk_seconds)
    return figures


def children(pid: int) -> list[int]:
    """The child processes of `pid` (the load worker, the HTTP worker processes)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# ---------------------------------------------------------------- 6: many athletes


def many_athletes(folder: Path, count: int) -> dict[str, Any]:
    """Replan all `count` athletes: `replan_all` (read in batches), and, as its reference in
    the same run, the same replans one `refresh_athlete` each (a read per athlete)."""
    from syncsvc.api.pipeline import refresh_athlete
    from syncsvc.api.replan_all import processes_for, replan_all

    runtime = new_runtime(folder / "club")
    began = time.perf_counter()
    ids = []
    for number in range(count):
        runs = history(1, key=f"club{number}", seed=number + 100)
        athlete_id, _ = seed_athlete(runtime, f"runner{number:04d}", runs)
        ids.append(athlete_id)
        if number % 100 == 99:
            say(f"  {count} athletes: {number + 1} stored")
    built_s = time.perf_counter() - began
    replan_all(runtime, trigger="bench seed")  # the first plans: a nightly replan's start
    say(f"  {count} athletes planned once; timing the replan of all, one by one")
    per_athlete = []
    began = time.perf_counter()
    for athlete_id in ids:
        one = time.perf_counter()
        refresh_athlete(runtime, athlete_id, trigger="bench", sync=False)
        per_athlete.append(time.perf_counter() - one)
    one_by_one_s = time.perf_counter() - began
    say("  ... in batches in this process (replan_all, processes=1)")
    began = time.perf_counter()
    assert len(replan_all(runtime, trigger="bench", processes=1)) == count
    one_process_s = time.perf_counter() - began
    processes = processes_for(count, runtime.settings.service.replan_processes)
    say(f"  ... and as `replan --all` does here (replan_all, {processes} processes)")
    began = time.perf_counter()
    results = replan_all(runtime, trigger="bench")
    total_s = time.perf_counter() - began
    assert len(results) == count
    runtime.close()
    return {
        "athletes": count,
        "store_build_s": round(built_s, 1),
        "replan_all_s": round(total_s, 2),
        "replan_processes": processes,
        "one_process_s": round(one_process_s, 2),
        "one_by_one_s": round(one_by_one_s, 2),
        "per_athlete_median_ms": round(statistics.median(per_athlete) * 1000, 1),
        "per_athlete_p95_ms": round(statistics.quantiles(per_athlete, n=20)[-1] * 1000, 1),
    }


# ---------------------------------------------------------------- the table


def table(report: dict[str, Any]) -> str:
    lines = [
        f"syncsvc benchmark  {report['started']}  cores: {report['cores']}  "
        f"python {report['python']}  mode: {report['mode']}",
        "",
        "Requests per sync (fakes at the HTTP layer)   actual / minimum",
        f"{'history':<9}{'Strava N':>9}{'backfill':>11}{'incr.':>8}"
        f"{'Garmin N':>10}{'backfill':>11}{'incr.':>8}{'store+merge':>14}",
    ]
    for years, sizes in report["histories"].items():
        s = sizes["sync"]
        lines.append(
            f"{years + ' y':<9}{s['strava_activities']:>9}"
            f"{str(s['strava_backfill']) + ' / ' + str(s['strava_minimum']):>11}"
            f"{str(s['strava_incremental']) + ' / 1':>8}{s['garmin_activities']:>10}"
            f"{str(s['garmin_backfill']) + ' / ' + str(s['garmin_minimum']):>11}"
            f"{str(s['garmin_incremental']) + ' / 1':>8}"
            f"{str(s['store_merge_ms']) + ' ms':>14}"
        )
    lines += [
        "",
        "Pipeline without network, medians (ms)",
        f"{'history':<9}{'activities':>11}{'days':>7}{'load':>9}{'replan':>9}"
        f"{'render':>9}{'pipeline':>10}",
    ]
    for years, sizes in report["histories"].items():
        p = sizes["pipeline"]
        lines.append(
            f"{years + ' y':<9}{p['activities']:>11}{p['days']:>7}{p['load_ms']:>9}"
            f"{p['replan_ms']:>9}{p['render_ms']:>9}{p['pipeline_ms']:>10}"
        )
    cli = report["cli"]
    lines += [
        "",
        f"CLI cold starts (10 y home), reference python -c pass: {cli['python_pass_ms']} ms "
        f"before, {cli['python_pass_after_ms']} ms after   (targets: --version <= 3x, "
        "plan and today <= 6x)",
        f"  (syncsvc's bytecode {cli.get('bytecode', 'compiled')}, as a wheel install ships it)",
    ]
    for name, label in (
        ("version", "--version"),
        ("help", "--help"),
        ("plan", "plan"),
        ("today", "today"),
    ):
        lines.append(f"  syncsvc {label:<10} {cli[name + '_ms']:>8} ms  {cli[name + '_ratio']:>5}x")
    lines.append(f"  syncsvc plan, day classes stale: {cli['plan_cold_start_stale_days_ms']} ms")
    lines += server_lines(report["server"])
    lines.append(f"Machine: {report['load_before']} before, {report['load_after']} after")
    club = report["club"]
    lines += [
        f"Replan all {club['athletes']} athletes (1 y each, SQLite): {club['replan_all_s']} s "
        f"with {club['replan_processes']} processes (target < 30 s), {club['one_process_s']} s "
        f"in one, {club['one_by_one_s']} s one by one (per athlete median "
        f"{club['per_athlete_median_ms']} ms, p95 {club['per_athlete_p95_ms']} ms)",
        f"Planner stability, 16-week season: {report['season']['moved_per_replan_mean']:.3f} "
        f"sessions moved per daily replan",
    ]
    return "\n".join(lines)


def server_lines(server: dict[str, Any]) -> list[str]:
    lines = [
        f"syncsvc serve (10 y): resident memory idle {server['rss_idle_mib']} MiB, "
        f"after a refresh {server['rss_after_refresh_mib']} MiB (target < 150; the load worker "
        f"beside it {server['rss_load_worker_mib']} MiB until a minute unused); webhook to new "
        f"feed {server['webhook_to_feed_s']} s, the refresh {server['refresh_s']} s",
        f"Feed server (serve --web-only, service.access_log {server.get('access_log', True)}), "
        "50 clients on loopback (wrk), against nginx (2 worker processes, no access log) on the "
        "same bytes:",
    ]
    nginx = server.get("nginx")
    for key in sorted(k for k in server if k.startswith("http_")):
        workers = key.removeprefix("http_")
        for status in ("200", "304"):
            h, n = server[key][status], nginx[status]
            share = 100 * (h["rps"] or 0) / (n["rps"] or 1)
            p99 = (h["p99_ms"] or 0) / (n["p99_ms"] or 1)
            lines.append(
                f"  http_workers={workers} {status}: {h['rps']} req/s vs nginx {n['rps']}: "
                f"{share:.1f} % of nginx; p99 {h['p99_ms']} ms vs {n['p99_ms']} ms: {p99:.1f}x; "
                f"non-2xx/3xx {h['non_2xx_3xx']}, socket errors {h['socket_errors']} "
                f"({h['seconds']} s)"
            )
        lines.append(
            f"  http_workers={workers}: resident memory of all its processes "
            f"{server[f'rss_http_{workers}_mib']} MiB"
        )
    lines.append("  (targets: 200 >= 25 % of nginx with p99 <= 3x nginx's; 304 >= 30 %)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer repeats, 5 s wrk, 100 athletes")
    parser.add_argument("--out", type=Path, default=REPO / "bench-results" / "bench.json")
    parser.add_argument("--athletes", type=int, help="athletes in the club store (default 1000)")
    parser.add_argument(
        "--http-workers",
        default="1,2",
        help="service.http_workers counts the feed is measured with (default 1,2)",
    )
    parser.add_argument(
        "--server-only",
        action="store_true",
        help="only part 5 (serve's memory, the feed against nginx) on the 10-year home",
    )
    parser.add_argument(
        "--no-access-log",
        action="store_true",
        help="measure the feed with service.access_log = false (the proxy logs requests)",
    )
    options = parser.parse_args()
    http_workers = tuple(int(n) for n in options.http_workers.split(","))
    mode = Mode.of(options.quick)
    if options.athletes:
        mode = Mode(**{**mode.__dict__, "athletes": options.athletes})
    from bench_reference import machine_load, require_tools

    require_tools()  # every ratio needs its reference: no wrk or nginx, no run
    use_wrk = True
    os.environ.setdefault("SILENCE_TOKEN_WARNINGS", "true")

    from bench_planner import bench_season

    from syncsvc import clock

    started = time.perf_counter()
    report: dict[str, Any] = {
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),  # wall clock, for the record
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "mode": "quick" if options.quick else "full",
        "repeats": mode.repeats,
        "histories": {},
        "load_before": machine_load(),
    }
    clock.set_now(NOW)
    with tempfile.TemporaryDirectory(prefix="syncsvc-bench-") as tmp:
        folder = Path(tmp)
        home_10y = None
        token_10y = ""
        for years in (10,) if options.server_only else YEARS:
            runs = history(years)
            if options.server_only:
                home_10y = folder / "home-10y"
                runtime = new_runtime(home_10y)
                athlete_id, token_10y = seed_athlete(runtime, "bench", runs)
                from syncsvc.api.pipeline import refresh_athlete

                refresh_athlete(runtime, athlete_id, trigger="bench", sync=False)  # the first feed
                runtime.close()
                break
            say(f"{years} y: {len(runs)} activities; requests and store+merge")
            sync = sync_figures(years, runs, mode.repeats)
            say(f"{years} y: building a home and timing the pipeline")
            home = folder / f"home-{years}y"
            runtime = new_runtime(home)
            athlete_id, token = seed_athlete(runtime, "bench", runs)
            gc.collect()
            pipeline = pipeline_figures(runtime, athlete_id, mode.pipeline_repeats)
            runtime.close()
            report["histories"][str(years)] = {"sync": sync, "pipeline": pipeline}
            if years == 10:
                home_10y, token_10y = home, token
        assert home_10y is not None
        if not options.server_only:
            say("syncsvc plan cold start (10 y)")
            report["cli"] = cli_figures(home_10y, mode.cli_runs)
        say("syncsvc serve (10 y): memory, refresh, the feed under load")
        clock.set_now(None)
        report["server"] = server_figures(
            home_10y, token_10y, mode, use_wrk, http_workers, not options.no_access_log
        )
        clock.set_now(NOW)
        if not options.server_only:
            say(f"club store: {mode.athletes} athletes with 1 y each")
            report["club"] = many_athletes(folder, mode.athletes)
    clock.set_now(None)
    if not options.server_only:
        report["season"] = bench_season()
    report["load_after"] = machine_load()
    report["total_s"] = round(time.perf_counter() - started, 1)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(report, indent=2) + "\n")
    if options.server_only:
        print("\n".join(server_lines(report["server"])))
        print(f"Machine: {report['load_before']} before, {report['load_after']} after")
    else:
        print(table(report))
    print(f"\n(total {report['total_s']} s; JSON: {options.out})")


if __name__ == "__main__":
    main()
