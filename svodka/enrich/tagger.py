"""The `Enricher`: language, category, entities, tags and key figures of documents, in batches.

In: `EnrichInput` documents. Out: one `Enrichment` per document, in the same order. A document that cannot be
read (empty, binary garbage) gets an `error` and empty results; it never fails the batch. Small batches run in
this process; large ones are split over a pool of worker processes that each load the models once.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType
from typing import Any

from svodka.enrich.category import CATEGORY_NAMES_RU
from svodka.enrich.registry import Registry, default_registry
from svodka.enrich.types import EnrichInput, Enrichment, EntityTag

log = logging.getLogger(__name__)

MAX_TAGS = 6
# Entities below this share of the top entity's salience are not worth a tag.
MIN_TAG_SALIENCE = 0.25
# Batches smaller than this stay in-process: starting workers and loading models there costs seconds.
POOL_MIN_DOCS = 24
CHUNK_DOCS = 16
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\ufffd]")
_LETTER = re.compile(r"[^\W\d_]")


def readable_error(doc: EnrichInput) -> str | None:
    """Why a document cannot be enriched ("empty text", "binary data"), or None when it can."""
    text = (doc.title or "") + "\n" + (doc.text or "")
    if not text.strip():
        return "empty text"
    sample = text[:20_000]
    if len(_CONTROL.findall(sample)) > max(3, len(sample) // 100):
        return "binary data, not text"
    if not _LETTER.search(sample):
        return "no letters in text"
    return None


def _language(doc: EnrichInput) -> str:
    try:
        from svodka.enrich.language import detect_language
    except ImportError:
        return "ru"
    return detect_language(((doc.title or "") + "\n" + (doc.lead or "") + "\n" + doc.text)[:5000])


def _categories(docs: list[EnrichInput]) -> list[str | None]:
    try:
        from svodka.enrich.category import classify_many
    except ImportError:
        return [None] * len(docs)
    try:
        items = [(d.title or "", "\n".join(p for p in (d.lead, d.text[:20_000]) if p), d.section, d.feed_categories)
                 for d in docs]
        return list(classify_many(items))
    except Exception as exc:  # a broken model must not lose the entities of the batch
        log.warning("category model failed: %s", exc)
        return [None] * len(docs)


def _figures(doc: EnrichInput) -> list[dict[str, Any]]:
    try:
        from svodka.enrich.figures import extract_figures
    except ImportError:
        return []
    from dataclasses import asdict

    from svodka.enrich.entities import MAX_TEXT_CHARS

    return [asdict(f) for f in extract_figures(doc.text[:MAX_TEXT_CHARS])]


def choose_tags(entities: list[EntityTag], category: str | None, max_tags: int = MAX_TAGS) -> list[str]:
    """Tags shown under an article: the most salient entities, a topical tag of a top entity, the category."""
    # "Не новость" is a filter, not a tag a reader would follow.
    category_name = CATEGORY_NAMES_RU.get(category or "") if category != "not_news" else None
    topic = next((e.topic for e in entities[:3] if e.topic and e.salience >= MIN_TAG_SALIENCE), None)
    room = max_tags - bool(category_name) - bool(topic)
    tags: list[str] = []
    for entity in entities:
        if len(tags) >= room or (tags and entity.salience < MIN_TAG_SALIENCE):
            break
        if entity.name not in tags:
            tags.append(entity.name)
    for extra in (topic, category_name):
        if extra and extra not in tags:
            tags.append(extra)
    return tags


def enrich_batch(docs: list[EnrichInput], registry: Registry | None = None) -> list[Enrichment]:
    """Enrich documents in this process (the work a pool worker does for its chunk)."""
    from svodka.enrich.entities import extract_entities_many

    results: list[Enrichment] = [Enrichment(id=d.id) for d in docs]
    readable: list[int] = []
    for index, doc in enumerate(docs):
        error = readable_error(doc)
        if error:
            results[index].error = error
            continue
        try:
            results[index].language = _language(doc)
        except Exception as exc:
            results[index].error = f"language detection failed: {exc}"
            continue
        readable.append(index)
    categories = _categories([docs[i] for i in readable])
    russian = []
    for index, category in zip(readable, categories, strict=True):
        results[index].category = category
        try:
            results[index].figures = _figures(docs[index]) if results[index].language == "ru" else []
        except Exception as exc:
            log.warning("figures failed for %r: %s", docs[index].id, exc)
        if results[index].language == "ru":
            russian.append(index)
    try:
        found = extract_entities_many([docs[i] for i in russian], registry)
    except Exception as exc:
        # One bad document must not take the others down: retry them one by one.
        log.warning("batch entity extraction failed (%s); retrying one by one", exc)
        found = []
        for i in russian:
            try:
                found.append(extract_entities_many([docs[i]], registry)[0])
            except Exception as single:
                results[i].error = f"entity extraction failed: {single}"
                found.append([])
    for index, entities in zip(russian, found, strict=True):
        results[index].entities = entities
    for result in results:
        if not result.error:
            result.tags = choose_tags(result.entities, result.category)
    return results


def _warm_worker() -> None:
    """Load the models once when a worker process starts (the first chunk then costs no more than the rest)."""
    from svodka.enrich.entities import _models

    _models()
    default_registry()
    warm = EnrichInput("warm-up", "Токаев посетил Ташкент", "Инвестиции составят $10 млрд к 2030 году.")
    try:
        enrich_batch([warm])
    except Exception as exc:  # a broken optional model shows up per document later, not here
        log.warning("warm-up failed: %s", exc)


class Enricher:
    """Batch enrichment; use as a context manager (or call `close`) when `workers` > 1 to stop the pool."""

    def __init__(self, workers: int = 1, registry: Registry | None = None) -> None:
        self.workers = max(1, min(workers, os.cpu_count() or 1))
        self.registry = registry
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Enricher:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, initializer=_warm_worker)
        return self._pool

    def enrich(self, doc: EnrichInput) -> Enrichment:
        return self.enrich_many([doc])[0]

    def enrich_many(self, docs: list[EnrichInput]) -> list[Enrichment]:
        """One `Enrichment` per document, in input order."""
        return list(self.iter_enrich(docs))

    def iter_enrich(self, docs: list[EnrichInput]) -> Iterator[Enrichment]:
        """Like `enrich_many`, yielding results in order as chunks finish (for progress bars)."""
        small = len(docs) < POOL_MIN_DOCS and self._pool is None
        if self.workers == 1 or small or self.registry is not None:
            for start in range(0, len(docs), CHUNK_DOCS):
                yield from enrich_batch(docs[start: start + CHUNK_DOCS], self.registry)
            return
        chunks = [docs[start: start + CHUNK_DOCS] for start in range(0, len(docs), CHUNK_DOCS)]
        pool = self._get_pool()
        for chunk, results in zip(chunks, pool.map(enrich_batch, chunks), strict=True):
            if len(results) != len(chunk):
                results = [Enrichment(id=d.id, error="worker returned a bad result") for d in chunk]
            yield from results
