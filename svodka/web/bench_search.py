"""`svodka bench web --search-only`: search latency at 1M articles on a synthetic corpus built from real text.

Real sentences (Fontanka 2022–2023 in `shared/data/rubrics`) are lemmatised once; every synthetic article is a real
title, a real lead sentence and about ten real body sentences drawn at random, so the 1M articles are distinct
documents with a real vocabulary (not 500 copies of 2000 texts). Their lemmas are joined from the lemmatised
sentences, which is what `store.search.index_terms` would produce for the same text, at a fraction of the cost.

The bulk load writes `search_docs` (with its filter terms, `store.search.facet_terms`) with the FTS trigger off
and builds `search_fts` with one FTS5 'rebuild' and 'optimize' (much faster than a trigger per row); the trigger
is then restored exactly as the migration made it, so the database behaves like a live one. The site runs in its
own process (`svodka serve`, page cache off, so every request really searches); this process sends the queries
over loopback.
"""

from __future__ import annotations

import csv
import gzip
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.engine import Connection

from svodka.corpora import require_shared_data
from svodka.store.db import ensure_schema, make_engine
from svodka.store.schema import articles, sources
from svodka.store.search import facet_terms, index_terms, search_docs
from svodka.web.bench import (
    CATEGORY_OF_TOPIC,
    OUTLETS,
    LatencyRow,
    free_port,
    measure_latency,
    start_server,
    warm_page_cache,
)

BASE_ARTICLES = 3000
SENTENCES_PER_BODY = 10
CHUNK = 5000
_SENTENCE = re.compile(r"(?<=[.!?])\s*(?=[А-ЯЁA-Z«\"])")
_QUERY_WORD = re.compile(r"[А-Яа-яЁё]{5,}")


@dataclass
class Piece:
    """A real piece of text and its lemmas (as `index_terms` gives them)."""

    text: str
    lemmas: str


@dataclass
class Pool:
    titles: list[tuple[Piece, str]]  # (title, category)
    sentences: list[Piece]


def load_pool(limit: int = BASE_ARTICLES) -> Pool:
    """Real titles and body sentences, each lemmatised once."""
    path = require_shared_data("rubrics", "fontanka", "fontanka_2022_2023.csv.gz")
    csv.field_size_limit(10_000_000)
    titles: list[tuple[Piece, str]] = []
    sentences: list[Piece] = []
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as fh:
        for row in csv.DictReader(fh):
            title = (row.get("title") or "").strip()
            content = (row.get("content") or "").strip()
            if not title or len(content) < 300:
                continue
            titles.append((Piece(title, index_terms(title)), CATEGORY_OF_TOPIC.get(row.get("topic") or "", "other")))
            for sentence in _SENTENCE.split(content[:3000])[:20]:
                sentence = sentence.strip()
                if 40 <= len(sentence) <= 400:
                    sentences.append(Piece(sentence, index_terms(sentence)))
            if len(titles) >= limit:
                break
    return Pool(titles=titles, sentences=sentences)


def _trigger_sql(engine: Engine, name: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
                            {"n": name}).scalar()


def build_search_database(database_url: str, n: int, seed: int = 7,
                          on_progress: Callable[[int], None] | None = None,
                          base_articles: int = BASE_ARTICLES) -> Engine:
    """Create (or reuse, when it already has n articles) a SQLite database of n searchable synthetic articles."""
    engine = make_engine(database_url)
    if engine.dialect.name != "sqlite":
        raise RuntimeError("the search benchmark needs a SQLite database (FTS5)")
    ensure_schema(engine)
    with engine.connect() as conn:
        have = conn.execute(select(func.count()).select_from(articles)).scalar_one()
    if have == n:
        return engine
    if have:
        raise RuntimeError(f"{database_url} already holds {have} articles, not {n}: remove it first")
    pool = load_pool(base_articles)
    rng = random.Random(seed)
    now = datetime(2026, 11, 25, 6, 0)
    span = timedelta(days=365)
    trigger = _trigger_sql(engine, "search_docs_ai")
    if trigger is None:
        raise RuntimeError("search_docs_ai trigger is missing: is migration 0002 applied?")
    with engine.begin() as conn:
        conn.execute(insert(sources), [
            {"id": i, "slug": f"outlet-{i}", "name": f"Издание {i}", "site_url": f"https://outlet{i}.example",
             "feed_url": f"https://outlet{i}.example/rss", "kind": "rss", "active": True, "poll_interval": 3600,
             "error_count": 0, "consecutive_errors": 0, "created_at": now, "last_polled_at": now}
            for i in range(1, OUTLETS + 1)])
        conn.execute(text("DROP TRIGGER search_docs_ai"))
    try:
        for start in range(0, n, CHUNK):
            rows, docs = [], []
            for i in range(start, min(n, start + CHUNK)):
                article_id = i + 1
                title, category = pool.titles[rng.randrange(len(pool.titles))]
                lead = pool.sentences[rng.randrange(len(pool.sentences))]
                body = [pool.sentences[rng.randrange(len(pool.sentences))] for _ in range(SENTENCES_PER_BODY)]
                published = now - span + span * (i / n)
                source_id = rng.randint(1, OUTLETS)
                url = f"https://outlet{source_id}.example/news/{article_id}"
                rows.append({"id": article_id, "source_id": source_id, "url": url, "canonical_url": url,
                             "title": title.text, "lead": lead.text, "text": " ".join(p.text for p in body),
                             "published_at": published, "fetched_at": published, "updated_at": published,
                             "category": category, "language": "ru"})
                docs.append({"article_id": article_id, "title": title.lemmas, "lead": lead.lemmas,
                             "body": " ".join(p.lemmas for p in body),
                             "facets": facet_terms(category, source_id, published)})
            with engine.begin() as conn:
                conn.execute(insert(articles), rows)
                conn.execute(insert(search_docs), docs)
            if on_progress:
                on_progress(len(rows))
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO search_fts(search_fts) VALUES ('rebuild')"))
            conn.execute(text("INSERT INTO search_fts(search_fts) VALUES ('optimize')"))
    finally:
        with engine.begin() as conn:
            conn.execute(text(trigger))
    return engine


