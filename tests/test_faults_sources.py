"""Sick sources beside a healthy one, each on its own local server (its own host for the politeness limits): slow
answers, connection resets, 429 with Retry-After, 503, a redirect loop, a gzip bomb, an endless body and a lying
charset. The healthy host is ingested as fast as alone, the sick ones' error counts and backoff grow, and
`/source/{slug}` shows each feed's health in Russian.

Single-page faults (404, 500, a slow page, a gzip-bomb page) are covered in tests/test_crawl.py; this file is about
whole hosts misbehaving at once.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sample_site import article_page, rss_feed
from sqlalchemy import Engine, func, select
from werkzeug import Request, Response

from svodka.crawl import Crawler, CrawlStats
from svodka.fetch.client import Fetcher
from svodka.pipeline import Pipeline
from svodka.settings import Settings
from svodka.store import schema
from svodka.store import sources as store_sources
from svodka.store.db import open_database

NOW = datetime.now(UTC)
# Seconds the slow host takes for every feed and page response (less than the request timeout: slow, not dead).
SLOW = 5.0
HEALTHY_PAGES = 8
SLOW_PAGES = 2
PASSES = 3
MARKUP = "<script>alert(1)</script>"


def article_html(title: str, i: int) -> str:
    paragraphs = [f"Абзац {j}: {title.lower()} — правительство Казахстана обсудило развитие энергетики и транспорта "
                  f"в регионах, сообщили в министерстве (материал {i})." for j in range(5)]
    return article_page(title, paragraphs, NOW)


def rss(base: str, paths: list[str], title: str) -> str:
    return rss_feed(base, [(path, f"{title} {i}", NOW - timedelta(minutes=i)) for i, path in enumerate(paths)],
                    title=title)


class ResettingServer(socketserver.ThreadingTCPServer):
    """Accepts connections and resets them at once (RST, not a clean close)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        class Reset(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.request.close()

        super().__init__(("127.0.0.1", 0), Reset)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def servers() -> Iterator[dict[str, HTTPServer]]:
    started = {}
    for name in ("healthy", "slow", "limited", "down", "loop", "bomb", "endless", "lying"):
        server = HTTPServer(host="127.0.0.1", threaded=True)
        server.start()
        server.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
        started[name] = server
    yield started
    for server in started.values():
        server.clear()
        server.stop()


@pytest.fixture
def resetting() -> Iterator[ResettingServer]:
    server = ResettingServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def base_of(server: HTTPServer) -> str:
    return server.url_for("").rstrip("/")


def serve_healthy(server: HTTPServer) -> list[str]:
    base = base_of(server)
    paths = [f"/news/{i}" for i in range(HEALTHY_PAGES)]
    server.expect_request("/feed.xml").respond_with_data(rss(base, paths, "Здоровая новость"),
                                                         content_type="application/rss+xml")
    for i, path in enumerate(paths):
        server.expect_request(path).respond_with_data(article_html(f"Здоровая новость {i}", i),
                                                      content_type="text/html; charset=utf-8")
    return [base + p for p in paths]


def serve_sick(servers: dict[str, HTTPServer]) -> None:
    slow = servers["slow"]
    slow_paths = [f"/slow/{i}" for i in range(SLOW_PAGES)]
    slow_feed = rss(base_of(slow), slow_paths, "Медленная новость")

    def slowly(body: str, content_type: str):  # type: ignore[no-untyped-def]
        def handler(_request: Request) -> Response:
            time.sleep(SLOW)
            return Response(body, content_type=content_type)
        return handler

    slow.expect_request("/feed.xml").respond_with_handler(slowly(slow_feed, "application/rss+xml"))
    for i, path in enumerate(slow_paths):
        slow.expect_request(path).respond_with_handler(
            slowly(article_html(f"Медленная новость {i}", i), "text/html; charset=utf-8"))

    servers["limited"].expect_request("/feed.xml").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "3600"})
    servers["down"].expect_request("/feed.xml").respond_with_data("maintenance", status=503)
    servers["loop"].expect_request("/feed.xml").respond_with_data("", status=302, headers={"Location": "/again.xml"})
    servers["loop"].expect_request("/again.xml").respond_with_data("", status=302, headers={"Location": "/feed.xml"})
    servers["bomb"].expect_request("/feed.xml").respond_with_data(
        gzip.compress(b"<rss>" + b" " * 60_000_000), headers={"Content-Encoding": "gzip"},
        content_type="application/rss+xml")

    def endless(_request: Request) -> Response:
        def chunks() -> Iterator[bytes]:
            while True:
                yield b"<item>" * 10_000

        return Response(chunks(), content_type="application/rss+xml")

    servers["endless"].expect_request("/feed.xml").respond_with_handler(endless)

    # Says UTF-8 in the header and in the page, sends windows-1251.
    lying = servers["lying"]
    lying_paths = ["/lie/0", "/lie/1"]
    lying.expect_request("/feed.xml").respond_with_data(rss(base_of(lying), lying_paths, "Кодировка"),
                                                        content_type="application/rss+xml")
    for i, path in enumerate(lying_paths):
        lying.expect_request(path).respond_with_data(
            article_html(f"Новость в чужой кодировке {i}", i).encode("cp1251"),
            content_type="text/html; charset=utf-8")


def settings_for(database_url: str) -> Settings:
    return Settings(database_url=database_url, allow_private_networks=True, per_host_delay=0.0,
                    per_host_concurrency=2, request_timeout=SLOW + 3, max_response_bytes=2_000_000, max_redirects=5)


