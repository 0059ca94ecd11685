"""Prometheus metrics: request latency per route (histogram) and, read at scrape time, the database's counters
(articles ingested, fetch errors by source, ingest queue size and lag)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from svodka.store import read

log = logging.getLogger(__name__)


class _DatabaseCollector(Collector):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

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