def _sample_words(conn: Connection, rng: random.Random) -> tuple[list[str], list[tuple[str, str]]]:
    """Query words (5+ letters) and adjacent word pairs from the titles and leads of 300 random articles."""
    top = int(conn.execute(select(func.max(articles.c.id))).scalar_one() or 1)
    ids = [rng.randint(1, top) for _ in range(300)]
    samples = list(conn.execute(select(articles.c.title, articles.c.lead).where(articles.c.id.in_(ids))))
    phrases = [re.findall(r"[А-Яа-яЁё]+", f"{t} {lead}") for t, lead in samples]
    words = [w for t, lead in samples for w in _QUERY_WORD.findall(f"{t} {lead}")] or ["новости"]
    pairs = [(p[k], p[k + 1]) for p in phrases for k in range(len(p) - 1)
             if len(p[k]) >= 4 and len(p[k + 1]) >= 4] or [("новости", "города")]
    return words, pairs


def _q(value: str, extra: str = "") -> str:
    return f"/search?q={quote(value)}{extra}"


def search_workload(engine: Engine, requests: int, seed: int = 21) -> dict[str, list[str]]:
    """Search URLs per kind of query, with words from the stored titles and texts."""
    rng = random.Random(seed)
    with engine.connect() as conn:
        words, pairs = _sample_words(conn, rng)
        cats = [c for c in conn.execute(select(articles.c.category).distinct()).scalars() if c]
    return {
        "search: one word": [_q(rng.choice(words)) for _ in range(requests)],
        "search: two words": [_q(f"{rng.choice(words)} {rng.choice(words)}") for _ in range(requests)],
        "search: \"phrase\"": [_q('"{} {}"'.format(*rng.choice(pairs))) for _ in range(requests)],
        "search: prefix*": [_q(rng.choice(words)[:4] + "*") for _ in range(requests)],
        "search: word, by date": [_q(rng.choice(words), "&sort=date") for _ in range(requests)],
        "search: word + category": [_q(rng.choice(words), f"&category={rng.choice(cats or ['other'])}")
                                    for _ in range(requests)],
    }


def filter_workload(engine: Engine, requests: int, seed: int = 23) -> dict[str, list[str]]:
    """More filtered searches: a word within one source or a 30-day range, a prefix within a category."""
    rng = random.Random(seed)
    with engine.connect() as conn:
        words, _ = _sample_words(conn, rng)
        cats = [c for c in conn.execute(select(articles.c.category).distinct()).scalars() if c] or ["other"]
        slugs = list(conn.execute(select(sources.c.slug)).scalars()) or ["outlet-1"]
        first, last = conn.execute(select(func.min(articles.c.published_at), func.max(articles.c.published_at))).one()
    start = (first or datetime(2026, 1, 1)).date()
    span = max(0, ((last or first or datetime(2026, 1, 1)).date() - start).days - 29)

    def days_30() -> str:
        begin = start + timedelta(days=rng.randint(0, span))
        return f"&from={begin.isoformat()}&to={(begin + timedelta(days=29)).isoformat()}"

    return {
        "search: word + source": [_q(rng.choice(words), f"&source={rng.choice(slugs)}") for _ in range(requests)],
        "search: word + 30 days": [_q(rng.choice(words), days_30()) for _ in range(requests)],
        "search: prefix* + category": [_q(rng.choice(words)[:4] + "*", f"&category={rng.choice(cats)}")
                                       for _ in range(requests)],
    }


def run_search_benchmark(database_url: str, requests: int) -> list[LatencyRow]:
    """p50/p95/p99 of each kind of search from this process against `svodka serve` with its page cache off."""
    engine = make_engine(database_url)
    paths = search_workload(engine, requests) | filter_workload(engine, requests)
    warmups = search_workload(engine, max(10, requests // 10), seed=22) | filter_workload(
        engine, max(10, requests // 10), seed=24)
    warm_page_cache(database_url)
    port = free_port()
    server = start_server(database_url, port, page_cache=False)
    try:
        return [measure_latency(f"http://127.0.0.1:{port}", name, p, warmups[name]) for name, p in paths.items()]
    finally:
        server.terminate()
        server.wait(timeout=10)


def default_search_database_url(n: int) -> str:
    return f"sqlite:///{Path('var') / f'bench-search-{n}.db'}"
