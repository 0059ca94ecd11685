"""`IngestBatcher`: the pages of a worker's concurrent jobs are ingested together, and one bad page fails alone."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime

import pytest
from sqlalchemy import text

from svodka.models import Article
from svodka.pipeline import PageToIngest, Pipeline
from svodka.queue.batching import IngestBatcher
from svodka.settings import Settings
from svodka.store.db import open_database

NOW = datetime(2026, 11, 20, 12, 0)


def _page(n: int) -> PageToIngest:
    url = f"https://example.kz/news/{n}"
    return PageToIngest(article=Article(url=url, canonical_url=url, title=f"Новость номер {n}",
                                        text=f"Текст новости номер {n} о погоде в Алматы."),
                        source_id=None, fetched_at=NOW)


def _gated(ingest, gate: threading.Event, batches: list[list[str]]):  # type: ignore[no-untyped-def]
    """`ingest` that records each batch's URLs and holds the first batch until `gate` is set."""
    def run(pages: list[PageToIngest]) -> list[int]:
        batches.append([p.article.url for p in pages])
        if len(batches) == 1:
            assert gate.wait(timeout=60)
        return ingest(pages)
    return run


def test_pages_arriving_during_a_batch_are_ingested_together(database_url: str) -> None:
    engine = open_database(database_url)
    pipeline = Pipeline(engine, Settings(database_url=database_url), enrich=False, cluster=False)
    gate, batches = threading.Event(), []
    batcher = IngestBatcher(_gated(pipeline.ingest, gate, batches), max_batch=4)

    async def scenario() -> list[int]:
        first = asyncio.create_task(batcher.submit(_page(0)))
        while not batches:  # the first page's batch is running (and held)
            await asyncio.sleep(0.01)
        rest = [asyncio.create_task(batcher.submit(_page(n))) for n in range(1, 7)]
        await asyncio.sleep(0.05)
        gate.set()
        ids = await asyncio.gather(first, *rest)
        await batcher.close()
        return ids

    ids = asyncio.run(scenario())
    urls = [f"https://example.kz/news/{n}" for n in range(7)]
    # The six pages that waited behind the first went in two batches, at most max_batch each, in arrival order.
    assert batches == [urls[:1], urls[1:5], urls[5:]]
    assert (batcher.batches, batcher.pages) == (3, 7)
    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT canonical_url, id FROM articles")).all())
    assert ids == [stored[url] for url in urls]


def test_a_page_that_breaks_its_batch_fails_alone() -> None:
    gate, batches = threading.Event(), []

    def ingest(pages: list[PageToIngest]) -> list[int]:
        if any("broken" in (p.article.title or "") for p in pages):
            raise ValueError("cannot store this page")
        return [int(p.article.url.rsplit("/", 1)[1]) for p in pages]

    batcher = IngestBatcher(_gated(ingest, gate, batches))
    broken = _page(2)
    broken.article.title = "broken page"

    async def scenario() -> list[int | BaseException]:
        first = asyncio.create_task(batcher.submit(_page(0)))
        while not batches:
            await asyncio.sleep(0.01)
        rest = [asyncio.create_task(batcher.submit(page)) for page in (_page(1), broken, _page(3))]
        await asyncio.sleep(0.05)
        gate.set()
        results = await asyncio.gather(first, *rest, return_exceptions=True)
        await batcher.close()
        return results

    first, one, failed, three = asyncio.run(scenario())
    assert (first, one, three) == (0, 1, 3)
    assert isinstance(failed, ValueError)
    # The batch of three failed, then each page was tried alone.
    assert batches[1] == [f"https://example.kz/news/{n}" for n in (1, 2, 3)]
    assert len(batches) == 5


def test_a_batcher_is_reusable_after_it_went_idle() -> None:
    batcher = IngestBatcher(lambda pages: [len(p.article.url) for p in pages])

    async def scenario() -> tuple[int, int]:
        first = await batcher.submit(_page(1))
        second = await batcher.submit(_page(22))  # the flusher of the first batch has finished by now
        await batcher.close()
        return first, second

    assert asyncio.run(scenario()) == (len("https://example.kz/news/1"), len("https://example.kz/news/22"))


@pytest.mark.parametrize("max_batch", [0, -3])
def test_max_batch_is_at_least_one(max_batch: int) -> None:
    assert IngestBatcher(lambda pages: [], max_batch=max_batch).max_batch == 1
