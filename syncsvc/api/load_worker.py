"""The load analysis in a worker process, so a long-running service never holds pandas.

Measured (issue 19): pandas and numpy add ~45 MiB to a process's resident
memory, and glibc keeps most of it after the analysis is done; the service
process then stays at ~175 MiB. The analysis is a pure function of the
pipeline's context (`load_compute.analyse_inputs`), so `serve` runs it here
instead: the context's part it reads and the load settings go to a worker
process, the `LoadStep` comes back as plain values (the analysis without its
DataFrame, which only the CLI's `load --plot` reads), and pandas never loads in
the service.

The worker is a one-process `ProcessPoolExecutor` started with 'spawn' (a clean
interpreter: forking a process that runs threads and an event loop is unsafe).
Starting it costs an interpreter and the imports (~1 s on 2 slow cores), so it
stays up while refreshes keep coming and exits after `idle_s` without one; a
burst of webhooks pays the start once. A worker that died is replaced on the
next call, and the call is tried once more.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from syncsvc.api.load_compute import LoadInputs, LoadStep, analyse_without_frame

log = logging.getLogger(__name__)

DEFAULT_IDLE_S = 60.0


class LoadWorker:
    """Runs `compute_load` in a worker process that exits after `idle_s` unused."""

    def __init__(self, idle_s: float = DEFAULT_IDLE_S) -> None:
        self.idle_s = idle_s
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._idle_timer: threading.Timer | None = None
        self._busy = 0
        self._closed = False

    def compute(self, inputs: LoadInputs) -> LoadStep:
        try:
            return self._submit(inputs)
        except BrokenProcessPool:
            log.warning("the load worker died; starting a new one")
            self._discard_pool()
            return self._submit(inputs)

    def _submit(self, inputs: LoadInputs) -> LoadStep:
        pool = self._acquire()
        try:
            return pool.submit(analyse_without_frame, inputs).result()
        finally:
            self._release()

    def _acquire(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise RuntimeError("the load worker is closed")
            if self._idle_timer is not None:
                self._idle_timer.cancel()
                self._idle_timer = None
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn")
                )
            self._busy += 1
            return self._pool

    def _release(self) -> None:
        with self._lock:
            self._busy -= 1
            if self._busy == 0 and self._pool is not None and not self._closed:
                self._idle_timer = threading.Timer(self.idle_s, self._stop_if_idle)
                self._idle_timer.daemon = True
                self._idle_timer.start()

    def _stop_if_idle(self) -> None:
        with self._lock:
            if self._busy:
                return
            pool, self._pool, self._idle_timer = self._pool, None, None
        if pool is not None:
            pool.shutdown(wait=True)

    def _discard_pool(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    @property
    def running(self) -> bool:
        """A worker process is up (between a call and `idle_s` after the last)."""
        return self._pool is not None

    def close(self) -> None:
        """Stop the worker (waiting for a running analysis); later calls raise."""
        with self._lock:
            self._closed = True
            if self._idle_timer is not None:
                self._idle_timer.cancel()
                self._idle_timer = None
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
