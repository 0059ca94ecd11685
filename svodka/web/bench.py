"""`svodka bench web`: page latency and throughput of the site on a synthetic database built from real text.

The database holds N articles (default 100k) whose titles and texts come from the Fontanka corpus in
`shared/data/rubrics` (repeated with new ids, outlets, dates, entities and stories). The site runs in its own
process (`svodka serve`); this process is the load generator, on loopback.
"""

from __future__ import annotations

import csv
import gzip
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import Engine, func, insert, select

from svodka.corpora import require_shared_data
from svodka.store.db import ensure_schema, make_engine
from svodka.store.schema import article_entities, articles, entities, sources, stories
from svodka.store.search import index_terms, search_docs
from svodka.store.stories import refresh_related

BASE_TEXTS = 2000
BODY_CHARS = 1500
OUTLETS = 40
ENTITIES = 400
STORY_SIZE = 5
CATEGORY_OF_TOPIC = {"Политика": "politics", "Экономика": "economy", "Бизнес": "economy", "Общество": "society",
                     "Город": "society", "Происшествия": "incidents", "Спорт": "sports", "Технологии": "technology",
                     "Наука": "science", "Культура": "culture", "Мир": "world", "Здоровье": "health"}
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[А-ЯЁ][а-яё]{3,}\b")


@dataclass
class BaseText:
    title: str
    lead: str
    body: str
    category: str
    lemmas: dict[str, str]
    names: list[str]


@dataclass
class LatencyRow:
    page: str
    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int


@dataclass
class ThroughputRow:
    endpoint: str
    requests: int
    seconds: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def load_base_texts(limit: int = BASE_TEXTS) -> list[BaseText]:
    """Real titles and texts (Fontanka 2022–2023), lemmatised once for the search index."""
    path = require_shared_data("rubrics", "fontanka", "fontanka_2022_2023.csv.gz")
    csv.field_size_limit(10_000_000)
    result: list[BaseText] = []
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as fh:
        for row in csv.DictReader(fh):
            content = (row.get("content") or "").strip()
            title = (row.get("title") or "").strip()
            if not title or len(content) < 200:
                continue
            body = content[:BODY_CHARS]
            lead = re.split(r"(?<=[.!?])\s*", body, maxsplit=1)[0][:300]
            result.append(BaseText(
                title=title, lead=lead, body=body, category=CATEGORY_OF_TOPIC.get(row.get("topic") or "", "other"),
                lemmas={"title": index_terms(title), "lead": index_terms(lead), "body": index_terms(body)},
                names=_NAME.findall(title + " " + lead),
            ))
            if len(result) >= limit:
                break
    return result


