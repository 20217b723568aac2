"""Replan every athlete of the store (`syncsvc replan --all`), read in batches.

The same run as `pipeline.refresh_athlete(sync=False)` for each athlete, but
read in sets rather than one athlete at a time (issue 19), and, with enough
athletes and CPUs, computed in worker processes (`replan_workers.py`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

from syncsvc import clock
from syncsvc.api.gc_pause import kept_out_of_collections
from syncsvc.api.pipeline import (
    RefreshResult,
    contexts_by_id,
    record_run,
    refresh_athlete,
    replan_and_publish,
)
from syncsvc.errors import SourceError
from syncsvc.runtime import Runtime
from syncsvc.store.locks import free_athlete_locks

REPLAN_BATCH = 200
"""Athletes read together by `replan_all` (one read transaction, one query per table)."""

ATHLETES_PER_PROCESS = 100
"""A worker is started only for this many athletes: its start (an interpreter, the
store, pandas: about 1.5 s on 2 slow cores) costs about as much as replanning 40."""


def processes_for(athletes: int, configured: int = 0) -> int:
    """Processes for a replan of `athletes`: `configured` when set (1: this one alone),
    else one per CPU this process may run on, and one per ATHLETES_PER_PROCESS."""
    if configured:
        return configured
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cpus or 1, athletes // ATHLETES_PER_PROCESS))


def replan_all(
    runtime: Runtime,
    athlete_ids: Sequence[int] | None = None,
    *,
    trigger: str,
    batch_size: int = REPLAN_BATCH,
    processes: int | None = None,
) -> list[RefreshResult]:
    """Replan many athletes (every one by default), without a sync; one result each, by id.

    The same run as `refresh_athlete(sync=False)` for each, but read in
    batches: a batch takes the locks of its athletes that are free, reads all
    their contexts in one read transaction (one query per table for the whole
    batch), then computes and writes each athlete in turn, in its own write
    transaction, giving its lock back once its plan is written. An athlete
    whose lock was busy (a refresh of theirs running) is replanned alone
    afterwards, waiting for the lock like any run; one who no longer exists is
    left out.

    With more than one process (`processes`, by default `service.replan_processes`,
    whose 0 means one per CPU for every 100 athletes), worker processes read and
    compute the athletes, and this process writes them (`replan_workers.py`).
    """
    if athlete_ids is None:
        with runtime.store.read() as tx:
            athlete_ids = [athlete_id for athlete_id, _ in tx.athletes.zones()]
    ordered = sorted(set(athlete_ids))
    if processes is None:
        processes = processes_for(len(ordered), runtime.settings.service.replan_processes)
    with runtime.store.idle_connection_held():  # a SQLite write no longer checkpoints each time
        if processes > 1:
            from syncsvc.api.replan_workers import (  # noqa: PLC0415 - multiprocessing: only here
                replan_in_workers,
            )

            results, busy = replan_in_workers(runtime, ordered, processes, trigger, batch_size)
        else:
            results, busy = _replan_in_batches(runtime, ordered, trigger, batch_size)
        for athlete_id in busy:
            try:
                results.append(refresh_athlete(runtime, athlete_id, trigger=trigger, sync=False))
            except SourceError:  # removed meanwhile
                continue
    return sorted(results, key=lambda result: result.athlete_id)


def _replan_in_batches(
    runtime: Runtime, ordered: list[int], trigger: str, batch_size: int
) -> tuple[list[RefreshResult], list[int]]:
    """`replan_all`'s runs in this process, a batch at a time; and whose lock was busy."""
    results: list[RefreshResult] = []
    busy: list[int] = []
    for start in range(0, len(ordered), batch_size):
        batch = ordered[start : start + batch_size]
        with free_athlete_locks(runtime.store, runtime.home, batch) as locks:
            busy += [athlete_id for athlete_id in batch if athlete_id not in locks.held]
            started = clock.now()
            with runtime.store.read() as tx:
                contexts = contexts_by_id(tx, locks.held)
            with kept_out_of_collections():  # the contexts: no cycles, alive all batch long
                for context in contexts:
                    began = time.perf_counter()
                    result = replan_and_publish(runtime, context, None, trigger=trigger)
                    locks.release(context.athlete.id)
                    results.append(
                        record_run(runtime, result, started, time.perf_counter() - began)
                    )
                    started = clock.now()
    return results, busy
