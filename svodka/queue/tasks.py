"""The ingest stages as idempotent procrastinate tasks: poll a feed, fetch a page, schedule due feeds, rankings.

Every task can run twice without harm: items are keyed by URL, articles are upserted by canonical URL, and a page
task first checks whether its item is already done. Page tasks hand their pages to the worker's `IngestBatcher`, so
the pages of all running jobs are ingested together. Tasks find the worker's engine, crawler and pipeline in
`context.additional_context["ingest"]` (an `IngestContext`, set by `svodka.queue.worker`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from procrastinate import App, Blueprint, JobContext, RetryStrategy
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import Engine

from svodka.crawl import Crawler
from svodka.pipeline import PageToIngest, Pipeline
from svodka.queue.batching import IngestBatcher
from svodka.queue.sweep import retry_stalled_jobs, stranded_item_ids
from svodka.settings import Settings
from svodka.store import articles as store_articles
from svodka.store import sources as store_sources
from svodka.store.queue_items import PENDING_STATES, get_queue_item, pending_item_ids
from svodka.store.stories import rescore_recent_stories

log = logging.getLogger(__name__)

NAMESPACE = "svodka"
POLL_FEED = f"{NAMESPACE}:poll_feed"
FETCH_PAGE = f"{NAMESPACE}:fetch_page"

# Jobs with a higher priority are fetched first; page and poll jobs have 0.
SWEEP_PRIORITY = 100
# A failed page is retried by the queue with exponential backoff (4, 16, 64 s…); Crawler gives up after 3 attempts.
PAGE_RETRY = RetryStrategy(max_attempts=5, exponential_wait=4)
FEED_RETRY = RetryStrategy(max_attempts=3, exponential_wait=4)


class PageRetryLater(Exception):
    """The page failed in a way worth retrying (timeout, 5xx); the queue schedules the retry."""


@dataclass
class IngestContext:
    """What the tasks of one worker process share: one engine, one HTTP client, one pipeline, one batcher."""

    engine: Engine
    settings: Settings
    crawler: Crawler
    pipeline: Pipeline
    batcher: IngestBatcher
    # A worker silent this long is taken for dead by the sweep, and its running jobs are queued again.
    stalled_after: float = 30.0


def ingest_and_close_items(engine: Engine, pipeline: Pipeline, pages: list[PageToIngest]) -> list[int]:
    """Ingest a batch of pages, then mark their queue items done (one statement); returns the article ids.

    A crash between the two only means the pages are ingested again: an upsert by canonical URL.
    """
    ids = pipeline.ingest(pages)
    store_articles.mark_items_done(engine, [p.queue_item_id for p in pages if p.queue_item_id is not None],
                                   now=_utcnow())
    return ids


def _ingest(context: JobContext) -> IngestContext:
    ingest = context.additional_context.get("ingest")
    if not isinstance(ingest, IngestContext):
        raise RuntimeError("svodka tasks need a worker started by `svodka worker` (no IngestContext)")
    return ingest


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# --- deferring -------------------------------------------------------------------------------------------------


async def defer_page(app: App, item_id: int) -> bool:
    """Queue `fetch_page(item_id)` unless it is queued already; returns whether a job was added."""
    try:
        # queueing_lock: never two waiting jobs for one item; lock: never two running at once.
        await app.configure_task(FETCH_PAGE, queueing_lock=f"page-{item_id}", lock=f"item-{item_id}").defer_async(
            item_id=item_id)
    except AlreadyEnqueued:
        return False
    return True


async def defer_poll(app: App, source_id: int) -> bool:
    """Queue `poll_feed(source_id)` unless a poll of that feed is waiting already; returns whether one was added."""
    try:
        await app.configure_task(POLL_FEED, queueing_lock=f"poll-{source_id}", lock=f"feed-{source_id}").defer_async(
            source_id=source_id)
    except AlreadyEnqueued:
        return False
    return True


async def defer_due_feeds(app: App, engine: Engine, now: datetime | None = None) -> int:
    """Queue a poll of every active source whose next poll time has come; returns how many were queued."""
    due = await asyncio.to_thread(store_sources.due_sources, engine, now or _utcnow())
    queued = 0
    for source in due:
        queued += await defer_poll(app, source.id)
    return queued


async def defer_pending_pages(app: App, engine: Engine, source_id: int) -> int:
    """Queue a fetch of every item of the source still waiting (new ones and ones a crash left without a job)."""
    queued = 0
    for item_id in await asyncio.to_thread(pending_item_ids, engine, source_id):
        queued += await defer_page(app, item_id)
    return queued


# --- the tasks -------------------------------------------------------------------------------------------------


async def poll_feed(context: JobContext, source_id: int) -> int:
    """Poll one feed, record its new items, queue a page job per waiting item. Returns page jobs queued."""
    ingest = _ingest(context)
    source = await asyncio.to_thread(store_sources.get_source, ingest.engine, source_id)
    if source is None or not source.active:
        log.info("source %s is gone or inactive: not polled", source_id)
        return 0
    await ingest.crawler.poll_source(source)
    return await defer_pending_pages(context.app, ingest.engine, source_id)


async def fetch_page(context: JobContext, item_id: int) -> str:
    """Fetch, extract and ingest one queued page; returns the item's final state ("done", "failed", …)."""
    ingest = _ingest(context)
    engine = ingest.engine
    found = await asyncio.to_thread(get_queue_item, engine, item_id)
    if found is None:
        return "missing"
    item, state = found
    if state not in PENDING_STATES:
        return state  # an earlier run (before a crash, or a duplicate job) finished it
    source = await asyncio.to_thread(store_sources.get_source, engine, item.source_id)
    page = await ingest.crawler.fetch_page(item, source)
    if page is None:
        found = await asyncio.to_thread(get_queue_item, engine, item_id)
        state = found[1] if found else "missing"
        if state == "retry":
            raise PageRetryLater(item.url)
        return state
    # Ingested together with the pages of the worker's other running jobs; returns once this one is stored.
    await ingest.batcher.submit(page)
    return "done"