def build_database(database_url: str, n: int, seed: int = 7, on_progress: Callable[[int], None] | None = None,
                   on_related: Callable[[int], None] | None = None) -> Engine:
    """Create (or reuse, when it already has n articles) a synthetic database of n articles.

    "Читайте также" is stored for every story by the production code (`refresh_related`), as `refresh_story`
    does live; `on_related` is told how many stories are done.
    """
    engine = make_engine(database_url)
    ensure_schema(engine)
    with engine.connect() as conn:
        have = conn.execute(select(func.count()).select_from(articles)).scalar_one()
    if have == n:
        # A database built before "Читайте также" was stored (migration 0005) gets it now, once.
        refresh_related(engine, on_progress=on_related)
        return engine
    if have:
        raise RuntimeError(f"{database_url} already holds {have} articles, not {n}: remove it first")
    rng = random.Random(seed)
    bases = load_base_texts(min(BASE_TEXTS, n))
    now = datetime(2026, 11, 25, 6, 0)
    span = timedelta(days=365)
    name_counts = Counter(name for b in bases for name in set(b.names))
    names = [name for name, _ in name_counts.most_common(ENTITIES)]
    entity_of = {name: i + 1 for i, name in enumerate(names)}
    with engine.begin() as conn:
        conn.execute(insert(sources), [
            {"id": i, "slug": f"outlet-{i}", "name": f"Издание {i}", "site_url": f"https://outlet{i}.example",
             "feed_url": f"https://outlet{i}.example/rss", "kind": "rss", "active": True, "poll_interval": 3600,
             "error_count": i % 3, "consecutive_errors": 0, "created_at": now, "last_polled_at": now}
            for i in range(1, OUTLETS + 1)])
        conn.execute(insert(entities), [
            {"id": i, "key": f"per:{name.lower()}", "slug": f"tag-{i}", "name": name, "type": "PER",
             "aliases": [name.lower()], "created_at": now} for name, i in entity_of.items()])
    chunk = 2000
    for start in range(0, n, chunk):
        rows, docs, links, story_rows = [], [], [], []
        for i in range(start, min(n, start + chunk)):
            article_id = i + 1
            base = bases[i % len(bases)]
            story_id = i // STORY_SIZE + 1
            published = now - span + span * (i / n) + timedelta(minutes=rng.randint(0, 59))
            source_id = rng.randint(1, OUTLETS)
            url = f"https://outlet{source_id}.example/news/{article_id}"
            rows.append({
                "id": article_id, "source_id": source_id, "url": url, "canonical_url": url, "title": base.title,
                "published_at": published, "lead": base.lead, "text": base.body,
                "blocks": [{"kind": "paragraph", "text": p} for p in base.body.split(". ")[:6]],
                "authors": ["Редакция"], "image": None, "credits": [], "site_tags": [], "language": "ru",
                "fetched_at": published, "updated_at": published, "category": base.category,
                "tags": [], "figures": [], "story_id": story_id,
                "duplicate_of": article_id - 1 if i % STORY_SIZE == 4 else None,
            })
            docs.append({"article_id": article_id, **base.lemmas})
            seen: set[int] = set()
            for name in base.names:
                entity_id = entity_of.get(name)
                if entity_id and entity_id not in seen:
                    seen.add(entity_id)
                    links.append({"article_id": article_id, "entity_id": entity_id, "salience": 0.5,
                                  "mentions": 1, "is_tag": True})
            if i % STORY_SIZE == 0:
                story_rows.append({
                    "id": story_id, "title": base.title, "lead": base.lead, "category": base.category,
                    "first_seen": published, "last_seen": published + timedelta(hours=3),
                    "article_count": STORY_SIZE, "source_count": 3, "score": rng.random() * 10,
                    "breaking": rng.random() < 0.02, "updated_at": published,
                    "tags": [{"slug": f"tag-{entity_of[nm]}", "name": nm, "type": "PER"}
                             for nm in base.names[:3] if nm in entity_of],
                })
        with engine.begin() as conn:
            if story_rows:
                conn.execute(insert(stories), story_rows)
            conn.execute(insert(articles), rows)
            conn.execute(insert(search_docs), docs)
            if links:
                conn.execute(insert(article_entities), links)
        if on_progress:
            on_progress(len(rows))
    refresh_related(engine, on_progress=on_related)
    return engine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(database_url: str, port: int, page_cache: bool = True, *, extra_env: dict[str, str] | None = None,
                 timeout: float = 60.0) -> subprocess.Popen[bytes]:
    """`svodka serve` in a child process (with `extra_env` settings); returns once /healthz answers."""
    env = {**os.environ, "SVODKA_DATABASE_URL": database_url, "SVODKA_LOG_LEVEL": "WARNING", **(extra_env or {})}
    command = [sys.executable, "-m", "svodka", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
               "--page-cache" if page_cache else "--no-page-cache"]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited: " + (proc.stderr.read().decode(errors="replace") if proc.stderr else ""))
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"server did not start within {timeout:.0f} s")


