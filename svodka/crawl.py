"""The crawl loop: poll due feeds, queue what they announce, fetch and extract the pages, hand them to the pipeline.

Everything that touches the network goes through `svodka.fetch.Fetcher`; everything that touches the database
through `svodka.store`. A failure of one feed or one page is logged, counted on its source and never stops the crawl.
Pages are fetched concurrently and ingested as they arrive, so a slow host delays only its own pages. A database
failure (disk full, lock held too long) ends the pass with a clear error; nothing is marked done that was not
ingested, so the work is redone on the next pass. On stop (SIGTERM) fetches in flight are returned to the queue and
the pages already fetched are ingested.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

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
from svodka.store.db import describe_store_error

log = logging.getLogger(__name__)

# How many child sitemaps of a sitemap index are read per poll (the newest are listed first by most sites).
MAX_CHILD_SITEMAPS = 5
# Pages are ingested in chunks so a crash loses at most one chunk of work (it is redone on restart).
CHUNK_SIZE = 32
# Queue items fetched at once; the fetcher's per-host and global limits still apply inside.
MAX_IN_FLIGHT = 64
# A fetched page waits at most this many seconds for others to fill its chunk: slow hosts do not hold it back.
INGEST_LINGER = 1.0
# While feeds are still being polled, the queue is looked at again this often for the items they announce.
QUEUE_RECHECK = 0.5
# After a database failure (disk full, database locked) the loop tries again after this many seconds.
STORE_RETRY_DELAY = 10.0
# Every so often the crawler finishes articles left half-ingested; younger ones may still be in flight elsewhere.
RESUME_EVERY = 300.0
RESUME_GRACE = timedelta(minutes=2)


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
    articles_resumed: int = 0
    store_errors: int = 0
    errors: list[str] = field(default_factory=list)


async def _cancel(tasks: list[asyncio.Task[PageToIngest | None]]) -> None:
    """Cancel page fetches and wait until they are gone; their queue items were not touched and stay queued."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


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
        except OperationalError:
            raise  # the database, not the page: the item stays queued and the pass ends (see process_queue)
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

    async def process_queue(self, stop: asyncio.Event | None = None,
                            feeds_polling: asyncio.Future[object] | None = None) -> int:
        """Fetch and ingest every pending queue item; returns articles stored.

        Up to MAX_IN_FLIGHT pages are fetched at once and ingested in chunks as they arrive. While
        `feeds_polling` runs, items the polls announce are picked up too. When `stop` is set, fetches in flight
        are cancelled (their items stay queued) and the pages already fetched are ingested. A database failure
        propagates; whatever was not ingested stays queued.
        """
        sources_by_id = {s.id: s for s in store_sources.list_sources(self.engine)}
        fetching: dict[asyncio.Task[PageToIngest | None], QueueItem] = {}
        ready: list[PageToIngest] = []
        ready_since = 0.0
        stored = last_id = finished = 0
        drained = False
        stop_waiter = asyncio.ensure_future(stop.wait()) if stop is not None else None
        try:
            while True:
                stopping = stop is not None and stop.is_set()
                if stopping and fetching:
                    await _cancel(list(fetching))
                    fetching.clear()
                elif not drained and len(fetching) < MAX_IN_FLIGHT:
                    # One pass by id: an item that fails now waits for its retry delay, not for this loop.
                    items = store_articles.pending_items(self.engine, now=utcnow(), after_id=last_id,
                                                         limit=MAX_IN_FLIGHT - len(fetching))
                    for item in items:
                        last_id = item.id
                        task = asyncio.ensure_future(self.fetch_page(item, sources_by_id.get(item.source_id)))
                        fetching[task] = item
                    if not items and (feeds_polling is None or feeds_polling.done()):
                        drained = True
                if not fetching and not ready and (drained or stopping):
                    return stored
                wake: set[asyncio.Future[object]] = set(fetching)  # type: ignore[arg-type]
                for waiter in (stop_waiter, feeds_polling):
                    if waiter is not None and not waiter.done():
                        wake.add(waiter)
                if ready:
                    timeout: float | None = max(0.0, ready_since + INGEST_LINGER - time.monotonic())
                else:
                    timeout = None if drained else QUEUE_RECHECK
                if wake and not stopping and timeout != 0.0:
                    await asyncio.wait(wake, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                for task in [t for t in fetching if t.done()]:
                    del fetching[task]
                    finished += 1
                    page = task.result()  # a database error propagates from here
                    if page is not None:
                        if not ready:
                            ready_since = time.monotonic()
                        ready.append(page)
                lingered = ready and time.monotonic() - ready_since >= INGEST_LINGER
                if ready and (len(ready) >= CHUNK_SIZE or not fetching or lingered or stopping):
                    chunk, ready = ready[:CHUNK_SIZE], ready[CHUNK_SIZE:]
                    ready_since = time.monotonic()
                    stored += await self._ingest_chunk(chunk)
                    if self.on_progress:
                        self.on_progress(finished, store_articles.queue_counts(self.engine).get("new", 0))
                        finished = 0
        finally:
            if stop_waiter is not None:
                stop_waiter.cancel()
            await _cancel(list(fetching))

    async def _ingest_chunk(self, pages: list[PageToIngest]) -> int:
        """Ingest fetched pages and close their queue items; a page the pipeline fails on is marked failed alone.
        Returns articles stored. Database errors propagate with the items still open."""
        try:
            await asyncio.to_thread(self.pipeline.ingest, pages)
            ingested = pages
        except OperationalError:
            raise
        except Exception:  # one bad page must not sink its chunk: ingest them one by one to find it
            log.exception("ingest of a chunk of %d pages failed; retrying them one by one", len(pages))
            ingested = []
            for page in pages:
                try:
                    await asyncio.to_thread(self.pipeline.ingest, [page])
                    ingested.append(page)
                except OperationalError:
                    raise
                except Exception as error:
                    log.exception("ingest of %s failed", page.article.url)
                    if page.queue_item_id is not None:
                        store_articles.mark_item_failed(self.engine, page.queue_item_id,
                                                        f"ingest: {type(error).__name__}: {error}", now=utcnow())
                    self.stats.pages_failed += 1
        store_articles.mark_items_done(self.engine, [p.queue_item_id for p in ingested if p.queue_item_id],
                                       now=utcnow())
        self.stats.articles_stored += len(ingested)
        return len(ingested)

    # --- loops -----------------------------------------------------------------------------------------------

    async def _poll_guarded(self, source: Source) -> int:
        """poll_source, with an unexpected error (a parser bug) recorded on the source instead of raised."""
        try:
            return await self.poll_source(source)
        except OperationalError:
            raise
        except Exception as error:  # one feed's bug must not stop the others
            log.exception("feed %s could not be processed", source.feed_url)
            self._record_feed_failure(source, error, utcnow())
            return 0

    async def _crawl_pass(self, sources: list[Source], stop: asyncio.Event | None) -> None:
        """Poll the given sources while fetching and ingesting what they (and earlier polls) queued."""
        polls = asyncio.ensure_future(asyncio.gather(*(self._poll_guarded(s) for s in sources),
                                                     return_exceptions=True))
        try:
            await self.process_queue(stop, feeds_polling=polls)
            if stop is not None and stop.is_set():
                polls.cancel()  # a poll cut short leaves its source due: it is polled again next time
                await asyncio.wait([polls])
                return
            for result in await polls:
                if isinstance(result, BaseException):
                    raise result
        finally:
            polls.cancel()

    async def resume_incomplete(self, older_than: timedelta = timedelta(0)) -> int:
        """Finish articles a crash left half-ingested (see `Pipeline.resume_incomplete`)."""
        resumed = await asyncio.to_thread(self.pipeline.resume_incomplete, older_than=older_than)
        self.stats.articles_resumed += resumed
        return resumed

    def _store_failed(self, error: OperationalError) -> None:
        self.stats.store_errors += 1
        reason = describe_store_error(error)
        self.stats.errors.append(f"database: {reason}")
        log.error("database write failed: %s; unfinished pages stay queued and are retried", reason)

    async def crawl_once(self) -> CrawlStats:
        """Finish half-ingested articles, poll every active source once, fetch and ingest everything announced.

        A database failure ends the pass with an error logged and counted in `stats.store_errors`.
        """
        try:
            await self.resume_incomplete()
            store_sources.reset_schedule(self.engine, utcnow())
            await self._crawl_pass(store_sources.due_sources(self.engine, utcnow()), None)
        except OperationalError as error:
            self._store_failed(error)
        return self.stats

    async def crawl_forever(self, stop: asyncio.Event | None = None) -> None:
        """Poll due sources as they come due, process what arrives; returns when `stop` is set.

        Half-ingested articles are finished at start and every RESUME_EVERY seconds; a database failure is
        logged and the loop tries again after STORE_RETRY_DELAY seconds.
        """
        stop = stop or asyncio.Event()
        next_resume = 0.0
        while not stop.is_set():
            try:
                if time.monotonic() >= next_resume:
                    await self.resume_incomplete(timedelta(0) if next_resume == 0.0 else RESUME_GRACE)
                    next_resume = time.monotonic() + RESUME_EVERY
                await self._crawl_pass(store_sources.due_sources(self.engine, utcnow()), stop)
                next_due = store_sources.next_due_time(self.engine)
                wait = 60.0 if next_due is None else min(max((next_due - utcnow()).total_seconds(), 1.0), 60.0)
            except OperationalError as error:
                self._store_failed(error)
                wait = STORE_RETRY_DELAY
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait)
