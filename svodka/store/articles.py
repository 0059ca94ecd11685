"""Articles, the ingest queue of announced URLs, and the raw pages kept for re-extraction."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select, update

from svodka.models import Article, FeedEntry, QueueItem
from svodka.store.dialect import insert_ignore, upsert
from svodka.store.schema import articles, feed_items, raw_pages, sources

# A page that failed this many times is given up (state "failed"); it stays recorded with its last error.
MAX_ATTEMPTS = 3
# A failed page is tried again after this long, not in the same pass.
RETRY_DELAY = timedelta(minutes=15)


def to_utc_naive(iso: str | None) -> datetime | None:
    """The UTC instant of an ISO 8601 string (naive, as stored); None when absent or unparsable."""
    if not iso:
        return None
    try:
        value = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is not None:
        try:
            value = value.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # "0001-01-01T00:00:00+05:00" has no UTC instant a datetime can hold
            return None
    return value


# --- the ingest queue ----------------------------------------------------------------------------------------


def enqueue_entries(engine: Engine, source_id: int, entries: list[FeedEntry], *, now: datetime) -> int:
    """Record announced URLs (already canonical) not seen before; returns how many are new."""
    rows = [
        {
            "source_id": source_id,
            "url": e.url,
            "title": e.title,
            "published": e.published,
            "summary": (e.summary or "")[:4000] or None,
            "categories": e.categories or [],
            "state": "new",
            "attempts": 0,
            "discovered_at": now,
        }
        for e in entries
    ]
    with engine.begin() as conn:
        known = set(conn.execute(select(articles.c.canonical_url).where(
            articles.c.canonical_url.in_([r["url"] for r in rows]))).scalars()) if rows else set()
        rows = [r for r in rows if r["url"] not in known]
        return insert_ignore(conn, feed_items, rows, key="url")


def pending_items(engine: Engine, *, now: datetime, after_id: int = 0, limit: int = 1000) -> list[QueueItem]:
    """Queue items due for fetching, by id: new ones, and failed ones whose retry delay has passed."""
    retry_due = (feed_items.c.state == "retry") & (feed_items.c.fetched_at <= now - RETRY_DELAY)
    query = (
        select(feed_items)
        .where((feed_items.c.state == "new") | retry_due)
        .where(feed_items.c.id > after_id)
        .order_by(feed_items.c.id)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [
            QueueItem(id=r.id, source_id=r.source_id, url=r.url, title=r.title, published=r.published,
                      categories=list(r.categories or []), attempts=r.attempts)
            for r in conn.execute(query)
        ]


def mark_item_done(engine: Engine, item_id: int, *, now: datetime, state: str = "done") -> None:
    mark_items_done(engine, [item_id], now=now, state=state)


def mark_items_done(engine: Engine, item_ids: list[int], *, now: datetime, state: str = "done") -> None:
    """Close queue items in one transaction: after a crash either all of an ingested chunk is done or none is."""
    if not item_ids:
        return
    with engine.begin() as conn:
        conn.execute(update(feed_items).where(feed_items.c.id.in_(item_ids)).values(
            state=state, fetched_at=now, attempts=feed_items.c.attempts + 1, last_error=None))


def mark_item_failed(engine: Engine, item_id: int, error: str, *, now: datetime, final: bool = False) -> str:
    """Count a failed attempt; the item is retried until MAX_ATTEMPTS. Returns the new state."""
    with engine.begin() as conn:
        attempts = conn.execute(select(feed_items.c.attempts).where(feed_items.c.id == item_id)).scalar_one()
        state = "failed" if final or attempts + 1 >= MAX_ATTEMPTS else "retry"
        conn.execute(update(feed_items).where(feed_items.c.id == item_id).values(
            state=state, fetched_at=now, attempts=attempts + 1, last_error=error[:2000]))
    return state


def queue_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(feed_items.c.state, func.count()).group_by(feed_items.c.state))
        return {state: count for state, count in rows}


# --- raw pages -------------------------------------------------------------------------------------------------


def save_raw_page(
    engine: Engine, *, url: str, final_url: str, status: int, content_type: str | None, encoding: str | None,
    body: bytes, now: datetime,
) -> None:
    """Keep the fetched HTML (zlib-compressed) so the article can be re-extracted by better code later."""
    row = {"url": url, "final_url": final_url, "status": status, "content_type": content_type,
           "encoding": encoding, "body_zlib": zlib.compress(body, 6), "fetched_at": now}
    with engine.begin() as conn:
        upsert(conn, raw_pages, row, key="url", update=["final_url", "status", "content_type", "encoding",
                                                       "body_zlib", "fetched_at"])


def iter_raw_pages(engine: Engine, *, batch: int = 200) -> Iterator[dict[str, Any]]:
    """Every raw page with its decompressed body, in id order, read in batches."""
    last_id = 0
    while True:
        with engine.connect() as conn:
            rows = conn.execute(select(raw_pages).where(raw_pages.c.id > last_id)
                                .order_by(raw_pages.c.id).limit(batch)).all()
        if not rows:
            return
        for row in rows:
            last_id = row.id
            data = dict(row._mapping)
            data["body"] = zlib.decompress(data.pop("body_zlib"))
            yield data


def count_raw_pages(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(raw_pages)).scalar_one()


# --- articles --------------------------------------------------------------------------------------------------

_ARTICLE_COLUMNS = ("url", "title", "published", "modified", "authors", "lead", "blocks", "text", "image",
                    "credits", "site_tags", "section", "language")


def save_article(engine: Engine, article: Article, source_id: int | None, fetched_at: datetime) -> int:
    """Insert or update an article by its canonical URL; returns its id. Enrichment columns are left alone."""
    data = article.to_dict()
    canonical = article.canonical_url or article.url
    row: dict[str, Any] = {c: data[c] for c in _ARTICLE_COLUMNS}
    row.update(
        canonical_url=canonical,
        source_id=source_id,
        origin=data["source"],
        published_at=to_utc_naive(article.published) or fetched_at,
        fetched_at=fetched_at,
        updated_at=datetime.now(UTC).replace(tzinfo=None),
        # A new row stays invisible until every stage has run (`mark_ingested`); an update keeps its value.
        ingested_at=None,
    )
    with engine.begin() as conn:
        upsert(conn, articles, row, key="canonical_url",
               update=[*_ARTICLE_COLUMNS, "origin", "published_at", "updated_at"])
        return conn.execute(select(articles.c.id).where(articles.c.canonical_url == canonical)).scalar_one()


def mark_ingested(engine: Engine, article_ids: list[int], *, now: datetime) -> None:
    """Make articles visible to readers: every pipeline stage has run on them."""
    if not article_ids:
        return
    with engine.begin() as conn:
        conn.execute(update(articles).where(articles.c.id.in_(article_ids), articles.c.ingested_at.is_(None))
                     .values(ingested_at=now))


def stories_of_unfinished(engine: Engine, article_ids: list[int]) -> set[int]:
    """Stories of the given articles that were assigned but never marked ingested: a run died between the two,
    maybe before the story's counters were refreshed."""
    if not article_ids:
        return set()
    with engine.connect() as conn:
        return set(conn.execute(select(articles.c.story_id).where(
            articles.c.id.in_(article_ids), articles.c.ingested_at.is_(None), articles.c.story_id.is_not(None))
            .distinct()).scalars())