def stored_from(engine: Engine, source_id: int) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(schema.articles).where(
            schema.articles.c.source_id == source_id, schema.articles.c.ingested_at.is_not(None))).scalar_one())


def crawl_timing_healthy(engine: Engine, settings: Settings, healthy_id: int) -> tuple[CrawlStats, float]:
    """One crawl pass; returns its stats and the seconds until every healthy page was ingested."""

    async def run() -> tuple[CrawlStats, float]:
        async with Fetcher(settings) as fetcher:
            crawler = Crawler(engine, settings, Pipeline(engine, settings, enrich=False), fetcher)
            started = time.monotonic()
            task = asyncio.create_task(crawler.crawl_once())
            healthy_done = float("inf")
            while not task.done():
                if healthy_done == float("inf") and stored_from(engine, healthy_id) == HEALTHY_PAGES:
                    healthy_done = time.monotonic() - started
                await asyncio.sleep(0.05)
            if healthy_done == float("inf") and stored_from(engine, healthy_id) == HEALTHY_PAGES:
                healthy_done = time.monotonic() - started
            return await task, healthy_done

    return asyncio.run(run())


def test_sick_hosts_do_not_slow_the_healthy_one_and_their_health_shows(
        servers: dict[str, HTTPServer], resetting: ResettingServer, tmp_path: Path) -> None:
    healthy_urls = serve_healthy(servers["healthy"])
    serve_sick(servers)

    # The healthy host alone, for comparison.
    alone_url = f"sqlite:///{tmp_path / 'alone.db'}"
    alone_engine = open_database(alone_url)
    now = NOW.replace(tzinfo=None)
    alone, _ = store_sources.add_source(alone_engine, f"{base_of(servers['healthy'])}/feed.xml", name="Здоровый",
                                        now=now)
    _, alone_time = crawl_timing_healthy(alone_engine, settings_for(alone_url), alone.id)

    url = f"sqlite:///{tmp_path / 'svodka.db'}"
    engine = open_database(url)
    feeds = {name: f"{base_of(server)}/feed.xml" for name, server in servers.items()}
    feeds["down"] += f"?from={MARKUP}"  # an error message carrying markup must be shown escaped
    feeds["reset"] = f"{resetting.base}/feed.xml"
    names = {"healthy": "Здоровый", "slow": "Медленный", "limited": "Лимит", "down": "Лежит", "loop": "Петля",
             "bomb": "Бомба", "endless": "Бесконечный", "lying": "Врун", "reset": "Сброс"}
    ids = {key: store_sources.add_source(engine, feed, name=names[key], now=now)[0].id for key, feed in feeds.items()}
    settings = settings_for(url)

    delays: dict[str, list[float]] = {key: [] for key in ids}
    timings = []
    for _ in range(PASSES):
        stats, healthy_time = crawl_timing_healthy(engine, settings, ids["healthy"])
        timings.append(healthy_time)
        for key, source_id in ids.items():
            source = store_sources.get_source(engine, source_id)
            assert source is not None and source.next_poll_at and source.last_polled_at
            delays[key].append((source.next_poll_at - source.last_polled_at).total_seconds())
    print(f"healthy host: {alone_time:.1f} s alone, {timings[0]:.1f} s beside 8 sick hosts "
          f"(slow host: {SLOW:.0f} s per response)")

    # The healthy pages were all in before the slow host had answered even its feed.
    assert timings[0] < SLOW
    assert timings[0] < alone_time + SLOW / 2
    with engine.connect() as conn:
        urls = set(conn.execute(select(schema.articles.c.canonical_url)).scalars())
        titles = dict(conn.execute(select(schema.articles.c.canonical_url, schema.articles.c.title)).all())
    assert set(healthy_urls) <= urls
    # The slow host is slow, not broken: its pages arrive too.
    assert stored_from(engine, ids["slow"]) == SLOW_PAGES
    # The lying charset is seen through.
    lying_base = base_of(servers["lying"])
    assert titles[f"{lying_base}/lie/0"] == "Новость в чужой кодировке 0"

    for key in ("healthy", "slow", "lying"):
        source = store_sources.get_source(engine, ids[key])
        assert source is not None and source.consecutive_errors == 0 and source.error_count == 0, key
    for key in ("limited", "down", "loop", "bomb", "endless", "reset"):
        source = store_sources.get_source(engine, ids[key])
        assert source is not None
        assert source.error_count == PASSES and source.consecutive_errors == PASSES, key
        assert source.last_error, key
        assert delays[key][0] < delays[key][1] < delays[key][2], (key, delays[key])
    limited = store_sources.get_source(engine, ids["limited"])
    assert limited is not None and limited.last_status == 429 and delays["limited"][0] >= 3600  # Retry-After kept

    from fastapi.testclient import TestClient

    from svodka.web.app import create_app

    client = TestClient(create_app(settings, engine))
    down = store_sources.get_source(engine, ids["down"])
    assert down is not None
    page = client.get(f"/source/{down.slug}")
    assert page.status_code == 200
    html = page.text
    for words in ("Ошибок подряд", "Следующий обход", "Последняя ошибка", "сбой", "HTTP 503",
                  "отложен после ошибок"):
        assert words in html, words
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert MARKUP not in html
    healthy = store_sources.get_source(engine, ids["healthy"])
    assert healthy is not None
    healthy_page = client.get(f"/source/{healthy.slug}").text
    assert "работает" in healthy_page and "HTTP 200" in healthy_page
    data = client.get(f"/source/{down.slug}", headers={"Accept": "application/json"}).json()
    feed = data["page"]["feeds"][0]
    assert feed["consecutive_errors"] == PASSES and feed["next_poll_at"] and feed["last_status"] == 503
