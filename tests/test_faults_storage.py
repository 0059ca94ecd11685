"""Disk full and database locked, on a real SQLite file: a clear error, no corruption, nothing lost or failed for
good, and the crawl completes once space returns or the lock is released.

A full disk is simulated with `PRAGMA max_page_count` (SQLite answers SQLITE_FULL, the code path of a full disk);
a lock with another connection holding a write transaction for longer than the crawler's busy timeout.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sample_site import article_page, rss_feed
from sqlalchemy import Engine, event, func, select, text

from svodka import crawl as crawl_module
from svodka.crawl import Crawler
from svodka.fetch.client import Fetcher
from svodka.pipeline import Pipeline
from svodka.settings import Settings
from svodka.store import schema
from svodka.store import sources as store_sources
from svodka.store.db import make_engine, open_database

PAGES = 10
NOW = datetime.now(UTC)


def article_html(i: int) -> str:
    paragraphs = [f"Абзац {j} новости номер {i}: правительство Казахстана обсудило развитие энергетики и транспорта "
                  f"в регионах страны, сообщили в пресс-службе министерства." for j in range(6)]
    return article_page(f"Новость {i}", paragraphs, NOW)


@pytest.fixture
def site(httpserver: HTTPServer) -> str:
    base = httpserver.url_for("").rstrip("/")
    items = [(f"/n/{i}", f"Новость {i}", NOW - timedelta(minutes=i)) for i in range(PAGES)]
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/feed.xml").respond_with_data(rss_feed(base, items, title="Т"),
                                                             content_type="application/rss+xml")
    for i in range(PAGES):
        httpserver.expect_request(f"/n/{i}").respond_with_data(article_html(i), content_type="text/html; charset=utf-8")
    return base


def settings_for(database_url: str) -> Settings:
    return Settings(database_url=database_url, allow_private_networks=True, per_host_delay=0.0,
                    per_host_concurrency=4, request_timeout=5.0)


def crawl_once(engine: Engine, settings: Settings) -> crawl_module.CrawlStats:
    async def run() -> crawl_module.CrawlStats:
        async with Fetcher(settings) as fetcher:
            pipeline = Pipeline(engine, settings, enrich=False)
            return await Crawler(engine, settings, pipeline, fetcher).crawl_once()

    return asyncio.run(run())


def integrity(engine: Engine) -> str:
    with engine.connect() as conn:
        conn.execute(text("INSERT INTO search_fts(search_fts) VALUES ('integrity-check')"))
        return str(conn.execute(text("PRAGMA integrity_check")).scalar_one())


def queue_states(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(schema.feed_items.c.state, func.count())
                                 .group_by(schema.feed_items.c.state)).all())


def test_disk_full_fails_clearly_keeps_the_queue_and_recovers(site: str, tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    url = f"sqlite:///{tmp_path / 'svodka.db'}"
    open_database(url).dispose()
    engine = make_engine(url)
    limit: list[int | None] = [None]

    @event.listens_for(engine, "connect")
    def cap_size(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        if limit[0] is not None:
            dbapi_connection.execute(f"PRAGMA max_page_count={limit[0]}")

    store_sources.add_source(engine, f"{site}/feed.xml", name="Тест", now=NOW.replace(tzinfo=None))
    with engine.connect() as conn:
        pages_now = int(conn.execute(text("PRAGMA page_count")).scalar_one())
    full_runs = 0
    # The database may grow by a few more pages each run: it fills up at a different step each time (queueing,
    # keeping raw pages, storing articles, clustering, indexing), then there is room again.
    for room in (0, 2, 4, 8, 16, 32, None):
        limit[0] = None if room is None else pages_now + room
        engine.dispose()
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="svodka.crawl"):
            stats = crawl_once(engine, settings_for(url))
        if stats.store_errors:
            full_runs += 1
            assert any("full" in r.getMessage() and "stay queued" in r.getMessage() for r in caplog.records)
        assert integrity(engine) == "ok"
        states = queue_states(engine)
        # Nothing was given up because our own disk was full.
        assert set(states) <= {"new", "done"}, states
        with engine.connect() as conn:
            pages_now = max(pages_now, int(conn.execute(text("PRAGMA page_count")).scalar_one()))
    print(f"disk full in {full_runs} of 7 runs")
    assert full_runs >= 3
    assert queue_states(engine) == {"done": PAGES}
    with engine.connect() as conn:
        urls = list(conn.execute(select(schema.articles.c.canonical_url)).scalars())
        hidden = conn.execute(select(func.count()).select_from(schema.articles)
                              .where(schema.articles.c.ingested_at.is_(None))).scalar_one()
        indexed = conn.execute(text("SELECT count(*) FROM search_docs")).scalar_one()
    assert sorted(urls) == sorted(f"{site}/n/{i}" for i in range(PAGES))
    assert hidden == 0 and indexed == PAGES


def test_locked_database_is_reported_retried_and_completed(site: str, tmp_path: Path,
                                                          caplog: pytest.LogCaptureFixture,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'svodka.db'}"
    open_database(url).dispose()
    # A short busy timeout so the lock below outlasts it many times over.
    engine = make_engine(url, busy_timeout=0.3)
    store_sources.add_source(engine, f"{site}/feed.xml", name="Тест", now=NOW.replace(tzinfo=None))
    monkeypatch.setattr(crawl_module, "STORE_RETRY_DELAY", 0.5)
    locked, released = threading.Event(), threading.Event()

    def hold_write_lock() -> None:
        other = sqlite3.connect(tmp_path / "svodka.db", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE sources SET name = name")
        locked.set()
        time.sleep(3.0)
        other.execute("COMMIT")
        other.close()
        released.set()

    holder = threading.Thread(target=hold_write_lock)
    holder.start()
    assert locked.wait(10)
    settings = settings_for(url)

    async def crawl_until_done() -> crawl_module.CrawlStats:
        stop = asyncio.Event()
        async with Fetcher(settings) as fetcher:
            crawler = Crawler(engine, settings, Pipeline(engine, settings, enrich=False), fetcher)
            task = asyncio.create_task(crawler.crawl_forever(stop))
            deadline = time.monotonic() + 120
            while queue_states(engine).get("done", 0) < PAGES and time.monotonic() < deadline and not task.done():
                await asyncio.sleep(0.2)
            stop.set()
            await asyncio.wait_for(task, timeout=60)
            return crawler.stats

    with caplog.at_level(logging.ERROR, logger="svodka.crawl"):
        stats = asyncio.run(crawl_until_done())
    holder.join()
    print(f"{stats.store_errors} locked-database errors before the lock was released")
    assert released.is_set()
    assert stats.store_errors >= 1
    assert any("locked" in r.getMessage() and "busy timeout" in r.getMessage() for r in caplog.records)
    assert queue_states(engine) == {"done": PAGES}
    assert integrity(engine) == "ok"
    with engine.connect() as conn:
        assert conn.execute(select(func.count(schema.articles.c.ingested_at))).scalar_one() == PAGES


class PipelineBrokenOnOnePage(Pipeline):
    """A pipeline with a bug that only one page triggers."""

    def ingest(self, pages):  # type: ignore[no-untyped-def]
        if any(p.article.url.endswith("/n/3") for p in pages):
            raise ValueError("enrichment bug on this page")
        return super().ingest(pages)


def test_a_page_the_pipeline_fails_on_does_not_sink_its_chunk(site: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'svodka.db'}"
    engine = open_database(url)
    store_sources.add_source(engine, f"{site}/feed.xml", name="Тест", now=NOW.replace(tzinfo=None))
    settings = settings_for(url)

    async def run() -> crawl_module.CrawlStats:
        async with Fetcher(settings) as fetcher:
            pipeline = PipelineBrokenOnOnePage(engine, settings, enrich=False)
            return await Crawler(engine, settings, pipeline, fetcher).crawl_once()

    stats = asyncio.run(run())
    assert stats.articles_stored == PAGES - 1 and stats.store_errors == 0
    with engine.connect() as conn:
        rows = dict(conn.execute(select(schema.feed_items.c.url, schema.feed_items.c.state)).all())
        error = conn.execute(select(schema.feed_items.c.last_error)
                             .where(schema.feed_items.c.url == f"{site}/n/3")).scalar_one()
    assert rows.pop(f"{site}/n/3") == "retry" and "ValueError" in error
    assert set(rows.values()) == {"done"}
