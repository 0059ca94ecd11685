"""The crawl loop: poll due feeds, queue what they announce, fetch and extract the pages, hand them to the pipeline.

Everything that touches the network goes through `svodka.fetch.Fetcher`; everything that touches the database
through `svodka.store`. A failure of one feed or one page is logged, counted on its source and never stops the crawl.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from svodka.extract.article import NotAnArticle, extract_article
from svodka.feeds.parse import FeedParseError, parse_feed
from svodka.feeds.urls import canonicalize_url
from svodka.fetch.client import Fetcher
from svodka.fetch.errors import FetchError
from svodka.fetch.polling import error_backoff, next_poll_interval
from svodka.models import FeedEntry, QueueItem, Source
from svodka.pipeline import PageToIngest, Pipeline
from svodka.settings import Settings
from svodka.store import articles as store_articles
from svodka.store import sources as store_sources

log = logging.getLogger(__name__)

# How many child sitemaps of a sitemap index are read per poll (the newest are listed first by most sites).
MAX_CHILD_SITEMAPS = 5
# Pages are fetched and ingested in chunks so a crash loses at most one chunk of work (it is redone on restart).
CHUNK_SIZE = 32


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class CrawlStats:
    feeds_polled: int = 0
    feeds_failed: int = 0
    items_queued: int = 0
    pages_fetched: int = 0
    pages_failed: int = 0
    articles_stored: int = 0
    errors: list[str] = field(default_factory=list)


def _entries_last_week(entries: list[FeedEntry], now: datetime) -> int:
    """Items published during the last 7 days; a feed without dates counts all its items."""
    dated = [store_articles.to_utc_naive(e.published) for e in entries]
    if not any(dated):
        return len(entries)
    week_ago = now - timedelta(days=7)
    return sum(1 for d in dated if d and d >= week_ago)


class Crawler:
    def __init__(self, engine: Engine, settings: Settings, pipeline: Pipeline, fetcher: Fetcher,
                 on_progress: Callable[[int, int], None] | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.pipeline = pipeline
        self.fetcher = fetcher
        self.stats = CrawlStats()
        # Called with (items done in this chunk, items still pending) so a CLI can draw a progress bar.
        self.on_progress = on_progress

    # --- feeds -----------------------------------------------------------------------------------------------

    async def poll_source(self, source: Source) -> int:
        """Poll one feed (conditional GET), queue its new items, schedule the next poll. Returns new items."""
        now = utcnow()
        self.stats.feeds_polled += 1
        try:
            result = await self.fetcher.fetch(source.feed_url, etag=source.etag, last_modified=source.last_modified)
            if result.not_modified:
                interval = max(source.poll_interval, self.settings.min_poll_interval)
                store_sources.record_poll_success(
                    self.engine, source.id, now=now, status=304, etag=None, last_modified=None,
                    interval=interval, next_poll_at=now + timedelta(seconds=interval))
                return 0
            parsed = parse_feed(result.body, result.final_url, max_items=self.settings.max_items_per_feed)
            entries = list(parsed.entries)
            for child_url in parsed.children[:MAX_CHILD_SITEMAPS]:
                child = await self.fetcher.fetch(child_url)
                entries += parse_feed(child.body, child.final_url,
                                      max_items=self.settings.max_items_per_feed).entries
        except (FetchError, FeedParseError) as error:
            self._record_feed_failure(source, error, now)
            return 0
        for entry in entries:
            entry.url = canonicalize_url(entry.url)
        new = store_articles.enqueue_entries(self.engine, source.id, entries, now=now)
        interval = next_poll_interval(
            _entries_last_week(entries, now),
            ttl_minutes=parsed.ttl_minutes,
            max_age=result.max_age,
            retry_after=result.retry_after,
            min_interval=self.settings.min_poll_interval,
            max_interval=self.settings.max_poll_interval,
        )
        store_sources.record_poll_success(
            self.engine, source.id, now=now, status=result.status, etag=result.etag,
            last_modified=result.last_modified, interval=interval, next_poll_at=now + timedelta(seconds=interval))
        self.stats.items_queued += new
        log.info("%s: %d items, %d new, next poll in %d min", source.slug, len(entries), new, interval // 60)
        return new

    def _record_feed_failure(self, source: Source, error: Exception, now: datetime) -> None:
        self.stats.feeds_failed += 1
        status = getattr(error, "status", None)
        retry_after = getattr(error, "retry_after", None) or 0
        delay = max(retry_after, error_backoff(source.consecutive_errors + 1, source.poll_interval,
                                               self.settings.max_poll_interval))
        store_sources.record_poll_failure(self.engine, source.id, now=now, error=str(error), status=status,
                                          next_poll_at=now + timedelta(seconds=delay))
        self.stats.errors.append(f"{source.feed_url}: {error}")
        log.warning("feed %s failed: %s (next try in %d min)", source.feed_url, error, delay // 60)

    # --- pages -----------------------------------------------------------------------------------------------

    async def fetch_page(self, item: QueueItem, source: Source | None) -> PageToIngest | None:
        """Fetch, keep and extract one announced page; failures are recorded on the queue item."""
        now = utcnow()
        try:
            result = await self.fetcher.fetch(item.url)
            store_articles.save_raw_page(
                self.engine, url=item.url, final_url=result.final_url, status=result.status,
                content_type=result.headers.get("content-type"), encoding=result.encoding, body=result.body, now=now)
            article = await asyncio.to_thread(
                extract_article, result.text or result.body, result.final_url, fetched_at=now.replace(tzinfo=UTC),
                timezone=(source.timezone if source else None) or self.settings.default_source_timezone)
        except NotAnArticle as error:
            store_articles.mark_item_failed(self.engine, item.id, f"not an article: {error}", now=now, final=True)
            log.info("skipped %s: not an article (%s)", item.url, error)
            return None
        except FetchError as error:
            final = error.kind in {"robots_disallowed", "blocked_address", "too_large", "invalid_url"} or (
                error.kind == "http_status" and getattr(error, "status", None) in {404, 410})
            state = store_articles.mark_item_failed(self.engine, item.id, str(error), now=now, final=final)
            self.stats.pages_failed += 1
            log.warning("page %s failed: %s (%s)", item.url, error, state)
            return None
        except Exception as error:  # an extraction bug on one page must not stop the crawl
            store_articles.mark_item_failed(self.engine, item.id, f"{type(error).__name__}: {error}", now=now)
            self.stats.pages_failed += 1
            log.exception("page %s could not be processed", item.url)
            return None
        self.stats.pages_fetched += 1
        article.title = article.title or item.title
        article.published = article.published or item.published
        return PageToIngest(article=article, source_id=item.source_id, fetched_at=now,
                            feed_categories=item.categories, queue_item_id=item.id)

    async def process_queue(self) -> int:
        """Fetch and ingest every pending queue item, chunk by chunk. Returns articles stored."""
        sources_by_id = {s.id: s for s in store_sources.list_sources(self.engine)}
        stored = last_id = 0
        # One pass over the queue by id: an item that fails now waits for its retry delay, not for this loop.
        while items := store_articles.pending_items(self.engine, now=utcnow(), after_id=last_id, limit=CHUNK_SIZE):
            last_id = items[-1].id
            pages = await asyncio.gather(*(self.fetch_page(i, sources_by_id.get(i.source_id)) for i in items))
            ready = [p for p in pages if p is not None]
            if ready:
                await asyncio.to_thread(self.pipeline.ingest, ready)
                for page in ready:
                    store_articles.mark_item_done(self.engine, page.queue_item_id, now=utcnow())
            stored += len(ready)
            self.stats.articles_stored += len(ready)
            if self.on_progress:
                self.on_progress(len(items), store_articles.queue_counts(self.engine).get("new", 0))
        return stored

    # --- loops -----------------------------------------------------------------------------------------------

    async def crawl_once(self) -> CrawlStats:
        """Poll every active source once, then fetch and ingest everything they announced."""
        store_sources.reset_schedule(self.engine, utcnow())
        due = store_sources.due_sources(self.engine, utcnow())
        await asyncio.gather(*(self.poll_source(s) for s in due))
        await self.process_queue()
        return self.stats

    async def crawl_forever(self, stop: asyncio.Event | None = None) -> None:
        """Poll due sources as they come due, process what arrives; returns when `stop` is set."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            due = store_sources.due_sources(self.engine, utcnow())
            if due:
                await asyncio.gather(*(self.poll_source(s) for s in due))
            await self.process_queue()
            next_due = store_sources.next_due_time(self.engine)
            wait = 60.0 if next_due is None else min(max((next_due - utcnow()).total_seconds(), 1.0), 60.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait)
