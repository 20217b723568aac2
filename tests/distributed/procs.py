"""Child processes of the distributed tests: `python -m tests.distributed.procs ROLE HOME ...`.

- `produce HOME ROUNDS ID...`: enqueue a refresh of every athlete, ROUNDS times
  in a row (a burst), and print how many new jobs it made.
- `work HOME LOG [HOLD_S]`: a worker whose jobs append `start`/`end` lines
  (kind, athlete, pid, monotonic-free wall time in ns) to LOG, each job held
  HOLD_S seconds in the middle, so overlaps would show; runs until SIGTERM.
- `drain HOME LOG`: a worker that stops once the queue is empty.
- `acquire HOME`: take Strava reads one at a time until refused ten times in a
  row; print how many were granted.
- `tick HOME AT`: defer the periodic ticks due at AT (Unix time), as every
  worker's periodic deferrer does.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

from procrastinate.periodic import PeriodicDeferrer

from syncsvc.runtime import Runtime
from syncsvc.server.distributed import ProcrastinateJobs, Worker
from syncsvc.server.jobs import JobKind, JobRequest, Priority, StoreStravaBudget


def _log_line(log: Path, event: str, kind: JobKind, athlete_id: int) -> None:
    line = f"{event} {kind.value} {athlete_id} {os.getpid()} {time.time_ns()}\n"
    with log.open("a") as handle:  # O_APPEND: whole lines, never interleaved
        handle.write(line)
        handle.flush()


def _worker(home: Path, log: Path, hold_s: float) -> Worker:
    runtime = Runtime.create(home=home)
    runtime.open_store()
    jobs = ProcrastinateJobs.open(runtime)

    def before(kind: JobKind, athlete_id: int) -> None:
        _log_line(log, "start", kind, athlete_id)
        time.sleep(hold_s)

    def after(kind: JobKind, athlete_id: int) -> None:
        _log_line(log, "end", kind, athlete_id)

    return Worker(runtime, jobs, before_job=before, after_job=after)


def main(argv: list[str]) -> int:
    role, home = argv[0], Path(argv[1])
    if role == "produce":
        rounds, ids = int(argv[2]), [int(value) for value in argv[3:]]
        runtime = Runtime.create(home=home)
        runtime.open_store()
        jobs = ProcrastinateJobs.open(runtime)
        made = 0
        for _ in range(rounds):
            for athlete_id in ids:
                made += jobs.enqueue(
                    JobRequest(JobKind.REFRESH, athlete_id, "webhook", Priority.WEBHOOK)
                )
        jobs.close()
        print(made)
        return 0
    if role in ("work", "drain"):
        hold_s = float(argv[3]) if len(argv) > 3 else 0.0
        worker = _worker(home, Path(argv[2]), hold_s)
        print("ready", flush=True)
        worker.run(wait=role == "work")
        return 0
    if role == "acquire":
        runtime = Runtime.create(home=home)
        budget = StoreStravaBudget(runtime.open_store(), runtime.settings.strava)
        granted = refused = 0
        while refused < 10:
            if budget.acquire(1, priority=Priority.WEBHOOK):
                granted += 1
                refused = 0
            else:
                refused += 1
        print(granted)
        return 0
    if role == "tick":
        runtime = Runtime.create(home=home)
        runtime.open_store()
        worker = Worker(runtime, ProcrastinateJobs.open(runtime))
        at = float(argv[2])

        async def defer() -> None:
            async with worker.app.open_async():
                deferrer = PeriodicDeferrer(registry=worker.app.periodic_registry)
                for _ in range(3):  # each worker wakes several times around a tick
                    await deferrer.defer_jobs(deferrer.get_previous_tasks(at=at))
                    deferrer.last_defers.clear()

        asyncio.run(defer())
        worker.jobs.close()
        return 0
    raise SystemExit(f"unknown role {role}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
