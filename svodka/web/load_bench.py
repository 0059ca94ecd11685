"""`svodka bench load`: many concurrent readers on the site while an ingest writes to the same fresh database.

Three processes besides this one: the site (`svodka serve`), the ingest (the demo's replay of news sites crawled
through the real pipeline) and the readers (asyncio + httpx, one client per reader, each its own address in
X-Forwarded-For so the per-client rate limits see 200 clients, as behind a reverse proxy). Readers follow what
they see: ids and slugs from the API feed the article, story, tag and search requests.

Every article a reader sees through the API is checked to be whole (title, text, category, story): the pipeline
makes an article visible only after its last stage, and this catches it if it does not.
"""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing
import random
import re
import shutil
import subprocess
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from svodka.store.db import ensure_schema, make_engine
from svodka.store.schema import articles

# How often each kind of request comes up in a reader's walk: what people read most, plus the API and feeds.
ROUTE_WEIGHTS = {
    "home": 4, "article": 5, "story": 2, "tag": 1, "search": 2, "rss": 1, "atom": 1,
    "api articles": 2, "api article": 3, "api search": 1, "api stories": 1, "hello (/ping)": 1,
}
BASELINE = "hello (/ping)"
MAX_ERROR_SAMPLES = 20
# Reader addresses come from the benchmarking range 198.18.0.0/15 (RFC 2544), never a real client's.
READER_NETWORK = "198.18"