@dataclass
class IncompleteArticle:
    """A stored article whose later stages did not all run (the process died in between), with what they need."""

    id: int
    title: str | None
    text: str
    lead: str | None
    section: str | None
    enriched: bool
    feed_categories: list[str] = field(default_factory=list)


def incomplete_articles(engine: Engine, *, after_id: int = 0, stored_before: datetime | None = None,
                        limit: int = 100) -> list[IncompleteArticle]:
    """Articles still without ingested_at, by id after `after_id`, optionally only those last saved before
    `stored_before` (younger ones may be in another worker's hands right now). Feed categories come from their
    queue items."""
    query = (select(articles.c.id, articles.c.url, articles.c.canonical_url, articles.c.title, articles.c.text,
                    articles.c.lead, articles.c.section, articles.c.enriched_at)
             .where(articles.c.ingested_at.is_(None), articles.c.id > after_id).order_by(articles.c.id).limit(limit))
    if stored_before is not None:
        query = query.where(articles.c.updated_at < stored_before)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        urls = {u for r in rows for u in (r.url, r.canonical_url)}
        categories = dict(conn.execute(select(feed_items.c.url, feed_items.c.categories)
                                       .where(feed_items.c.url.in_(urls))).all()) if urls else {}
    return [IncompleteArticle(id=r.id, title=r.title, text=r.text or "", lead=r.lead, section=r.section,
                              enriched=r.enriched_at is not None,
                              feed_categories=list(categories.get(r.canonical_url) or categories.get(r.url) or []))
            for r in rows]


def article_id_by_url(engine: Engine, url: str) -> int | None:
    with engine.connect() as conn:
        return conn.execute(select(articles.c.id).where(articles.c.canonical_url == url)).scalar_one_or_none()


def _row_to_export(row: Any) -> dict[str, Any]:
    data = dict(row._mapping)
    for key in ("published_at", "fetched_at", "updated_at", "enriched_at"):
        if data.get(key) is not None:
            data[key] = data[key].replace(tzinfo=UTC).isoformat()
    data["source"] = data.pop("origin")
    return data


def get_article(engine: Engine, article_id: int) -> dict[str, Any] | None:
    query = select(articles, sources.c.name.label("source_name"), sources.c.slug.label("source_slug")).join(
        sources, sources.c.id == articles.c.source_id, isouter=True).where(articles.c.id == article_id)
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return _row_to_export(row) if row else None


def iter_articles(engine: Engine, *, since: datetime | None = None, batch: int = 500) -> Iterator[dict[str, Any]]:
    """Every stored article with all its fields (export format), oldest first, read in batches by id."""
    last_id = 0
    while True:
        query = (select(articles, sources.c.name.label("source_name"), sources.c.slug.label("source_slug"))
                 .join(sources, sources.c.id == articles.c.source_id, isouter=True)
                 .where(articles.c.id > last_id).order_by(articles.c.id).limit(batch))
        if since is not None:
            query = query.where(articles.c.published_at >= since)
        with engine.connect() as conn:
            rows = conn.execute(query).all()
        if not rows:
            return
        for row in rows:
            last_id = row.id
            yield _row_to_export(row)


def count_articles(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(articles)).scalar_one()


def source_ids_by_queue_url(engine: Engine) -> dict[str, int]:
    """Queue URL → source id, to attribute kept raw pages to their sources on reprocessing."""
    with engine.connect() as conn:
        return {url: sid for url, sid in conn.execute(select(feed_items.c.url, feed_items.c.source_id))}
