"""What the distributed engine's tables say: queue depth, oldest wait, failures and retries.

Read with plain SQL over the store's own engine (same database, same
search_path as procrastinate), so any process can report on every worker:
`/metrics` in a web process (`server/job_stats.py`) and `syncsvc status` read
the same numbers.

- waiting: jobs in `todo` (held-back ones included); the oldest wait counts
  from when a job became runnable (deferred, or its `schedule_in` passed).
- failures and retries per task: our counters table (`job_schema.COUNTERS_TABLE`),
  because procrastinate deletes a job that succeeds, retried or not.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert

from syncsvc.store.database import Store
from syncsvc.store.job_schema import counters_table

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
_COUNTERS = select(counters_table.c.task, counters_table.c.outcome, counters_table.c.count)


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
        upsert = insert(counters_table).values(task=task, outcome=outcome, count=1)
        with store.engine.begin() as connection:
            connection.execute(
                upsert.on_conflict_do_update(
                    index_elements=["task", "outcome"],
                    set_={"count": counters_table.c.count + 1},
                )
            )
    except Exception as error:  # counting must never turn into the job's failure
        log.warning("job counter not updated: %s", type(error).__name__)
