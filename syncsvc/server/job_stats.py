"""What the distributed engine's tables say: queue depth, oldest wait, failures and retries.

Read with plain SQL over the store's own engine (same database, same
search_path as procrastinate), so any process can report on every worker:
`/metrics` in a web process and `syncsvc status` read the same numbers.

- waiting: jobs in `todo` (held-back ones included); the oldest wait counts
  from when a job became runnable (deferred, or its `schedule_in` passed).
- failures and retries per task: `syncsvc_job_counters`, because procrastinate
  deletes a job that succeeds, retried or not.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import text

from syncsvc.store.database import Store

log = logging.getLogger(__name__)

FAILED = "failed"
RETRIED = "retried"

_QUEUE = text(
    """
    SELECT j.task_name, j.status::text AS status, count(*) AS jobs,
           max(extract(epoch FROM now() - greatest(e.at, coalesce(j.scheduled_at, e.at))))
               FILTER (WHERE j.status = 'todo'
                       AND (j.scheduled_at IS NULL OR j.scheduled_at <= now())) AS oldest
      FROM procrastinate_jobs AS j
      LEFT JOIN procrastinate_events AS e ON e.job_id = j.id AND e.type = 'deferred'
     WHERE j.status IN ('todo', 'doing', 'failed')
     GROUP BY j.task_name, j.status
    """
)
_COUNTERS = text("SELECT task, outcome, count FROM syncsvc_job_counters")
_COUNT = text(
    """
    INSERT INTO syncsvc_job_counters (task, outcome, count) VALUES (:task, :outcome, 1)
    ON CONFLICT (task, outcome) DO UPDATE SET count = syncsvc_job_counters.count + 1
    """
)


@dataclass(frozen=True, slots=True)
class TaskStats:
    task: str
    waiting: int = 0
    running: int = 0
    failed_kept: int = 0
    """Failed jobs still in the table (the daily cleanup removes old ones)."""
    failures: int = 0
    """Failed attempts since the job schema was installed."""
    retries: int = 0


@dataclass(frozen=True, slots=True)
class QueueStats:
    waiting: int
    running: int
    oldest_wait_s: float
    tasks: tuple[TaskStats, ...]


def read_queue_stats(store: Store) -> QueueStats:
    by_task: dict[str, dict[str, int]] = {}
    oldest = 0.0
    with store.engine.connect() as connection:
        for task, status, jobs, age in connection.execute(_QUEUE):
            slot = by_task.setdefault(task, {})
            slot[status] = int(jobs)
            if age is not None:
                oldest = max(oldest, float(age))
        for task, outcome, count in connection.execute(_COUNTERS):
            by_task.setdefault(task, {})[f"count:{outcome}"] = int(count)
    tasks = tuple(
        TaskStats(
            task=task,
            waiting=slot.get("todo", 0),
            running=slot.get("doing", 0),
            failed_kept=slot.get("failed", 0),
            failures=slot.get(f"count:{FAILED}", 0),
            retries=slot.get(f"count:{RETRIED}", 0),
        )
        for task, slot in sorted(by_task.items())
    )
    return QueueStats(
        waiting=sum(t.waiting for t in tasks),
        running=sum(t.running for t in tasks),
        oldest_wait_s=max(0.0, oldest),
        tasks=tasks,
    )


def count(store: Store, task: str, outcome: str) -> None:
    """Add one to a task's failure or retry counter (rare events: one small upsert each)."""
    try:
        with store.engine.begin() as connection:
            connection.execute(_COUNT, {"task": task, "outcome": outcome})
    except Exception as error:  # counting must never turn into the job's failure
        log.warning("job counter not updated: %s", type(error).__name__)


class JobStatsCollector(Collector):
    """Per-task gauges and counters for `/metrics`; an unreadable store leaves them out."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[Metric]:
        try:
            stats = read_queue_stats(self.store)
        except Exception as error:  # a scrape must not fail because the store is down
            log.debug("job stats unavailable: %s", type(error).__name__)
            return
        waiting = GaugeMetricFamily(
            "syncsvc_jobs_waiting", "Jobs waiting to run, by task.", labels=["task"]
        )
        running = GaugeMetricFamily(
            "syncsvc_jobs_running", "Jobs running on some worker, by task.", labels=["task"]
        )
        kept = GaugeMetricFamily(
            "syncsvc_jobs_failed_kept", "Failed jobs kept for inspection, by task.", labels=["task"]
        )
        failures = CounterMetricFamily(
            "syncsvc_job_failures", "Failed job attempts, by task.", labels=["task"]
        )
        retries = CounterMetricFamily(
            "syncsvc_job_retries",
            "Job retries (failures and dead workers), by task.",
            labels=["task"],
        )
        for task in stats.tasks:
            waiting.add_metric([task.task], task.waiting)
            running.add_metric([task.task], task.running)
            kept.add_metric([task.task], task.failed_kept)
            failures.add_metric([task.task], task.failures)
            retries.add_metric([task.task], task.retries)
        yield from (waiting, running, kept, failures, retries)


def status_lines(stats: QueueStats) -> list[tuple[str, str]]:
    """The `syncsvc status` lines of the distributed engine."""
    lines = [
        (
            "jobs",
            f"{stats.waiting} waiting (oldest {stats.oldest_wait_s:.0f} s), "
            f"{stats.running} running",
        )
    ]
    troubled = [t for t in stats.tasks if t.failures or t.retries or t.failed_kept]
    if troubled:
        lines.append(
            (
                "job failures",
                "; ".join(f"{t.task}: {t.failures} failed, {t.retries} retried" for t in troubled),
            )
        )
    return lines


def stats_dict(stats: QueueStats) -> dict[str, object]:
    return {
        "waiting": stats.waiting,
        "running": stats.running,
        "oldest_wait_s": round(stats.oldest_wait_s, 1),
        "tasks": {
            t.task: {
                "waiting": t.waiting,
                "running": t.running,
                "failed_kept": t.failed_kept,
                "failures": t.failures,
                "retries": t.retries,
            }
            for t in stats.tasks
        },
    }
