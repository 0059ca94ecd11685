"""The job queue's plumbing: connection strings, schema, deferring with queueing locks, queue statistics."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from svodka.models import FeedEntry
from svodka.queue.app import QueueUnavailable, build_app, conninfo_from_url, ensure_queue_schema, has_queue_schema
from svodka.queue.stats import queue_stats
from svodka.queue.tasks import FETCH_PAGE, POLL_FEED, defer_due_feeds, defer_page, defer_pending_pages
from svodka.store.articles import enqueue_entries
from svodka.store.db import make_engine, open_database
from svodka.store.sources import add_source

NOW = datetime(2026, 11, 20, 12, 0)


@pytest.mark.parametrize(("url", "conninfo"), [
    ("postgresql+psycopg://svodka@127.0.0.1:5432/news", "postgresql://svodka@127.0.0.1:5432/news"),
    ("postgresql+psycopg://user:p%40ss@db.internal/svodka?sslmode=require",
     "postgresql://user:p%40ss@db.internal/svodka?sslmode=require"),
    ("postgresql://u@h/d", "postgresql://u@h/d"),
])
def test_conninfo_from_sqlalchemy_url(url: str, conninfo: str) -> None:
    assert conninfo_from_url(url) == conninfo


def test_queue_refuses_sqlite_with_a_clear_error() -> None:
    with pytest.raises(QueueUnavailable, match="needs PostgreSQL"):
        conninfo_from_url("sqlite:///var/svodka.db")


def test_queue_schema_is_applied_once_and_skipped_on_sqlite(backend_url: str) -> None:
    engine = make_engine(backend_url)
    if engine.dialect.name == "sqlite":
        assert ensure_queue_schema(engine) is False
        assert queue_stats(open_database(backend_url)) == {"backend": "sqlite", "items": {}}
        return
    assert not has_queue_schema(engine)
    assert ensure_queue_schema(engine) is True
    assert has_queue_schema(engine)
    assert ensure_queue_schema(engine) is False  # idempotent: `svodka db upgrade` and every worker call it


def test_opening_a_postgres_database_applies_the_queue_schema(backend_url: str) -> None:
    engine = open_database(backend_url)  # the implicit migration of every process
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert not conn.execute(text("SELECT name FROM sqlite_master WHERE name LIKE 'procrastinate%'")).all()
        return
    assert has_queue_schema(engine)
    assert "jobs" in queue_stats(engine)


def test_db_upgrade_command_applies_the_queue_schema(postgres_server) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    url = postgres_server.create_database("queue_db_upgrade")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SVODKA_")}
    done = subprocess.run([sys.executable, "-m", "svodka", "db", "upgrade"], capture_output=True, text=True,
                          env={**env, "SVODKA_DATABASE_URL": url, "SVODKA_CONFIG": os.devnull}, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "job queue schema" in done.stdout
    assert has_queue_schema(make_engine(url))


@pytest.mark.postgres
def test_deferring_respects_queueing_locks_and_shows_in_stats(postgres_server) -> None:  # type: ignore[no-untyped-def]
    url = postgres_server.create_database("queue_defer")
    engine = open_database(url)
    ensure_queue_schema(engine)
    source, _ = add_source(engine, "https://example.kz/rss.xml", name="Example", now=NOW)
    add_source(engine, "https://later.kz/rss.xml", name="Later", now=datetime(2100, 1, 1))
    enqueue_entries(engine, source.id, [FeedEntry(url=f"https://example.kz/news/{n}") for n in range(3)], now=NOW)

    async def defer() -> tuple[int, int, int, bool]:
        app = build_app(url)
        async with app.open_async():
            polls = await defer_due_feeds(app, engine, datetime.now(UTC).replace(tzinfo=None))
            again = await defer_due_feeds(app, engine, datetime.now(UTC).replace(tzinfo=None))
            pages = await defer_pending_pages(app, engine, source.id)
            page_again = await defer_page(app, 1)
        return polls, again, pages, page_again

    polls, again, pages, page_again = asyncio.run(defer())
    assert (polls, again) == (1, 0)  # only the due source, and only once while its poll waits
    assert pages == 3
    assert page_again is False
    stats = queue_stats(engine)
    assert stats["items"] == {"new": 3}
    assert stats["jobs"] == {"todo": 4}
    assert stats["waiting_by_task"] == {POLL_FEED: 1, FETCH_PAGE: 3}
    assert stats["lag_seconds"] >= 0
    assert stats["workers_alive"] == 0
    with engine.connect() as conn:
        locks = set(conn.execute(text("SELECT queueing_lock FROM procrastinate_jobs")).scalars())
    assert locks == {f"poll-{source.id}", "page-1", "page-2", "page-3"}


@pytest.mark.postgres
def test_stalled_jobs_are_requeued_or_dropped_when_queued_again(postgres_server) -> None:  # type: ignore[no-untyped-def]
    """A job left "doing" by a dead worker runs again; if its work was queued again meanwhile, it is dropped
    (retrying it would clash with the waiting twin's queueing lock, and leaving it would hold its lock forever)."""
    from svodka.queue.sweep import retry_stalled_jobs

    url = postgres_server.create_database("queue_stalled")
    engine = open_database(url)
    ensure_queue_schema(engine)

    def as_dead_workers_job(item_id: int) -> None:
        with engine.begin() as conn:  # what a worker killed mid-job leaves behind once it is pruned
            conn.execute(text("UPDATE procrastinate_jobs SET status = 'doing', worker_id = NULL "
                              "WHERE queueing_lock = :lock"), {"lock": f"page-{item_id}"})

    async def scenario() -> tuple[int, bool]:
        app = build_app(url)
        async with app.open_async():
            await defer_page(app, 1)
            await defer_page(app, 2)
            as_dead_workers_job(1)
            as_dead_workers_job(2)
            requeued_twin = await defer_page(app, 2)  # a poll queued item 2 again while its job hung
            recovered = await retry_stalled_jobs(app, stalled_after=30)
        return recovered, requeued_twin

    recovered, requeued_twin = asyncio.run(scenario())
    assert requeued_twin is True
    assert recovered == 2
    with engine.connect() as conn:
        jobs = conn.execute(text("SELECT queueing_lock, status::text, attempts FROM procrastinate_jobs "
                                 "ORDER BY id")).all()
    assert [tuple(j) for j in jobs] == [("page-1", "todo", 1), ("page-2", "todo", 0)]


@pytest.mark.postgres
def test_stranded_items_are_those_waiting_without_any_job(postgres_server) -> None:  # type: ignore[no-untyped-def]
    """Items a dead poll recorded without queueing their page jobs are found; items with a waiting, running or
    failed job, finished items and items younger than the grace period are not."""
    from datetime import timedelta

    from svodka.queue.sweep import STRANDED_AFTER, stranded_item_ids

    url = postgres_server.create_database("queue_stranded")
    engine = open_database(url)
    ensure_queue_schema(engine)
    source, _ = add_source(engine, "https://example.kz/rss.xml", name="Example", now=NOW)
    enqueue_entries(engine, source.id, [FeedEntry(url=f"https://example.kz/news/{n}") for n in range(1, 7)], now=NOW)
    later = NOW + STRANDED_AFTER + timedelta(seconds=1)
    young = NOW + STRANDED_AFTER - timedelta(seconds=1)

    async def queue_jobs() -> None:
        app = build_app(url)
        async with app.open_async():
            for item_id in (1, 2, 3):
                await defer_page(app, item_id)

    asyncio.run(queue_jobs())
    with engine.begin() as conn:
        conn.execute(text("UPDATE procrastinate_jobs SET status = 'doing' WHERE lock = 'item-2'"))
        conn.execute(text("UPDATE procrastinate_jobs SET status = 'failed' WHERE lock = 'item-3'"))
        conn.execute(text("UPDATE feed_items SET state = 'done' WHERE id = 4"))
        conn.execute(text("UPDATE feed_items SET state = 'retry' WHERE id = 6"))
    assert stranded_item_ids(engine, later) == [5, 6]
    assert stranded_item_ids(engine, young) == []


def test_recompute_rankings_hook_rescores_recent_stories(backend_url: str) -> None:
    from svodka.queue.tasks import recompute_rankings_hook
    from svodka.store.schema import articles, stories

    engine = open_database(backend_url)
    with engine.begin() as conn:
        story_id = conn.execute(stories.insert().values(
            title="Паводок в Атырау", first_seen=NOW, last_seen=NOW, article_count=1, source_count=1, score=0.0,
            breaking=False, updated_at=NOW, tags=[]).returning(stories.c.id)).scalar_one()
        conn.execute(articles.insert().values(
            url="https://example.kz/1", canonical_url="https://example.kz/1", title="Паводок в Атырау",
            published_at=NOW, fetched_at=NOW, updated_at=NOW, story_id=story_id))
    assert recompute_rankings_hook(engine, NOW) == 1
    with engine.connect() as conn:
        assert conn.execute(select(stories.c.score).where(stories.c.id == story_id)).scalar_one() > 0


def test_metrics_expose_queue_depth_lag_and_workers(backend_url: str) -> None:
    from fastapi.testclient import TestClient

    from svodka.settings import Settings
    from svodka.web.app import create_app

    engine = open_database(backend_url)
    source, _ = add_source(engine, "https://example.kz/rss.xml", name="Example", now=NOW)
    enqueue_entries(engine, source.id, [FeedEntry(url=f"https://example.kz/news/{n}") for n in range(3)], now=NOW)
    metrics = TestClient(create_app(Settings(database_url=backend_url), engine)).get("/metrics").text
    assert 'svodka_queue_items{state="new"} 3.0' in metrics
    if engine.dialect.name == "sqlite":
        assert "svodka_queue_jobs" not in metrics and "svodka_queue_workers_alive" not in metrics
        return
    assert "svodka_queue_workers_alive 0.0" in metrics
    assert "svodka_queue_job_lag_seconds 0.0" in metrics

    async def defer() -> None:
        app = build_app(backend_url)
        async with app.open_async():
            await defer_pending_pages(app, engine, source.id)

    asyncio.run(defer())
    metrics = TestClient(create_app(Settings(database_url=backend_url), engine)).get("/metrics").text
    assert 'svodka_queue_jobs{status="todo"} 3.0' in metrics
    assert f'svodka_queue_jobs_waiting{{task="{FETCH_PAGE}"}} 3.0' in metrics


def test_queue_stats_for_metrics_are_cached_for_a_few_seconds(database_url: str) -> None:
    import time

    from svodka.web.metrics import _CachedQueueStats

    engine = open_database(database_url)
    source, _ = add_source(engine, "https://example.kz/rss.xml", name="Example", now=NOW)
    cached = _CachedQueueStats(engine, ttl=0.5)
    assert cached.get()["items"] == {}
    enqueue_entries(engine, source.id, [FeedEntry(url="https://example.kz/news/1")], now=NOW)
    assert cached.get()["items"] == {}  # a scrape within the TTL does not query again
    time.sleep(0.6)
    assert cached.get()["items"] == {"new": 1}
