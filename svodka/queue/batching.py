"""Group commit for page jobs: the pages a worker's jobs have in flight are ingested together, one batch at a time.

`Pipeline.ingest` costs about half as much CPU per article on a batch of pages as on one (the models work per batch,
the story lock is taken once, a touched story is refreshed once), so a worker with many `fetch_page` jobs running at
once hands their extracted pages to one `IngestBatcher`. While a batch is being ingested, the pages of the other jobs
wait; the next batch takes all of them. A job still finishes only when its own page is stored and its item is marked
done, so a crash mid-batch leaves every job of the batch running, and the stalled-job sweep queues them again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from svodka.pipeline import PageToIngest

log = logging.getLogger(__name__)

# Larger batches save little more CPU and make every job of the batch wait longer.
MAX_BATCH = 32


@dataclass
class _Waiting:
    page: PageToIngest
    done: asyncio.Future[int]


class IngestBatcher:
    """Collects pages from concurrent jobs of one event loop and ingests them in batches on one thread.

    `ingest_batch(pages) -> article ids` runs in a dedicated thread, one batch at a time (a worker's CPU goes to one
    batch instead of several competing for the GIL). Use `submit` from jobs and `close` when the worker stops.
    """

    def __init__(self, ingest_batch: Callable[[list[PageToIngest]], list[int]], max_batch: int = MAX_BATCH) -> None:
        self.ingest_batch = ingest_batch
        self.max_batch = max(1, max_batch)
        self.batches = 0
        self.pages = 0
        self._waiting: list[_Waiting] = []
        self._flusher: asyncio.Task[None] | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="svodka-ingest")

    async def submit(self, page: PageToIngest) -> int:
        """Ingest the page with whatever else is waiting; returns its article id, or raises the error of its ingest."""
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(page, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_all(), name="svodka ingest batches")
        # Shielded: a job cancelled while its batch runs must not leave the batch; it still gets the outcome.
        return await asyncio.shield(done)

    async def _flush_all(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting:
            batch, self._waiting = self._waiting[: self.max_batch], self._waiting[self.max_batch:]
            pages = [w.page for w in batch]
            try:
                ids = await loop.run_in_executor(self._thread, self.ingest_batch, pages)
            except Exception as error:  # noqa: BLE001 - one bad page must fail its own job, not its batch-mates
                log.warning("batch of %d pages failed (%s); ingesting them one by one", len(batch), error)
                await self._ingest_one_by_one(batch)
                continue
            self.batches += 1
            self.pages += len(batch)
            for waiting, article_id in zip(batch, ids, strict=True):
                if not waiting.done.done():
                    waiting.done.set_result(article_id)

    async def _ingest_one_by_one(self, batch: list[_Waiting]) -> None:
        loop = asyncio.get_running_loop()
        for waiting in batch:
            try:
                [article_id] = await loop.run_in_executor(self._thread, self.ingest_batch, [waiting.page])
            except Exception as error:  # noqa: BLE001 - handed to the job, which fails (and is retried) alone
                if not waiting.done.done():
                    waiting.done.set_exception(error)
                continue
            self.batches += 1
            self.pages += 1
            if not waiting.done.done():
                waiting.done.set_result(article_id)

    async def close(self) -> None:
        """Let the running batch finish, then stop the thread."""
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)
        self._thread.shutdown(wait=True)
