"""Prometheus metrics: request latency per route (histogram) and, read at scrape time, the database's counters
(articles ingested, fetch errors by source, ingest queue size and lag) and the job queue's depth, lag and live
workers (`svodka.queue.queue_stats`, on PostgreSQL; cached for a few seconds)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from svodka.queue.stats import queue_stats
from svodka.store import read

log = logging.getLogger(__name__)

# Scrapes from several Prometheus servers (or a reload loop) within this many seconds share one set of queue counts.
QUEUE_STATS_TTL = 5.0


class _CachedQueueStats:
    """`queue_stats(engine)` read at most once per `ttl` seconds (it counts jobs and items with GROUP BY)."""

    def __init__(self, engine: Engine, ttl: float = QUEUE_STATS_TTL) -> None:
        self.engine = engine
        self.ttl = ttl
        self._lock = threading.Lock()
        self._value: dict[str, Any] | None = None
        self._read_at = 0.0

    def get(self) -> dict[str, Any]:
        with self._lock:
            if self._value is None or time.monotonic() - self._read_at >= self.ttl:
                self._value = queue_stats(self.engine)
                self._read_at = time.monotonic()
            return self._value


def _queue_families(stats: dict[str, Any]) -> Iterator[Metric]:
    items = GaugeMetricFamily("svodka_queue_items", "Announced URLs by state (new, retry, done, failed)",
                              labels=["state"])
    for state, count in sorted(stats["items"].items()):
        items.add_metric([state], count)
    yield items
    if "jobs" not in stats:
        return  # SQLite, or PostgreSQL before the queue schema exists
    jobs = GaugeMetricFamily("svodka_queue_jobs", "Job queue jobs by status", labels=["status"])
    for status, count in sorted(stats["jobs"].items()):
        jobs.add_metric([status], count)
    yield jobs
    waiting = GaugeMetricFamily("svodka_queue_jobs_waiting", "Jobs waiting to run, by task", labels=["task"])
    for task, count in sorted(stats["waiting_by_task"].items()):
        waiting.add_metric([task], count)
    yield waiting
    yield GaugeMetricFamily("svodka_queue_job_lag_seconds", "How long the oldest runnable job has been waiting",
                            value=stats["lag_seconds"])
    yield GaugeMetricFamily("svodka_queue_workers_alive", "Workers whose heartbeat is recent",
                            value=stats["workers_alive"])


class _DatabaseCollector(Collector):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.queue = _CachedQueueStats(engine)

    def collect(self) -> Iterator[Metric]:
        try:
            total = read.article_count(self.engine)
            errors = read.source_errors(self.engine)
            waiting, lag = read.queue_lag_seconds(self.engine, datetime.now(UTC).replace(tzinfo=None))
        except Exception:  # noqa: BLE001 - a scrape must answer even when the database is unhappy
            log.exception("metrics: database read failed")
            return
        yield GaugeMetricFamily("svodka_articles_total", "Articles stored", value=total)
        family = GaugeMetricFamily("svodka_source_fetch_errors", "Fetch errors counted per source",
                                   labels=["source"])
        for slug, count in errors:
            family.add_metric([slug], count)
        yield family
        yield GaugeMetricFamily("svodka_queue_waiting", "Announced URLs waiting to be fetched", value=waiting)
        yield GaugeMetricFamily("svodka_queue_lag_seconds", "Age of the oldest URL waiting to be fetched", value=lag)
        try:
            stats = self.queue.get()
        except Exception:  # noqa: BLE001 - the other metrics still answer when the queue tables are unhappy
            log.exception("metrics: queue stats failed")
            return
        yield from _queue_families(stats)


class Metrics:
    """One registry per app, so tests and several apps in one process do not collide."""

    def __init__(self, engine: Engine) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram("svodka_http_request_duration_seconds", "Request latency by route",
                                 ["method", "route"], registry=self.registry,
                                 buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5))
        self.registry.register(_DatabaseCollector(engine))

    def observe(self, method: str, route: str, seconds: float) -> None:
        self.latency.labels(method, route).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
