"""`replan_all`'s compute step in worker processes, beside the writes (issue 19).

Replanning an athlete is about two thirds compute (the load analysis, the
planner, the feed's render) and one third store (reading the context, writing
the plan, the day classes, the feed and the run). In one process, a club's
replan of 1,000 athletes used one core of the machine however many it had.

Here worker processes each take a chunk of athletes, read their contexts from
the store themselves (SQLite in WAL mode and PostgreSQL both serve readers
side by side with the writer) and compute them. What comes back is only what
the write step needs (`pipeline.Computed`): the contexts and the load analysis
would cost about as much to pickle as to compute. The calling process takes
each chunk's locks before it is handed out, writes each athlete in its own
transaction as the one-process loop does, gives the lock back, and records the
run. The workers are started with 'spawn' (clean interpreters: forking a
process that may run threads is unsafe) and are handed the caller's settings,
instant and log level; their log records go to the caller's handlers (the
logging cookbook's `QueueHandler` and `QueueListener`).
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import signal
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from logging.handlers import QueueHandler, QueueListener
from multiprocessing.queues import Queue

from syncsvc import clock
from syncsvc.api.pipeline import (
    Computed,
    RefreshResult,
    compute,
    compute_load,
    contexts_by_id,
    publish,
    record_run,
)
from syncsvc.config import Settings
from syncsvc.runtime import Runtime
from syncsvc.store.locks import HeldLocks, free_athlete_locks

CHUNKS_PER_PROCESS = 4
"""At least this many chunks per worker, so that none waits long for the last one."""

_runtime: Runtime | None = None
"""A worker's own runtime: the caller's settings, its own store connection."""


@dataclass(frozen=True, slots=True)
class _Chunk:
    """A chunk handed to a worker, and its locks (held until its athletes are written)."""

    locks: HeldLocks
    held: ExitStack
    handed_out: datetime
    computed: Future[list[Computed]]


def replan_in_workers(
    runtime: Runtime, ordered: Sequence[int], processes: int, trigger: str, batch_size: int
) -> tuple[list[RefreshResult], list[int]]:
    """Compute `ordered` athletes in `processes` workers and write each as it comes back;
    the runs, and the athletes whose lock was busy (the caller replans them alone).

    A worker reads a chunk of at most `batch_size` athletes in one read transaction."""
    results: list[RefreshResult] = []
    busy: list[int] = []
    size = max(1, min(batch_size, math.ceil(len(ordered) / (processes * CHUNKS_PER_PROCESS))))
    chunks = iter([list(ordered[at : at + size]) for at in range(0, len(ordered), size)])
    waiting: deque[_Chunk] = deque()

    def hand_out(pool: ProcessPoolExecutor) -> None:
        for ids in chunks:
            held = ExitStack()
            locks = held.enter_context(free_athlete_locks(runtime.store, runtime.home, ids))
            busy.extend(athlete_id for athlete_id in ids if athlete_id not in locks.held)
            if locks.held:
                now = clock.now()
                future = pool.submit(_compute_chunk, sorted(locks.held), now)
                waiting.append(_Chunk(locks, held, now, future))
                return
            held.close()

    with _pool(runtime.settings, processes) as pool, ExitStack() as on_exit:
        on_exit.callback(_release_all, waiting)
        for _ in range(processes * 2):  # one chunk computing and one ready, per worker
            hand_out(pool)
        while waiting:
            chunk, started = waiting[0], waiting[0].handed_out
            for computed in chunk.computed.result():
                began = time.perf_counter()
                result = publish(runtime, computed, trigger=trigger)
                chunk.locks.release(computed.athlete_id)
                seconds = computed.compute_s + time.perf_counter() - began
                results.append(record_run(runtime, result, started, seconds))
                started = clock.now()
            waiting.popleft().held.close()
            hand_out(pool)
    return results, busy


def _release_all(waiting: deque[_Chunk]) -> None:
    for chunk in waiting:
        chunk.held.close()


@contextmanager
def _pool(settings: Settings, processes: int) -> Iterator[ProcessPoolExecutor]:
    """Worker processes with the caller's settings, their log records on its handlers.

    On an error the chunks not yet started are dropped rather than computed for nothing."""
    context = multiprocessing.get_context("spawn")
    records: Queue[logging.LogRecord] = context.Queue()
    root = logging.getLogger()
    listener = QueueListener(records, *root.handlers, respect_handler_level=True)
    listener.start()
    pool = ProcessPoolExecutor(
        processes,
        mp_context=context,
        initializer=_start_worker,
        initargs=(settings, records, root.getEffectiveLevel()),
    )
    try:
        yield pool
    except BaseException:
        pool.shutdown(cancel_futures=True)
        raise
    else:
        pool.shutdown()
    finally:
        listener.stop()


def _start_worker(settings: Settings, records: Queue[logging.LogRecord], level: int) -> None:
    """A worker's start. Ctrl-C reaches the whole process group: the caller stops the
    run (dropping the chunks not started), so a worker ignores it rather than dying
    mid-queue, which can leave the pool's other workers waiting on its lock forever."""
    global _runtime
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    root = logging.getLogger()
    root.handlers = [QueueHandler(records)]
    root.setLevel(level)
    _runtime = Runtime(settings)


def _compute_chunk(athlete_ids: list[int], now: datetime) -> list[Computed]:
    """A worker's task: read these athletes as of `now`, compute each."""
    assert _runtime is not None, "a replan worker runs _start_worker first"
    settings = _runtime.settings
    with _runtime.store.read() as tx:
        contexts = contexts_by_id(tx, athlete_ids, now)
    computed = []
    for context in contexts:
        began = time.perf_counter()
        one = compute(settings, context, compute_load(settings, context))
        computed.append(replace(one, compute_s=time.perf_counter() - began))
    return computed
