"""The storage layer on a real SQLite database: migrations, sources, the ingest queue, articles."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import inspect

from svodka.models import Article, Block, FeedEntry, Image, SourceRef
from svodka.store import articles as store_articles
from svodka.store import sources as store_sources
from svodka.store.db import current_revisions, ensure_schema, head_revisions, make_engine

NOW = datetime(2026, 11, 25, 8, 0, 0)


@pytest.fixture
def engine(backend_url):
    engine = make_engine(backend_url)
    ensure_schema(engine)
    yield engine
    engine.dispose()


def test_migrations_create_schema(engine):
    assert current_revisions(engine) == head_revisions()
    assert {"sources", "articles", "feed_items", "raw_pages", "entities", "stories"} <= set(
        inspect(engine).get_table_names())
    ensure_schema(engine)  # idempotent
    assert current_revisions(engine) == head_revisions()


def test_sqlite_runs_in_wal_mode(database_url):
    engine = make_engine(database_url)
    ensure_schema(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_add_source_is_idempotent_and_slugs_are_unique(engine):
    first, created = store_sources.add_source(engine, "https://tengrinews.kz/rss/", now=NOW)
    again, created_again = store_sources.add_source(engine, "https://tengrinews.kz/rss/", now=NOW)
    other, _ = store_sources.add_source(engine, "https://tengrinews.kz/news.rss", now=NOW)
    assert created and not created_again
    assert first.id == again.id
    assert first.slug == "tengrinews-kz" and other.slug == "tengrinews-kz-2"
    assert [s.feed_url for s in store_sources.list_sources(engine)] == [
        "https://tengrinews.kz/rss/", "https://tengrinews.kz/news.rss"]


def test_poll_bookkeeping_and_due_sources(engine):
    source, _ = store_sources.add_source(engine, "https://kun.uz/ru/news/rss", now=NOW)
    assert [s.id for s in store_sources.due_sources(engine, NOW)] == [source.id]
    store_sources.record_poll_success(engine, source.id, now=NOW, status=200, etag='W/"abc"',
                                      last_modified="Wed, 25 Nov 2026 07:00:00 GMT", interval=600,
                                      next_poll_at=NOW + timedelta(minutes=10))
    assert store_sources.due_sources(engine, NOW) == []
    store_sources.record_poll_failure(engine, source.id, now=NOW, error="timeout", status=None,
                                      next_poll_at=NOW + timedelta(hours=1))
    stored = store_sources.get_source(engine, source.id)
    assert stored.etag == 'W/"abc"' and stored.error_count == 1 and stored.consecutive_errors == 1
    assert stored.last_error == "timeout"


def test_queue_skips_known_urls_and_retries_then_fails(engine):
    source, _ = store_sources.add_source(engine, "https://gazeta.uz/ru/rss/", now=NOW)
    entries = [FeedEntry(url=f"https://gazeta.uz/ru/{i}") for i in range(3)]
    assert store_articles.enqueue_entries(engine, source.id, entries, now=NOW) == 3
    assert store_articles.enqueue_entries(engine, source.id, entries, now=NOW) == 0
    item = store_articles.pending_items(engine, now=NOW)[0]
    assert store_articles.mark_item_failed(engine, item.id, "boom", now=NOW) == "retry"
    # A failed item waits for its retry delay.
    assert [i.url for i in store_articles.pending_items(engine, now=NOW)] == entries_urls(entries[1:])
    later = NOW + store_articles.RETRY_DELAY
    assert [i.url for i in store_articles.pending_items(engine, now=later)] == entries_urls(entries)
    assert store_articles.mark_item_failed(engine, item.id, "boom", now=later) == "retry"
    assert store_articles.mark_item_failed(engine, item.id, "boom", now=later) == "failed"
    assert [i.url for i in store_articles.pending_items(engine, now=later + store_articles.RETRY_DELAY)] == (
        entries_urls(entries[1:]))


def entries_urls(entries):
    return [e.url for e in entries]


def test_article_round_trip_keeps_offset_and_upserts(engine):
    article = Article(
        url="https://prosud.kz/news/1?utm_source=x", canonical_url="https://prosud.kz/news/1", title="Заголовок",
        published="2026-11-25T11:45:00+05:00", authors=["Дмитрий Попов"], lead="Лид",
        blocks=[Block("heading", "Подзаголовок"), Block("paragraph", "Текст")], text="Текст",
        image=Image("https://prosud.kz/a.jpg", caption="Подпись", credit="Акорда"), credits=["Фото: Акорда"],
        source=SourceRef("prosud.kz", "https://prosud.kz"), site_tags=["суд"], section="news", language="ru")
    article_id = store_articles.save_article(engine, article, None, NOW)
    stored = store_articles.get_article(engine, article_id)
    assert stored["published"] == "2026-11-25T11:45:00+05:00"
    assert stored["published_at"].startswith("2026-11-25T06:45:00")
    assert stored["blocks"][0] == {"kind": "heading", "text": "Подзаголовок"}
    assert stored["source"] == {"name": "prosud.kz", "url": "https://prosud.kz"}
    article.title = "Исправленный заголовок"
    assert store_articles.save_article(engine, article, None, NOW) == article_id
    assert [a["title"] for a in store_articles.iter_articles(engine)] == ["Исправленный заголовок"]


def test_raw_pages_are_compressed_and_read_back(engine):
    body = "<html><body>Привет</body></html>".encode("cp1251") * 100
    store_articles.save_raw_page(engine, url="https://x.kz/1", final_url="https://x.kz/1", status=200,
                                 content_type="text/html; charset=windows-1251", encoding="cp1251", body=body,
                                 now=NOW)
    pages = list(store_articles.iter_raw_pages(engine))
    assert len(pages) == 1 and pages[0]["body"] == body
