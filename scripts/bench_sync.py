"""Sync figures for issue 3: HTTP requests per sync, and store+merge time.

    .venv/bin/python scripts/bench_sync.py [--activities 5000]

1. Requests (against fakes at the HTTP layer, `responses`): a first backfill of N
   Strava activities must cost ceil(N/200) list requests (one more, empty, when N is
   a multiple of 200) and N Garmin activities ceil(N/1000) (+1); an incremental sync
   with nothing new exactly one request per source.
2. Time: storing and merging N runs recorded by both services (2N records), pages
   as the APIs deliver them (Garmin 1000, Strava 200), excluding network time.
   Target: under 2 s on a 2-core machine for N = 5,000.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from syncsvc import clock  # noqa: E402
from syncsvc.config import GarminSettings, Settings, StravaSettings  # noqa: E402
from syncsvc.domain import Profile, Source  # noqa: E402
from syncsvc.sources.ingest import store_page  # noqa: E402
from syncsvc.sources.normalise_garmin import garmin_id_of, garmin_record  # noqa: E402
from syncsvc.sources.normalise_strava import strava_id_of, strava_record  # noqa: E402
from syncsvc.sources.settings import MergeSettings  # noqa: E402
from syncsvc.sources.sync import sync_garmin, sync_strava  # noqa: E402
from syncsvc.testing.history import HistorySpec, SyntheticRun, generate_history  # noqa: E402
from syncsvc.testing.shapes import garmin_activities, strava_activities  # noqa: E402
from syncsvc.testing.stores import add_athlete, open_store  # noqa: E402

NOW = datetime(2026, 11, 23, 10, 7, tzinfo=UTC)


def runs_both(count: int) -> list[SyntheticRun]:
    """`count` runs, every one recorded by both services (a daily runner over years)."""
    weeks = math.ceil(count / 4.5) + 8
    spec = HistorySpec(weeks=weeks, end=date(2026, 11, 22), both_sources_share=1.0)
    runs = generate_history(spec)
    if len(runs) < count:
        raise SystemExit(f"history too short: {len(runs)} < {count}")
    return runs[-count:]


def minimum_requests(count: int, page_size: int) -> int:
    """The issue's floor for a first backfill: ceil(N / page size), at least one request."""
    return max(1, math.ceil(count / page_size))


def request_figures(runs: list[SyntheticRun]) -> dict[str, int]:
    """Requests of a first backfill and of an incremental sync, per source, against fakes."""
    import garminconnect.client
    import responses

    from tests.sources.fakes import FakeGarmin, FakeStrava, garmin_tokens

    garminconnect.client.HAS_CFFI = False
    with (
        tempfile.TemporaryDirectory() as folder,
        responses.RequestsMock(assert_all_requests_are_fired=False) as mock,
    ):
        store = open_store(f"sqlite+pysqlite:///{folder}/bench.db")
        athlete = add_athlete(store, "bench", Profile(timezone="Europe/Berlin"))
        settings = Settings(
            home=Path(folder),
            strava=StravaSettings(
                client_id="1",
                client_secret="s",
                read_limit_15min=10_000,
                read_limit_daily=100_000,
            ),
            garmin=GarminSettings(),
        )
        FakeStrava(mock, strava_activities(runs))
        FakeGarmin(mock, garmin_activities(runs))
        with store.write() as tx:
            tx.athlete(athlete.id).credentials.save(
                "strava",
                {
                    "access_token": "access-1",
                    "refresh_token": "refresh-1",
                    "expires_at": 4102444800,
                },
            )
        from syncsvc.sources.garmin import save_tokens

        save_tokens(store, athlete.id, garmin_tokens("one"))
        strava_first = sync_strava(store, settings, athlete).summary.requests
        strava_again = sync_strava(store, settings, athlete).summary.requests
        garmin_first = sync_garmin(store, settings, athlete).summary.requests
        garmin_again = sync_garmin(store, settings, athlete).summary.requests
        store.close()
    return {
        "strava_activities": sum(1 for run in runs if run.strava_id is not None),
        "garmin_activities": sum(1 for run in runs if run.garmin_id is not None),
        "strava_backfill": strava_first,
        "strava_incremental": strava_again,
        "garmin_backfill": garmin_first,
        "garmin_incremental": garmin_again,
    }


def request_counts(sizes: list[int]) -> list[str]:
    lines = []
    for size in sizes:
        figures = request_figures(runs_both(size))
        strava_first, strava_again = figures["strava_backfill"], figures["strava_incremental"]
        garmin_first, garmin_again = figures["garmin_backfill"], figures["garmin_incremental"]
        strava_bound = math.ceil(size / 200) + (1 if size % 200 == 0 else 0)
        garmin_bound = math.ceil(size / 1000) + (1 if size % 1000 == 0 else 0)
        lines.append(
            f"N={size:>5}  Strava backfill {strava_first:>3} (bound {strava_bound:>3}), "
            f"incremental {strava_again} | Garmin backfill {garmin_first:>2} "
            f"(bound {garmin_bound:>2}), incremental {garmin_again}"
        )
        assert strava_first <= strava_bound, (size, strava_first)
        assert garmin_first <= garmin_bound, (size, garmin_first)
        assert strava_again == 1
        assert garmin_again == 1
    return lines


def store_and_merge(count: int, repeats: int) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of each repeat; CPU time is steadier on a busy machine."""
    return store_and_merge_runs(runs_both(count), repeats)


def store_and_merge_runs(runs: list[SyntheticRun], repeats: int) -> list[tuple[float, float]]:
    """Store and merge `runs` as both APIs page them, into a new SQLite file, `repeats` times."""
    count = len(runs)
    garmin_all = garmin_activities(runs)
    garmin_pages = [garmin_all[i : i + 1000] for i in range(0, len(garmin_all), 1000)]
    strava_all = strava_activities(runs, with_external_id=False)
    strava_pages = [strava_all[i : i + 200] for i in range(0, len(strava_all), 200)]
    merge = MergeSettings()
    timings = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            store = open_store(f"sqlite+pysqlite:///{folder}/bench.db")
            athlete = add_athlete(store, "bench", Profile(timezone="Europe/Berlin"))
            started, started_cpu = time.perf_counter(), time.process_time()
            for page in garmin_pages:
                store_page(
                    store, athlete.id, Source.GARMIN, page, garmin_record, garmin_id_of, merge
                )
            for page in strava_pages:
                store_page(
                    store, athlete.id, Source.STRAVA, page, strava_record, strava_id_of, merge
                )
            timings.append((time.perf_counter() - started, time.process_time() - started_cpu))
            with store.read() as tx:
                merged = len(tx.athlete(athlete.id).activities.merged())
            assert merged == count, (merged, count)
            store.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--activities", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    arguments = parser.parse_args()
    clock.set_now(NOW)
    os.environ.setdefault("SILENCE_TOKEN_WARNINGS", "true")
    print(f"cpus: {os.cpu_count()}")
    print("Requests per sync (fakes at the HTTP layer):")
    for line in request_counts([199, 200, 450, 1000, 2500]):
        print("  " + line)
    timings = store_and_merge(arguments.activities, arguments.repeats)
    wall = sorted(wall for wall, _ in timings)
    cpu = sorted(cpu for _, cpu in timings)
    print(
        f"Store + merge {arguments.activities} runs from both services "
        f"({2 * arguments.activities} records, SQLite file), target < 2 s: "
        f"wall best {wall[0]:.2f} s, median {wall[len(wall) // 2]:.2f} s; "
        f"CPU best {cpu[0]:.2f} s"
    )


if __name__ == "__main__":
    main()
