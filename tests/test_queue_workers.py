"""Scale-out end to end: `svodka worker` processes ingesting a local news site into PostgreSQL, crashes included."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from pytest_httpserver import HTTPServer
from queue_site import serve_site
from sqlalchemy import Engine, text

from svodka.queue.bench import (
    add_replay_sources,
    ingest_progress,
    queue_due_feeds,
    replay_settings,
    start_workers,
    stop_workers,
    stored_state,
    story_partition,
    wait_for_workers,
    wait_until_drained,
)

pytestmark = pytest.mark.postgres
ARTICLES = 36


@pytest.fixture(scope="module")
def site() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    articles = serve_site(server, page_delay=0.15)
    assert len(articles) == ARTICLES
    yield server
    server.clear()
    server.stop()


def _feeds(site: HTTPServer) -> list[tuple[str, str, str, str]]:
    return [("Лента новостей", site.url_for("/news/rss.xml"), site.url_for("/"), "Asia/Almaty")]


def _fresh(postgres_server, name: str) -> tuple[str, Engine]:  # type: ignore[no-untyped-def]
    from svodka.queue.app import ensure_queue_schema
    from svodka.store.db import open_database

    url = postgres_server.create_database(name)
    engine = open_database(url)
    ensure_queue_schema(engine)
    return url, engine


@pytest.fixture(scope="module")
def single_process_run(postgres_server, site: HTTPServer) -> Engine:  # type: ignore[no-untyped-def]
    """The same input ingested by one in-process crawl (no queue): the state the workers must reach."""
    from svodka.crawl import Crawler
    from svodka.fetch.client import Fetcher
    from svodka.pipeline import Pipeline

    url, engine = _fresh(postgres_server, "queue_reference")
    add_replay_sources(engine, _feeds(site))
    settings = replay_settings(url)

    async def crawl() -> None:
        async with Fetcher(settings) as fetcher:
            await Crawler(engine, settings, Pipeline(engine, settings), fetcher).crawl_once()

    asyncio.run(crawl())
    assert len(stored_state(engine)) == ARTICLES
    return engine


def _assert_complete(engine: Engine) -> None:
    """Every article stored once, every item done, no job waiting, running or failed."""
    with engine.connect() as conn:
        total, distinct = conn.execute(text("SELECT count(*), count(DISTINCT canonical_url) FROM articles")).one()
        states = dict(conn.execute(text("SELECT state, count(*) FROM feed_items GROUP BY state")).all())
        jobs = dict(conn.execute(text("SELECT status::text, count(*) FROM procrastinate_jobs "
                                      "WHERE task_name IN ('svodka:poll_feed', 'svodka:fetch_page') "
                                      "GROUP BY status")).all())
    assert (total, distinct) == (ARTICLES, ARTICLES)
    assert states == {"done": ARTICLES}
    assert not {status: n for status, n in jobs.items() if status != "succeeded"}


def _assert_same_stories(workers: Engine, reference: Engine) -> None:
    expected = story_partition(reference)
    if not expected:
        pytest.skip("stories are not integrated yet: Pipeline._assign_stories assigned none in the single-process "
                    "run, so there is no grouping to compare (stored articles are compared by the tests above)")
    assert story_partition(workers) == expected


@pytest.fixture(scope="module")
def two_worker_run(postgres_server, site, tmp_path_factory) -> Engine:  # type: ignore[no-untyped-def]
    """The site ingested by two `svodka worker` processes."""
    url, engine = _fresh(postgres_server, "queue_two_workers")
    add_replay_sources(engine, _feeds(site))
    workers = start_workers(url, 2, concurrency=2, log_dir=tmp_path_factory.mktemp("two_workers"))
    try:
        wait_for_workers(engine, 2)
        # The workers' own per-minute schedule_due_feeds may have queued the poll first; either way it runs once.
        queue_due_feeds(url, engine)
        wait_until_drained(engine, timeout=300)
    finally:
        stop_workers(workers)
    assert all(w.returncode == 0 for w in workers), "workers must stop cleanly on SIGTERM"
    return engine


def _running_jobs(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing' "
                                 "AND task_name = 'svodka:fetch_page'")).scalar_one()


@pytest.fixture(scope="module")
def killed_run(postgres_server, site, tmp_path_factory) -> Engine:  # type: ignore[no-untyped-def]
    """The site ingested by two workers, three times one of them killed with SIGKILL while pages are in flight."""
    url, engine = _fresh(postgres_server, "queue_kill")
    add_replay_sources(engine, _feeds(site))
    log_dir = tmp_path_factory.mktemp("killed")
    options = {"concurrency": 2, "log_dir": log_dir, "heartbeat": 0.5, "stalled_after": 3.0}
    workers = start_workers(url, 2, **options)  # type: ignore[arg-type]
    kills = 0
    try:
        wait_for_workers(engine, 2)
        queue_due_feeds(url, engine)
        for round_ in range(3):
            deadline = time.monotonic() + 120
            while True:
                stored, pending, _ = ingest_progress(engine)
                assert pending or not stored, "the batch finished before the kill: make pages slower"
                if stored >= 4 * (round_ + 1) and _running_jobs(engine):
                    break
                assert time.monotonic() < deadline, f"no progress: {stored} stored"
                time.sleep(0.05)
            victim = workers[round_ % 2]
            victim.kill()  # no goodbye: its running jobs stay "doing" until its heartbeat goes stale
            victim.wait()
            kills += 1
            workers[round_ % 2] = start_workers(url, 1, **options)[0]  # type: ignore[arg-type]
        wait_until_drained(engine, timeout=300)
    finally:
        stop_workers(workers)
    assert kills == 3
    return engine


def test_two_workers_store_every_article_once(two_worker_run: Engine, single_process_run: Engine) -> None:
    _assert_complete(two_worker_run)
    assert stored_state(two_worker_run) == stored_state(single_process_run)


def test_two_workers_make_the_same_stories(two_worker_run: Engine, single_process_run: Engine) -> None:
    _assert_same_stories(two_worker_run, single_process_run)


def test_kill_9_mid_batch_loses_nothing(killed_run: Engine, single_process_run: Engine) -> None:
    _assert_complete(killed_run)
    assert stored_state(killed_run) == stored_state(single_process_run)


def test_kill_9_mid_batch_keeps_the_same_stories(killed_run: Engine, single_process_run: Engine) -> None:
    _assert_same_stories(killed_run, single_process_run)


def test_items_a_dead_poll_left_without_jobs_are_swept_in(postgres_server, site, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A poll that recorded the feed's items and died before queueing their page jobs: the periodic sweep gives
    every stranded item a job, and a worker ingests them all."""
    from svodka.crawl import Crawler
    from svodka.fetch.client import Fetcher
    from svodka.pipeline import Pipeline
    from svodka.store.sources import list_sources

    url, engine = _fresh(postgres_server, "queue_stranded_items")
    add_replay_sources(engine, _feeds(site))
    settings = replay_settings(url)

    async def poll_without_jobs() -> int:
        async with Fetcher(settings) as fetcher:
            crawler = Crawler(engine, settings, Pipeline(engine, settings), fetcher)
            return await crawler.poll_source(list_sources(engine)[0])

    assert asyncio.run(poll_without_jobs()) == ARTICLES
    with engine.begin() as conn:  # recorded long enough ago to count as stranded, not as a poll still queueing
        conn.execute(text("UPDATE feed_items SET discovered_at = discovered_at - interval '1 hour'"))
    workers = start_workers(url, 1, concurrency=4, log_dir=tmp_path)
    try:
        wait_until_drained(engine, timeout=300)
    finally:
        stop_workers(workers)
    _assert_complete(engine)