async def schedule_due_feeds(context: JobContext, timestamp: int) -> int:
    """Every minute: queue polls of the feeds that are due."""
    return await defer_due_feeds(context.app, _ingest(context).engine)


async def sweep_stalled_work(context: JobContext, timestamp: int) -> int:
    """Every 5 s: re-queue the jobs of dead workers and give stranded items a page job; returns how many."""
    ingest = _ingest(context)
    recovered = await retry_stalled_jobs(context.app, ingest.stalled_after)
    for item_id in await asyncio.to_thread(stranded_item_ids, ingest.engine, _utcnow()):
        if await defer_page(context.app, item_id):
            log.warning("queued a page job for stranded item %s", item_id)
            recovered += 1
    return recovered


def recompute_rankings_hook(engine: Engine, now: datetime | None = None) -> int:
    """Rescore the stories active in the last days (importance decays with age); returns how many were rescored."""
    return rescore_recent_stories(engine, now or _utcnow())


async def recompute_rankings(context: JobContext, timestamp: int) -> int:
    """Every five minutes: refresh story scores (decay with age) through `recompute_rankings_hook`."""
    return await asyncio.to_thread(recompute_rankings_hook, _ingest(context).engine)


def build_blueprint() -> Blueprint:
    """Fresh task objects for one App (a Blueprint can be added to only one App, and tests build several)."""
    blueprint = Blueprint()
    blueprint.task(name="poll_feed", pass_context=True, retry=FEED_RETRY)(poll_feed)
    blueprint.task(name="fetch_page", pass_context=True, retry=PAGE_RETRY)(fetch_page)
    blueprint.periodic(cron="* * * * *")(blueprint.task(
        name="schedule_due_feeds", pass_context=True, queueing_lock="schedule_due_feeds")(schedule_due_feeds))
    blueprint.periodic(cron="*/5 * * * *")(blueprint.task(
        name="recompute_rankings", pass_context=True, queueing_lock="recompute_rankings")(recompute_rankings))
    # Every 5 s (the 6th cron field), ahead of the page jobs so a busy queue does not delay the recovery.
    blueprint.periodic(cron="* * * * * */5")(blueprint.task(
        name="sweep_stalled_work", pass_context=True, queueing_lock="sweep_stalled_work",
        priority=SWEEP_PRIORITY)(sweep_stalled_work))
    return blueprint
