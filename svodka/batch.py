"""Batch drivers over the pipeline: importing a JSONL corpus and reprocessing what is stored."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy import Engine

from svodka.extract.article import NotAnArticle, extract_article
from svodka.models import Article, Block
from svodka.pipeline import PageToIngest, Pipeline
from svodka.store import articles as store_articles
from svodka.store import sources as store_sources

log = logging.getLogger(__name__)
BATCH_SIZE = 32


@dataclass
class BatchReport:
    done: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def fail(self, where: str, message: str) -> None:
        self.failed += 1
        if len(self.errors) < 50:
            self.errors.append(f"{where}: {message}")
        log.warning("%s: %s", where, message)


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _chunks(items: Iterable[PageToIngest], size: int) -> Iterator[list[PageToIngest]]:
    chunk: list[PageToIngest] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _ingest_in_chunks(pipeline: Pipeline, pages: Iterable[PageToIngest], report: BatchReport,
                      on_progress: Callable[[int], None] | None) -> BatchReport:
    for chunk in _chunks(pages, BATCH_SIZE):
        pipeline.ingest(chunk)
        report.done += len(chunk)
        if on_progress:
            on_progress(len(chunk))
    return report


class _ImportSources:
    """Sources for imported articles: one inactive (never polled) source per outlet name or host."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.ids: dict[str, int] = {}

    def id_for(self, name: str | None, url: str) -> int:
        label = (name or urlsplit(url).hostname or "import").removeprefix("www.")
        if label not in self.ids:
            source, created = store_sources.add_source(
                self.engine, f"import://{label}", name=label, site_url=f"https://{urlsplit(url).hostname}/"
                if urlsplit(url).hostname else None, kind="import", now=_utcnow())
            if created:
                store_sources.remove_source(self.engine, source.id)
            self.ids[label] = source.id
        return self.ids[label]


def _article_from_record(record: dict) -> Article:
    """An Article from an export line or a minimal {url, title, text, published, source} line."""
    if not isinstance(record.get("url"), str) or not record["url"].startswith(("http://", "https://")):
        raise ValueError("missing or invalid 'url'")
    if not (record.get("title") or record.get("text")):
        raise ValueError("needs a 'title' or a 'text'")
    data = dict(record)
    if isinstance(data.get("source"), str):
        data.pop("source")
    if isinstance(data.get("origin"), dict):
        data["source"] = data.pop("origin")
    article = Article.from_dict(data)
    if not article.blocks and article.text:
        article.blocks = [Block("paragraph", p.strip()) for p in article.text.split("\n") if p.strip()]
    return article


def import_articles_jsonl(
    pipeline: Pipeline, lines: Iterable[str], *, on_progress: Callable[[int], None] | None = None
) -> BatchReport:
    """Load articles (export format or minimal lines) through enrichment, stories and the search index."""
    report = BatchReport()
    sources = _ImportSources(pipeline.engine)

    def pages() -> Iterator[PageToIngest]:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError("a line must be a JSON object")
                article = _article_from_record(record)
            except ValueError as error:
                report.fail(f"line {number}", str(error))
                continue
            name = record.get("source_name") or (record["source"] if isinstance(record.get("source"), str) else None)
            yield PageToIngest(article=article, source_id=sources.id_for(name, article.url), fetched_at=_utcnow())

    return _ingest_in_chunks(pipeline, pages(), report, on_progress)


def reprocess_stored(
    pipeline: Pipeline, *, default_timezone: str, on_progress: Callable[[int], None] | None = None
) -> BatchReport:
    """Re-extract every kept raw page with the current code and run it through the pipeline again."""
    engine = pipeline.engine
    report = BatchReport()
    zones = {s.id: s.timezone for s in store_sources.list_sources(engine)}
    source_by_url = store_articles.source_ids_by_queue_url(engine)

    def pages() -> Iterator[PageToIngest]:
        for page in store_articles.iter_raw_pages(engine):
            source_id = source_by_url.get(page["url"])
            try:
                article = extract_article(page["body"], page["final_url"] or page["url"],
                                          fetched_at=page["fetched_at"].replace(tzinfo=UTC),
                                          timezone=zones.get(source_id) or default_timezone)
            except NotAnArticle as error:
                report.fail(page["url"], f"not an article: {error}")
                continue
            except Exception as error:  # one bad page must not stop a reprocess of thousands
                report.fail(page["url"], f"{type(error).__name__}: {error}")
                continue
            yield PageToIngest(article=article, source_id=source_id, fetched_at=page["fetched_at"])

    return _ingest_in_chunks(pipeline, pages(), report, on_progress)
