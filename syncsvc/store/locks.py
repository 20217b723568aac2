"""Locks that hold across processes and die with them.

- The per-athlete lock: two refreshes of one athlete never overlap, in one
  process or several. Beside a SQLite store it is an OS file lock (`fcntl`) in
  the home folder's `locks/`; on PostgreSQL a session-level advisory lock.
- A batch of athletes' locks (`free_athlete_locks`): a replan of everyone takes
  the locks that are free now, in one go, and gives each back once that
  athlete's plan is written.
- The scheduler lease: exactly one scheduler per store. The same two
  mechanisms, taken without waiting and held for the process's life.

Both are released by the operating system (or the server, when the connection
drops) if the process dies, so a crash never leaves a stale lock behind; that
is why they are not rows in a table.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text

from syncsvc.errors import AlreadyRunning, SyncsvcError
from syncsvc.store.database import Store

ADVISORY_NAMESPACE = 0x5359  # "SY": keeps our advisory keys apart from other users of the server
SCHEDULER_KEY = 1
_local_locks: dict[tuple[str, int], threading.Lock] = {}
_local_guard = threading.Lock()


class LockTimeout(SyncsvcError):
    """Another refresh of this athlete kept its lock for too long."""


def _advisory_key(kind: str, number: int) -> int:
    """A signed 64-bit key: namespace, kind and number (athlete id) packed together."""
    kind_code = zlib.crc32(kind.encode()) & 0xFFFF
    key = (ADVISORY_NAMESPACE << 48) | (kind_code << 32) | (number & 0xFFFFFFFF)
    return key - (1 << 64) if key >= 1 << 63 else key


def _thread_lock(scope: str, athlete_id: int) -> threading.Lock:
    with _local_guard:
        return _local_locks.setdefault((scope, athlete_id), threading.Lock())


def lock_dir(home: Path) -> Path:
    path = home / "locks"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def athlete_lock(
    store: Store, home: Path, athlete_id: int, *, timeout_s: float = 120.0
) -> Iterator[None]:
    """Hold the athlete's refresh lock; wait up to `timeout_s` for another holder."""
    local = _thread_lock(str(home), athlete_id)
    if not local.acquire(timeout=timeout_s):
        raise LockTimeout(f"another refresh of athlete {athlete_id} is still running")
    try:
        if store.dialect == "postgresql":
            with _advisory_lock(store, _advisory_key("athlete", athlete_id), timeout_s):
                yield
        else:
            with _file_lock(lock_dir(home) / f"athlete-{athlete_id}.lock", timeout_s, wait=True):
                yield
    finally:
        local.release()


class HeldLocks:
    """The athletes' locks a batch took (`held`): each given back by `release`, or at the end."""

    def __init__(self) -> None:
        self.held: list[int] = []
        self._releases: dict[int, list[Any]] = {}

    def add_release(self, athlete_id: int, release: Any) -> None:
        """One more lock of this athlete taken; `release` gives it back (last taken, first back)."""
        if athlete_id not in self._releases:
            self.held.append(athlete_id)
        self._releases.setdefault(athlete_id, []).insert(0, release)

    def leave_out(self, athlete_id: int) -> None:
        """Not all of this athlete's locks could be taken: give back those that were."""
        for release in self._releases.pop(athlete_id, []):
            release()
        self.held.remove(athlete_id)

    def release(self, athlete_id: int) -> None:
        for release in self._releases.pop(athlete_id, []):
            release()

    def release_all(self) -> None:
        for athlete_id in list(self._releases):
            self.release(athlete_id)


@contextmanager
def free_athlete_locks(store: Store, home: Path, athlete_ids: list[int]) -> Iterator[HeldLocks]:
    """Take, without waiting, the locks of those of `athlete_ids` no one holds.

    The same locks as `athlete_lock`. Taken in one go and in id order (on
    PostgreSQL with one query on one connection, not one connection each), so
    a batch of hundreds costs little; an athlete whose lock is busy is left out
    (`held` says which were taken), and their caller waits for it alone.
    """
    held = HeldLocks()
    connection = store.engine.connect() if store.dialect == "postgresql" else None
    try:
        for athlete_id in sorted(set(athlete_ids)):
            local = _thread_lock(str(home), athlete_id)
            if local.acquire(blocking=False):
                held.add_release(athlete_id, local.release)
        if connection is not None:
            _take_advisory(connection, held)
        else:
            for athlete_id in list(held.held):
                _take_file_lock(lock_dir(home) / f"athlete-{athlete_id}.lock", athlete_id, held)
        yield held
    finally:
        held.release_all()
        if connection is not None:
            connection.close()


def _take_advisory(connection: Any, held: HeldLocks) -> None:
    keys = {_advisory_key("athlete", athlete_id): athlete_id for athlete_id in held.held}
    taken = connection.execute(
        text("SELECT k FROM unnest(CAST(:keys AS bigint[])) AS k WHERE pg_try_advisory_lock(k)"),
        {"keys": list(keys)},
    ).scalars()
    connection.commit()
    taken_ids = {keys[key] for key in taken}
    for key, athlete_id in keys.items():
        if athlete_id not in taken_ids:
            held.leave_out(athlete_id)
            continue

        def unlock(key: int = key) -> None:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            connection.commit()

        held.add_release(athlete_id, unlock)


def _take_file_lock(path: Path, athlete_id: int, held: HeldLocks) -> None:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        held.leave_out(athlete_id)
        return

    def unlock() -> None:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)

    held.add_release(athlete_id, unlock)


@contextmanager
def _file_lock(path: Path, timeout_s: float, *, wait: bool) -> Iterator[None]:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait or time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    except BlockingIOError:
        raise LockTimeout(f"{path.name} is held by another process") from None
    finally:
        os.close(descriptor)


@contextmanager
def _advisory_lock(store: Store, key: int, timeout_s: float) -> Iterator[None]:
    connection = store.engine.connect()
    try:
        # SET cannot take a bound parameter; set_config can (session-level, like SET).
        connection.execute(
            text("SELECT set_config('lock_timeout', :ms, false)"),
            {"ms": f"{int(timeout_s * 1000)}ms"},
        )
        try:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        except Exception:
            raise LockTimeout("another refresh of this athlete is still running") from None
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            connection.commit()
    finally:
        connection.close()


class SchedulerLease:
    """Held for the life of the one scheduler of a store; refused to a second one."""

    def __init__(self, store: Store, home: Path) -> None:
        self.store = store
        self.home = home
        self._descriptor: int | None = None
        self._connection: Any = None

    def acquire(self) -> None:
        message = "a syncsvc scheduler is already running for this store"
        hint = "stop it first, or run this process with --web-only"
        if self.store.dialect == "postgresql":
            connection = self.store.engine.connect()
            key = _advisory_key("scheduler", SCHEDULER_KEY)
            granted = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": key}
            ).scalar()
            connection.commit()
            if not granted:
                connection.close()
                raise AlreadyRunning(message, hint=hint)
            self._connection = connection
            return
        descriptor = os.open(lock_dir(self.home) / "scheduler.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            raise AlreadyRunning(message, hint=hint) from None
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"{os.getpid()}\n".encode())
        self._descriptor = descriptor

    def release(self) -> None:
        if self._connection is not None:
            self._connection.close()  # closing the session releases the advisory lock
            self._connection = None
        if self._descriptor is not None:
            fcntl.flock(self._descriptor, fcntl.LOCK_UN)
            os.close(self._descriptor)
            self._descriptor = None
