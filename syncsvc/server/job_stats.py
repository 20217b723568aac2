"""The distributed engine's queue and counters as Prometheus metrics (`/metrics`).

The numbers come from `store/job_stats.py`, read at scrape time, so every web
process reports on every worker.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from syncsvc.store.database import Store
from syncsvc.store.job_stats import read_queue_stats

log = logging.getLogger(__name__)


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
