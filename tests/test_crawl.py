"""End to end: a real local HTTP server with feeds, pages and faults, crawled into a real SQLite database."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import time
from datetime import UTC, datetime, timedelta

import pytest
from pytest_httpserver import HTTPServer
from sample_site import article_page, rss_feed
from sqlalchemy import func, select
from werkzeug import Response

from svodka.crawl import Crawler
from svodka.fetch.client import Fetcher
from svodka.pipeline import Pipeline
from svodka.settings import Settings
from svodka.store import articles as store_articles
from svodka.store import schema
from svodka.store import sources as store_sources
from svodka.store.db import open_database

NOW = datetime.now(UTC)
PARAGRAPHS = [
    "Президент Казахстана Касым-Жомарт Токаев провёл совещание по вопросам развития энергетики страны.",
    "По словам главы государства, к 2030 году доля возобновляемых источников должна вырасти до 15 процентов.",
    "Министерству энергетики поручено подготовить план строительства новых электростанций в регионах.",
    "Отдельное внимание уделено модернизации сетей и снижению потерь электроэнергии при передаче.",
]


def article_html(title: str, published: datetime) -> str:
    return article_page(title, PARAGRAPHS, published, byline="Автор: Дмитрий Попов", related=True)


def rss(base: str, items: list[tuple[str, str]], ttl: int | None = None) -> str:
    return rss_feed(base, [(path, title, NOW - timedelta(hours=i)) for i, (path, title) in enumerate(items)],
                    ttl=ttl)


@pytest.fixture
def httpserver():
    """A threaded local server: one slow page must not hold up the others (as on the real web)."""
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, allow_private_networks=True, per_host_delay=0.0,
                    per_host_concurrency=4, request_timeout=2.0, max_response_bytes=2_000_000)


def crawl_once(settings: Settings):
    engine = open_database(settings.database_url)

    async def run():
        async with Fetcher(settings) as fetcher:
            crawler = Crawler(engine, settings, Pipeline(engine, settings, enrich=False, cluster=False), fetcher)
            return await crawler.crawl_once()

    return engine, asyncio.run(run())


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_feed_to_stored_articles_with_faults(httpserver, settings):
    base = httpserver.url_for("").rstrip("/")
    items = [("/news/1?utm_source=rss", "Токаев провёл совещание"), ("/news/2", "Энергетика Казахстана"),
             ("/missing", "Пропавшая"), ("/broken", "Сломанная"), ("/slow", "Медленная"), ("/listing", "Список")]
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/feed.xml").respond_with_data(rss(base, items, ttl=30),
                                                             content_type="application/rss+xml")
    httpserver.expect_request("/news/1").respond_with_data(article_html("Токаев провёл совещание", NOW),
                                                           content_type="text/html; charset=utf-8")
    httpserver.expect_request("/news/2").respond_with_data(article_html("Энергетика Казахстана", NOW),
                                                           content_type="text/html; charset=utf-8")
    httpserver.expect_request("/missing").respond_with_data("нет", status=404)
    httpserver.expect_request("/broken").respond_with_data("ошибка", status=500)

    def slow(_request):
        time.sleep(3)
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    httpserver.expect_request("/listing").respond_with_data("<html><body><a href='/a'>a</a></body></html>",
                                                            content_type="text/html")
    httpserver.expect_request("/bad-feed.xml").respond_with_data("<rss><channel><item><title>обрыв",
                                                                 content_type="application/rss+xml")
    engine = open_database(settings.database_url)
    good, _ = store_sources.add_source(engine, f"{base}/feed.xml", name="Тест", now=NOW.replace(tzinfo=None))
    bad, _ = store_sources.add_source(engine, f"{base}/bad-feed.xml", name="Плохой", now=NOW.replace(tzinfo=None))

    engine, stats = crawl_once(settings)

    stored = list(store_articles.iter_articles(engine))
    assert sorted(a["canonical_url"] for a in stored) == [f"{base}/news/1", f"{base}/news/2"]
    first = next(a for a in stored if a["canonical_url"].endswith("/news/1"))
    assert first["title"] == "Токаев провёл совещание"
    assert first["authors"] == ["Дмитрий Попов"]
    assert "Читайте также" not in first["text"]
    assert count(engine, schema.raw_pages) >= 2
    # Each failure is recorded on its queue item; the crawl went on.
    with engine.connect() as conn:
        states = dict(conn.execute(select(schema.feed_items.c.url, schema.feed_items.c.state)).all())
    assert states[f"{base}/missing"] == "failed"
    assert states[f"{base}/broken"] in {"retry", "failed"}
    assert states[f"{base}/slow"] in {"retry", "failed"}
    assert states[f"{base}/listing"] == "failed"
    bad_after = store_sources.get_source(engine, bad.id)
    good_after = store_sources.get_source(engine, good.id)
    assert bad_after.error_count == 1 and bad_after.last_error
    assert bad_after.next_poll_at > NOW.replace(tzinfo=None)
    assert good_after.error_count == 0 and good_after.poll_interval >= 30 * 60
    assert stats.articles_stored == 2


def test_known_urls_are_not_fetched_again_and_validators_are_sent(httpserver, settings):
    base = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    feed = rss(base, [("/news/1", "Первая")])
    page_hits = []

    def feed_handler(request):
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(feed, headers={"ETag": '"v1"'}, content_type="application/rss+xml")

    def page_handler(request):
        page_hits.append(request.path)
        return Response(article_html("Первая", NOW), content_type="text/html; charset=utf-8")

    httpserver.expect_request("/feed.xml").respond_with_handler(feed_handler)
    httpserver.expect_request("/news/1").respond_with_handler(page_handler)
    engine = open_database(settings.database_url)
    source, _ = store_sources.add_source(engine, f"{base}/feed.xml", now=NOW.replace(tzinfo=None))
    crawl_once(settings)
    crawl_once(settings)
    assert page_hits == ["/news/1"]
    after = store_sources.get_source(engine, source.id)
    assert after.etag == '"v1"' and after.last_status == 304
    assert count(engine, schema.articles) == 1


def test_feed_backoff_grows_with_consecutive_errors(httpserver, settings):
    base = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/feed.xml").respond_with_data("down", status=503)
    engine = open_database(settings.database_url)
    source, _ = store_sources.add_source(engine, f"{base}/feed.xml", now=NOW.replace(tzinfo=None))
    delays = []
    for _ in range(3):
        crawl_once(settings)
        after = store_sources.get_source(engine, source.id)
        delays.append((after.next_poll_at - after.last_polled_at).total_seconds())
    assert after.consecutive_errors == 3 and after.error_count == 3
    assert delays[0] < delays[1] < delays[2]


def test_huge_feed_is_capped(httpserver, settings):
    base = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    items = [(f"/n/{i}", f"Новость {i}") for i in range(10_000)]
    httpserver.expect_request("/feed.xml").respond_with_data(rss(base, items), content_type="application/rss+xml")
    httpserver.expect_request("/n/0").respond_with_data("gone", status=410)
    engine = open_database(settings.database_url)
    store_sources.add_source(engine, f"{base}/feed.xml", now=NOW.replace(tzinfo=None))
    capped = dataclasses.replace(settings, max_items_per_feed=50)
    engine = open_database(capped.database_url)

    async def poll_only():
        async with Fetcher(capped) as fetcher:
            crawler = Crawler(engine, capped, Pipeline(engine, capped, enrich=False, cluster=False), fetcher)
            for source in store_sources.due_sources(engine, datetime.now(UTC).replace(tzinfo=None)):
                await crawler.poll_source(source)

    asyncio.run(poll_only())
    assert count(engine, schema.feed_items) == 50


def test_gzip_bomb_page_is_refused_and_crawl_goes_on(httpserver, settings):
    base = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss(base, [("/bomb", "Бомба"), ("/ok", "Нормальная")]), content_type="application/rss+xml")
    bomb = gzip.compress(b"<html>" + b" " * 50_000_000)
    httpserver.expect_request("/bomb").respond_with_data(bomb, headers={"Content-Encoding": "gzip"},
                                                         content_type="text/html")
    httpserver.expect_request("/ok").respond_with_data(article_html("Нормальная", NOW),
                                                       content_type="text/html; charset=utf-8")
    engine = open_database(settings.database_url)
    store_sources.add_source(engine, f"{base}/feed.xml", now=NOW.replace(tzinfo=None))
    engine, stats = crawl_once(settings)
    assert [a["canonical_url"] for a in store_articles.iter_articles(engine)] == [f"{base}/ok"]
    with engine.connect() as conn:
        state, error = conn.execute(select(schema.feed_items.c.state, schema.feed_items.c.last_error)
                                    .where(schema.feed_items.c.url == f"{base}/bomb")).one()
    assert state == "failed" and error


def test_crawl_forever_ingests_and_stops_cleanly_on_sigterm(httpserver, settings, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    base = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/feed.xml").respond_with_data(rss(base, [("/news/1", "Первая")]),
                                                             content_type="application/rss+xml")
    httpserver.expect_request("/news/1").respond_with_data(article_html("Первая", NOW),
                                                           content_type="text/html; charset=utf-8")
    engine = open_database(settings.database_url)
    store_sources.add_source(engine, f"{base}/feed.xml", now=NOW.replace(tzinfo=None))
    env = {**os.environ, "SVODKA_DATABASE_URL": settings.database_url, "SVODKA_ALLOW_PRIVATE_NETWORKS": "1",
           "SVODKA_PER_HOST_DELAY": "0"}
    process = subprocess.Popen([sys.executable, "-m", "svodka", "crawl"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while count(engine, schema.articles) == 0 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.5)
        assert count(engine, schema.articles) == 1
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert "stopped: stored 1 articles" in stderr
