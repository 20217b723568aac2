"""The service's Prometheus metrics, in a registry of its own (one per app).

Counters only move when something happened; the gauges (Strava budget left,
queue depth, oldest wait) are read when `/metrics` is scraped, so they are
never stale and cost nothing in between.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from syncsvc.api.pipeline import RefreshResult
from syncsvc.api.status import paused_channel_message
from syncsvc.push.model import ChannelState, ChannelStatus, PushResult

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _ReadAtScrape(Collector):
    """Gauges computed at scrape time; a failing reading is left out, never an error."""

    def __init__(self, readings: dict[str, tuple[str, Callable[[], float]]]) -> None:
        self.readings = readings

    def collect(self) -> Iterator[Metric]:
        for name, (documentation, read) in self.readings.items():
            try:
                value = float(read())
            except Exception as error:  # a scrape must not fail because the store is down
                log.debug("metric %s unavailable: %s", name, type(error).__name__)
                continue
            yield GaugeMetricFamily(name, documentation, value=value)


ERROR_LABEL_CHARS = 200
"""A channel's last error goes into a label: kept short."""


class PushChannelsCollector(Collector):
    """Each push channel's state, lag and last error, read at scrape (`admin.all_channel_statuses`).

    `syncsvc_push_channel_lag_seconds`: how long the channel has been behind the
    plan; `syncsvc_push_channel_info` is 1 with the state and the last error as
    labels (a paused channel's error names the command that fixes it).
    """

    def __init__(self, read: Callable[[], list[tuple[int, ChannelStatus]]]) -> None:
        self.read = read

    def collect(self) -> Iterator[Metric]:
        try:
            statuses = self.read()
        except Exception as error:  # a scrape must not fail because the store is down
            log.debug("push channels unavailable: %s", type(error).__name__)
            return
        labels = ["athlete_id", "channel", "kind"]
        lag = GaugeMetricFamily(
            "syncsvc_push_channel_lag_seconds",
            "How long each push channel has been behind the plan (0: in step).",
            labels=labels,
        )
        info = GaugeMetricFamily(
            "syncsvc_push_channel_info",
            "Each push channel's state (ok, failing, paused) and last error.",
            labels=[*labels, "state", "last_error"],
        )
        for athlete_id, status in statuses:
            key = [str(athlete_id), str(status.id), status.kind]
            lag.add_metric(key, status.lag_s)
            last_error = status.last_error
            if status.state == ChannelState.PAUSED:
                last_error = paused_channel_message(status)
            info.add_metric([*key, status.state, last_error[:ERROR_LABEL_CHARS]], 1.0)
        yield lag
        yield info


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.refreshes = Counter(
            "syncsvc_refreshes",
            "Pipeline runs, by trigger and outcome.",
            ["trigger", "status"],
            registry=self.registry,
        )
        self.syncs = Counter(
            "syncsvc_syncs",
            "Source syncs inside refreshes, by source.",
            ["source"],
            registry=self.registry,
        )
        self.errors = Counter(
            "syncsvc_errors",
            "Failures by kind (exception class or sync stop reason).",
            ["kind"],
            registry=self.registry,
        )
        self.refresh_seconds = Histogram(
            "syncsvc_refresh_duration_seconds",
            "How long one refresh took (sync included).",
            buckets=(0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120),
            registry=self.registry,
        )
        self.feed_requests = Counter(
            "syncsvc_feed_requests",
            "Feed requests by HTTP status (304 counts revalidations).",
            ["status"],
            registry=self.registry,
        )
        self.webhook_events = Counter(
            "syncsvc_webhook_events",
            "Strava webhook deliveries by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self.pushes = Counter(
            "syncsvc_pushes",
            "Push jobs by channel kind and the state they left the channel in.",
            ["kind", "state"],
            registry=self.registry,
        )
        self.jobs_enqueued = Counter(
            "syncsvc_jobs_enqueued",
            "Job requests by kind and whether they made a new waiting job or merged.",
            ["kind", "result"],
            registry=self.registry,
        )
        self._feed_requests_by_status: dict[int, Any] = {}
        self._readings: dict[str, tuple[str, Callable[[], float]]] = {}
        self.registry.register(_ReadAtScrape(self._readings))

    def count_feed_request(self, status: int) -> None:
        """One feed answer, by status; each status's child is looked up once (a poll's path)."""
        child = self._feed_requests_by_status.get(status)
        if child is None:
            child = self.feed_requests.labels(status=str(status))
            self._feed_requests_by_status[status] = child
        child.inc()

    def read_at_scrape(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        self._readings[name] = (documentation, read)

    def record_refresh(self, result: RefreshResult) -> None:
        status = "ok" if not result.problems else "partial"
        self.refreshes.labels(trigger=result.trigger, status=status).inc()
        self.refresh_seconds.observe(result.duration_s)
        for summary in result.syncs:
            self.syncs.labels(source=summary.source.value).inc()
            if summary.stopped:
                self.errors.labels(kind=f"sync_stopped_{summary.source.value}").inc()

    def record_push(self, result: PushResult) -> None:
        state = str(result.state) if result.ran else "waiting"
        self.pushes.labels(kind=result.kind, state=state).inc()

    def record_failure(self, trigger: str, error: BaseException) -> None:
        self.refreshes.labels(trigger=trigger, status="failed").inc()
        self.errors.labels(kind=type(error).__name__).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
