"""Queries over procrastinate's job tables that its own API does not offer.

- which queueing locks already have a waiting job, so a fan-out defers its
  new jobs in batches (one INSERT each) without tripping over a waiting one;
- forgetting finished jobs with no recent event, so the tables stop growing
  (procrastinate deletes successful jobs itself; failed attempts are kept for
  inspection until then);
- fresh planner statistics after a fan-out's bulk defer (`analyse_jobs`).

Why the statistics matter: the jobs table is nearly empty most of the day, so
its statistics say "a row or two". When a midnight fan-out defers thousands of
jobs at once, procrastinate's job-picking query (`procrastinate_fetch_job_v2`)
is planned for those 1-2 rows: it checks the lock anti-join of every waiting
job, then sorts, each time a worker asks for a job (76 ms at 1,500 waiting
jobs, against 0.2 ms with fresh statistics, when it walks the priority index
and stops at the first free job). Autovacuum would analyse the table, but only
on its own schedule (a minute or more later, the whole fan-out's drain).
Per-table autovacuum settings would not shorten that: the launcher visits a
database once per `autovacuum_naptime` (server-wide, a minute by default), and
the default threshold (50 changed rows + 10 %) already fires at its first
visit to a near-empty table. So the fan-out analyses the table itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import text

from syncsvc.store.database import Store

_WAITING_LOCKS = text(
    "SELECT queueing_lock FROM procrastinate_jobs "
    "WHERE status = 'todo' AND queueing_lock = ANY(:locks)"
)
_FORGET_FINISHED = text(
    "DELETE FROM procrastinate_jobs AS j WHERE j.status IN "
    "('failed', 'succeeded', 'cancelled', 'aborted') AND NOT EXISTS ("
    "SELECT 1 FROM procrastinate_events AS e WHERE e.job_id = j.id "
    "AND e.at > now() - make_interval(secs => :keep))"
)


_ANALYSE_JOBS = text("ANALYZE procrastinate_jobs")


def analyse_jobs(store: Store) -> None:
    """Refresh the planner's statistics of the jobs table (a few ms: it samples the table)."""
    with store.engine.begin() as connection:
        connection.execute(_ANALYSE_JOBS)


def waiting_queueing_locks(store: Store, locks: Sequence[str]) -> set[str]:
    """Those of `locks` held by a job still waiting to run."""
    with store.engine.connect() as connection:
        return set(connection.execute(_WAITING_LOCKS, {"locks": list(locks)}).scalars().all())


def forget_finished_jobs(store: Store, keep: timedelta) -> int:
    """Delete finished jobs whose last event is older than `keep`; returns how many."""
    with store.engine.begin() as connection:
        removed = connection.execute(_FORGET_FINISHED, {"keep": keep.total_seconds()}).rowcount
    return int(removed or 0)