def warm_page_cache(database_url: str) -> None:
    """Read a SQLite file once so the OS page cache holds it, as on a server that has been up a while (otherwise
    the first minutes measure the disk, and whatever another process just pushed out of memory)."""
    path = make_engine(database_url).url.database
    if not path or path == ":memory:" or not Path(path).is_file():
        return
    with open(path, "rb") as fh:
        while fh.read(16 * 1024 * 1024):
            pass


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure_latency(base: str, name: str, paths: list[str], warmup: list[str] | None = None) -> LatencyRow:
    """Sequential requests over one keep-alive connection: the latency one reader sees.

    `warmup` paths (default: a tenth of `paths`) are requested first and not timed; give different ones so
    the timed requests do not hit the page cache.
    """
    times: list[float] = []
    errors = 0
    with httpx.Client(base_url=base, timeout=30) as client:
        for path in warmup if warmup is not None else paths[: max(1, len(paths) // 10)]:
            client.get(path)  # warm-up: caches, pools, first-use compilation
        for path in paths:
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            errors += response.status_code != 200
    return LatencyRow(page=name, requests=len(times), p50_ms=statistics.median(times),
                      p95_ms=_percentile(times, 0.95), p99_ms=_percentile(times, 0.99), errors=errors)


def measure_throughput(base: str, name: str, paths: list[str], seconds: float, concurrency: int) -> ThroughputRow:
    """Requests completed by `concurrency` keep-alive clients in `seconds`."""
    counts = [0] * concurrency
    stop_at = time.perf_counter() + seconds

    def worker(slot: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            i = slot
            while time.perf_counter() < stop_at:
                client.get(paths[i % len(paths)])
                counts[slot] += 1
                i += concurrency

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ThroughputRow(endpoint=name, requests=sum(counts), seconds=time.perf_counter() - started)


def workload(engine: Engine, requests: int, seed: int = 11) -> dict[str, list[str]]:
    """Paths per page kind, spread over the whole database (another seed gives other paths: warm-ups)."""
    rng = random.Random(seed)
    with engine.connect() as conn:
        n_articles = conn.execute(select(func.max(articles.c.id))).scalar_one() or 1
        n_stories = conn.execute(select(func.max(stories.c.id))).scalar_one() or 1
        slugs = list(conn.execute(select(entities.c.slug)).scalars()) or ["none"]
        titles = list(conn.execute(select(articles.c.title).limit(300)).scalars())
    words = [w for t in titles for w in re.findall(r"[А-Яа-яЁё]{5,}", t)] or ["новости"]
    return {
        "home": ["/"] * requests,
        "article": [f"/article/{rng.randint(1, n_articles)}" for _ in range(requests)],
        "story": [f"/story/{rng.randint(1, n_stories)}" for _ in range(requests)],
        "tag": [f"/tag/{rng.choice(slugs)}" for _ in range(requests)],
        "search": [f"/search?q={rng.choice(words)}" for _ in range(requests)],
        "hello": ["/ping"] * requests,
    }


def run_benchmark(database_url: str, requests: int, seconds: float, concurrency: int, page_cache: bool = True,
                  ) -> tuple[list[LatencyRow], list[ThroughputRow]]:
    """Latency per page kind (random ids, warmed up on other ids, so the page cache rarely helps), then
    throughput of hello-world, of articles never requested before (no cache hits) and of one hot article (what
    a wrk run on a single URL sees)."""
    engine = make_engine(database_url)
    paths = workload(engine, requests)
    warmups = workload(engine, max(10, requests // 10), seed=12)
    with engine.connect() as conn:
        n_articles = int(conn.execute(select(func.max(articles.c.id))).scalar_one() or 1)
    # Every throughput request asks for an article nobody asked for before: no page-cache hits at all.
    fresh = [f"/article/{i}" for i in random.Random(13).sample(range(1, n_articles + 1), min(n_articles, 100_000))]
    warm_page_cache(database_url)
    port = free_port()
    server = start_server(database_url, port, page_cache)
    base = f"http://127.0.0.1:{port}"
    try:
        latency = [measure_latency(base, name, p, warmups[name]) for name, p in paths.items()]
        throughput = [measure_throughput(base, "hello (/ping)", paths["hello"], seconds, concurrency),
                      measure_throughput(base, "article, random ids never seen", fresh, seconds, concurrency),
                      measure_throughput(base, "article, one hot URL", paths["article"][:1], seconds, concurrency)]
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    return latency, throughput


def default_database_url(n: int) -> str:
    return f"sqlite:///{Path('var') / f'bench-web-{n}.db'}"