@dataclass
class ReaderResult:
    """What the readers saw: latencies (ms) and error counts per route, and the whole-article check."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    articles_checked: int = 0
    article_ids_seen: int = 0
    incomplete: int = 0
    incomplete_samples: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class RouteRow:
    route: str
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float


@dataclass
class LoadReport:
    readers: int
    seconds: float
    rows: list[RouteRow]
    result: ReaderResult
    articles_before: int
    articles_after: int
    ingest_outlasted_readers: bool

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.rows)

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.rows)

    @property
    def ok(self) -> bool:
        return self.errors == 0 and self.result.incomplete == 0 and self.result.articles_checked > 0


def percentile(values: list[float], q: float) -> float:
    """The q-quantile by nearest rank (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def missing_parts(article: dict[str, Any], text: str | None = None, story: Any = True) -> list[str]:
    """Which parts of an article seen through the API are missing: a card has title, category and story; a full
    article also its text and its story's card."""
    missing = [name for name in ("title", "category", "story_id") if not article.get(name)]
    if text is not None and not text.strip():
        missing.append("text")
    if not story:
        missing.append("story")
    return missing


class ReaderPools:
    """What the readers have seen so far, shared by all of them (one event loop: no locks needed)."""

    def __init__(self) -> None:
        self.article_ids: deque[int] = deque(maxlen=500)
        self.story_ids: deque[int] = deque(maxlen=200)
        self.tag_slugs: deque[str] = deque(maxlen=200)
        self.words: deque[str] = deque(["новости"], maxlen=300)
        self.seen: set[int] = set()

    def add_article(self, article_id: int, title: str | None) -> None:
        if article_id not in self.seen:
            self.seen.add(article_id)
            self.article_ids.append(article_id)
            self.words.extend(re.findall(r"[А-Яа-яЁё]{5,}", title or "")[:2])


def _path(route: str, pools: ReaderPools, rng: random.Random) -> str | None:
    """The next URL for a route, or None when nothing of that kind has been seen yet."""
    article = rng.choice(pools.article_ids) if pools.article_ids else None
    story = rng.choice(pools.story_ids) if pools.story_ids else None
    tag = rng.choice(pools.tag_slugs) if pools.tag_slugs else None
    word = rng.choice(pools.words)
    paths = {
        "home": "/", "rss": "/feed.xml", "atom": "/feed.atom", "hello (/ping)": "/ping",
        "article": f"/article/{article}" if article else None, "story": f"/story/{story}" if story else None,
        "tag": f"/tag/{tag}" if tag else None, "search": f"/search?q={word}",
        "api articles": f"/api/articles?per_page=50&page={rng.choice([1, 1, 1, 2])}",
        "api article": f"/api/articles/{article}" if article else None,
        "api search": f"/api/search?q={word}&sort=date", "api stories": "/api/stories?per_page=30",
    }
    return paths[route]


def _tag_slugs(tags: list[Any] | None) -> list[str]:
    """Slugs of entity tags (a tag of type "category" links to a category page, not /tag/)."""
    return [t["slug"] for t in tags or [] if isinstance(t, dict) and t.get("type") != "category"]


def _learn(route: str, body: dict[str, Any], pools: ReaderPools, result: ReaderResult, path: str) -> None:
    """Add what a JSON answer shows to the pools, checking every article in it is whole."""
    def incomplete(what: str, missing: list[str]) -> None:
        result.incomplete += 1
        if len(result.incomplete_samples) < MAX_ERROR_SAMPLES:
            result.incomplete_samples.append(f"{path}: {what} without {', '.join(missing)}")

    if route == "api articles":
        for card in body["articles"]["items"]:
            result.articles_checked += 1
            if missing := missing_parts(card):
                incomplete(f"article {card.get('id')}", missing)
            pools.add_article(card["id"], card.get("title"))
            if card.get("story_id"):
                pools.story_ids.append(card["story_id"])
    elif route == "api article":
        page = body["page"]
        result.articles_checked += 1
        if missing := missing_parts(page["article"], page.get("text") or "", page.get("story")):
            incomplete(f"article {page['article'].get('id')}", missing)
        pools.tag_slugs.extend(_tag_slugs(page.get("tags")))
    elif route == "api search":
        for hit in body["results"]["items"]:
            pools.add_article(hit["article_id"], hit.get("title"))  # its full check comes when a reader opens it
    elif route == "api stories":
        for card in body["stories"]["items"]:
            pools.story_ids.append(card["id"])
            pools.tag_slugs.extend(_tag_slugs(card.get("tags")))


async def _reader(number: int, base: str, deadline: float, pools: ReaderPools, result: ReaderResult) -> None:
    rng = random.Random(number)
    routes, weights = list(ROUTE_WEIGHTS), list(ROUTE_WEIGHTS.values())
    address = f"{READER_NETWORK}.{number // 250}.{number % 250 + 1}"
    async with httpx.AsyncClient(base_url=base, timeout=60, headers={"x-forwarded-for": address}) as client:
        while time.monotonic() < deadline:
            route = rng.choices(routes, weights)[0]
            path = _path(route, pools, rng)
            if path is None:  # nothing of that kind seen yet: look at the latest articles first
                route, path = "api articles", "/api/articles?per_page=50"
            started = time.perf_counter()
            try:
                response = await client.get(path)
            except httpx.HTTPError as error:
                result.errors[route] += 1
                if len(result.error_samples) < MAX_ERROR_SAMPLES:
                    result.error_samples.append(f"{path}: {type(error).__name__} {error}")
                continue
            result.latencies.setdefault(route, []).append((time.perf_counter() - started) * 1000)
            if response.status_code != 200 or not response.content:
                result.errors[route] += 1
                if len(result.error_samples) < MAX_ERROR_SAMPLES:
                    result.error_samples.append(f"{path}: HTTP {response.status_code} {response.text[:120]!r}")
                continue
            if route.startswith("api "):
                _learn(route, response.json(), pools, result, path)


async def _read(base: str, readers: int, seconds: float) -> ReaderResult:
    result = ReaderResult()
    pools = ReaderPools()
    started = time.monotonic()
    await asyncio.gather(*(_reader(n, base, started + seconds, pools, result) for n in range(readers)))
    result.seconds = time.monotonic() - started
    result.article_ids_seen = len(pools.seen)
    return result


def read_site(base: str, readers: int, seconds: float) -> ReaderResult:
    """Run `readers` concurrent readers against `base` for `seconds` (in the calling process)."""
    return asyncio.run(_read(base, readers, seconds))


def ingest_replay(database_url: str, articles_limit: int) -> None:
    """Crawl the demo's local replay of news sites into the database through the real pipeline (run in a child
    process; it is stopped from outside when the readers are done)."""
    from svodka.demo.replay import ReplayServer, load_corpus
    from svodka.demo.run import crawl_replay, demo_settings
    from svodka.settings import Settings
    from svodka.store.db import open_database

    logging.basicConfig(level=logging.WARNING)
    settings = demo_settings(Settings(), database_url)
    engine = open_database(database_url)
    corpus = load_corpus(datetime.now(UTC), limit=articles_limit)
    with ReplayServer(corpus) as server:
        asyncio.run(crawl_replay(engine, settings, server))


def start_site(database_url: str, port: int) -> subprocess.Popen[bytes]:
    """`svodka serve` in a child process, trusting X-Forwarded-For from loopback (the readers' "proxy").

    Rate limits are off: readers that never pause would soon get 429s, and this measures the pages, not the
    limiter (which `tests/test_web_ratelimit.py` covers)."""
    from svodka.web.bench import start_server

    return start_server(database_url, port, extra_env={
        "SVODKA_TRUSTED_PROXIES": "127.0.0.1, ::1", "SVODKA_RATE_LIMIT_SEARCH": "0", "SVODKA_RATE_LIMIT_API": "0",
    }, timeout=120.0)


def _stop(proc: subprocess.Popen[bytes] | multiprocessing.process.BaseProcess) -> None:
    proc.terminate()
    if isinstance(proc, subprocess.Popen):
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    else:
        proc.join(20)
        if proc.is_alive():
            proc.kill()
            proc.join()


def _visible_articles(base: str) -> int:
    try:
        return int(httpx.get(f"{base}/api/articles?per_page=1", timeout=30).json()["articles"]["total"])
    except (httpx.HTTPError, KeyError, ValueError):
        return 0


def _stored_articles(database_url: str) -> int:
    with make_engine(database_url).connect() as conn:
        return int(conn.execute(select(func.count()).select_from(articles)).scalar_one())


def run_load_benchmark(readers: int = 200, seconds: float = 60.0, articles_limit: int = 400,
                       on_status: Callable[[str], None] = lambda _: None, first_article_timeout: float = 600.0,
                       ) -> LoadReport:
    """Serve a fresh SQLite database, start the ingest, wait for its first article, then read for `seconds`."""
    from svodka.web.bench import free_port

    workdir = Path(tempfile.mkdtemp(prefix="svodka-load-"))
    database_url = f"sqlite:///{workdir / 'load.db'}"
    ensure_schema(make_engine(database_url))
    spawn = multiprocessing.get_context("spawn")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    on_status(f"serving a fresh database on {base}")
    server = start_site(database_url, port)
    ingest = spawn.Process(target=ingest_replay, args=(database_url, articles_limit), name="svodka-load-ingest")
    try:
        ingest.start()
        on_status("ingest started (replay of 4 news sites → crawl → extract → enrich → stories → index)")
        waited = time.monotonic() + first_article_timeout
        while _visible_articles(base) == 0:
            if not ingest.is_alive():
                raise RuntimeError(f"the ingest process ended (exit code {ingest.exitcode}) before any article")
            if time.monotonic() > waited:
                raise RuntimeError(f"no article visible within {first_article_timeout:.0f} s")
            time.sleep(0.5)
        before = _stored_articles(database_url)
        on_status(f"{before} articles stored; {readers} readers for {seconds:.0f} s while the ingest goes on")
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
            result = pool.submit(read_site, base, readers, seconds).result()
        after = _stored_articles(database_url)
        ingest_alive = ingest.is_alive()
    finally:
        _stop(ingest)
        _stop(server)
        shutil.rmtree(workdir, ignore_errors=True)
    if not ingest_alive:
        on_status("note: the ingest finished before the readers did (raise --articles for a longer ingest)")
    rows = [RouteRow(route=route, requests=len(result.latencies.get(route, [])) + result.errors[route],
                     errors=result.errors[route], p50_ms=percentile(result.latencies.get(route, []), 0.5),
                     p95_ms=percentile(result.latencies.get(route, []), 0.95),
                     p99_ms=percentile(result.latencies.get(route, []), 0.99))
            for route in ROUTE_WEIGHTS]
    return LoadReport(readers=readers, seconds=result.seconds, rows=rows, result=result, articles_before=before,
                      articles_after=after, ingest_outlasted_readers=ingest_alive)