def test_failed_pages_are_retried_by_the_queue_or_given_up(postgres_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A 503 page is retried with backoff and stored on the second try; a 404 page is given up at once."""
    from queue_site import build_articles, render_feed, render_page
    from werkzeug import Request, Response

    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        base = server.url_for("").rstrip("/")
        flaky, fine, gone = build_articles(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))[:3]
        calls: list[str] = []

        def flaky_page(request: Request) -> Response:
            calls.append(request.path)
            if len(calls) == 1:
                return Response("временно недоступно", status=503)
            return Response(render_page(flaky, base), content_type="text/html; charset=utf-8")

        server.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
        server.expect_request("/news/rss.xml").respond_with_data(render_feed([flaky, fine, gone], base),
                                                                 content_type="application/rss+xml")
        server.expect_request(f"/news/{flaky.slug}.html").respond_with_handler(flaky_page)
        server.expect_request(f"/news/{fine.slug}.html").respond_with_data(render_page(fine, base),
                                                                           content_type="text/html; charset=utf-8")
        server.expect_request(f"/news/{gone.slug}.html").respond_with_data("нет такой страницы", status=404)
        url, engine = _fresh(postgres_server, "queue_retry")
        add_replay_sources(engine, [("Лента", f"{base}/news/rss.xml", f"{base}/", "Asia/Almaty")])
        workers = start_workers(url, 1, concurrency=2, log_dir=tmp_path)
        try:
            wait_for_workers(engine, 1)
            queue_due_feeds(url, engine)
            wait_until_drained(engine, timeout=120)
        finally:
            stop_workers(workers)
    finally:
        server.clear()
        server.stop()
    assert calls == [f"/news/{flaky.slug}.html"] * 2
    with engine.connect() as conn:
        states = dict(conn.execute(text("SELECT url, state FROM feed_items")).all())
        failed_jobs = conn.execute(text("SELECT count(*) FROM procrastinate_jobs WHERE status = 'failed'")).scalar()
    assert states == {f"{base}/news/{flaky.slug}.html": "done", f"{base}/news/{fine.slug}.html": "done",
                      f"{base}/news/{gone.slug}.html": "failed"}
    assert set(stored_state(engine)) == {f"{base}/news/{flaky.slug}.html", f"{base}/news/{fine.slug}.html"}
    assert failed_jobs == 0


def test_svodka_run_on_postgres_serves_and_ingests(postgres_server, site, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`svodka run` on PostgreSQL: one process answers HTTP and works the queue (queue depth in /metrics, search
    over what it ingested); SIGTERM stops both cleanly."""
    import json
    import signal
    import socket
    import subprocess
    import sys
    import urllib.parse
    import urllib.request

    from svodka.queue.bench import worker_env

    url, engine = _fresh(postgres_server, "queue_run")
    add_replay_sources(engine, _feeds(site))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = (tmp_path / "run.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "svodka", "run"], stdout=log, stderr=subprocess.STDOUT,
                               env=worker_env(url, {"SVODKA_PORT": str(port)}))
    try:
        wait_for_workers(engine, 1)  # only the PostgreSQL shape registers a queue worker
        queue_due_feeds(url, engine)
        wait_until_drained(engine, timeout=300)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as response:
            metrics = response.read().decode()
        with engine.connect() as conn:
            title = conn.execute(text("SELECT title FROM articles ORDER BY id LIMIT 1")).scalar_one()
        word = max(title.split(), key=len).strip(".,:;«»\"")
        query = urllib.parse.urlencode({"q": word})
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?{query}", timeout=30) as response:
            found = json.loads(response.read())
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()
    assert f"svodka_articles_total {ARTICLES}" in metrics or f"svodka_articles_total {ARTICLES}.0" in metrics
    assert 'svodka_queue_items{state="done"} 36.0' in metrics
    assert "svodka_queue_workers_alive 1.0" in metrics
    assert "svodka_queue_job_lag_seconds" in metrics
    assert found["results"]["items"], f"PostgreSQL search found nothing for {word!r}"
    _assert_complete(engine)
