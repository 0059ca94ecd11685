"""Batch drivers over the pipeline: importing a JSONL corpus and reprocessing what is stored."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, get_args
from urllib.parse import urlsplit

from sqlalchemy import Engine

from svodka.extract.article import NotAnArticle, extract_article
from svodka.feeds.urls import is_http_url
from svodka.models import Article, Block, BlockKind, Image, SourceRef
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


_TEXT_FIELDS = ("canonical_url", "title", "published", "modified", "lead", "text", "section", "language")
_LIST_FIELDS = ("authors", "credits", "site_tags")
_BLOCK_KINDS = frozenset(get_args(BlockKind))
# Dates outside these years are junk and would overflow when converted to UTC for storage.
_MIN_YEAR, _MAX_YEAR = 1900, 2100


def clean_text(text: str) -> str:
    """`text` without NUL (PostgreSQL refuses it in text) and with lone surrogates (JSON "\\ud800") as U+FFFD."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").replace("\x00", "")


def _optional_text(record: dict[str, Any], name: str) -> str | None:
    value = record.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"'{name}' must be a string, not {type(value).__name__}")
    return clean_text(value)


def _text_list(record: dict[str, Any], name: str) -> list[str]:
    value = record.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"'{name}' must be a list of strings")
    return [clean_text(item) for item in value]


def _usable_date(value: str | None) -> str | None:
    """An ISO 8601 date kept only when it parses to a year in range (else the article gets its fetch time)."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if _MIN_YEAR <= parsed.year <= _MAX_YEAR else None


def _blocks(record: dict[str, Any]) -> list[Block]:
    value = record.get("blocks")
    if value is None:
        return []
    if not isinstance(value, list) or not all(
            isinstance(item, dict) and item.get("kind") in _BLOCK_KINDS and isinstance(item.get("text"), str)
            for item in value):
        raise ValueError(f"'blocks' must be a list of {{kind, text}} with kind one of {sorted(_BLOCK_KINDS)}")
    return [Block(item["kind"], clean_text(item["text"])) for item in value]


def _image(record: dict[str, Any]) -> Image | None:
    value = record.get("image")
    if not value:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("url"), str):
        raise ValueError("'image' must be an object with a 'url'")
    return Image(clean_text(value["url"]), _optional_text(value, "caption"), _optional_text(value, "credit"))


def _origin(record: dict[str, Any]) -> SourceRef | None:
    """The outlet a story was rewritten from: `origin` in the export format, or an object under `source`."""
    value = record.get("origin") if isinstance(record.get("origin"), dict) else record.get("source")
    if not isinstance(value, dict) or not value:
        return None
    if not isinstance(value.get("name"), str):
        raise ValueError("'origin' must be an object with a 'name'")
    return SourceRef(clean_text(value["name"]), _optional_text(value, "url"))


def _article_from_record(record: dict[str, Any]) -> Article:
    """An Article from an export line or a minimal {url, title, text, published, source} line.

    Raises ValueError saying which field is wrong: no http(s) url, neither title nor text, a field of the wrong
    type. Text loses NUL characters and lone surrogates; a date that cannot be stored is dropped.
    """
    url = record.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")) or not is_http_url(url):
        raise ValueError("missing or invalid 'url'")
    texts = {name: _optional_text(record, name) for name in _TEXT_FIELDS}
    if not (texts["title"] or texts["text"]):
        raise ValueError("needs a 'title' or a 'text'")
    canonical = texts["canonical_url"]
    article = Article(
        url=clean_text(url), canonical_url=canonical if canonical and is_http_url(canonical) else None,
        title=texts["title"], published=_usable_date(texts["published"]), modified=_usable_date(texts["modified"]),
        lead=texts["lead"], text=texts["text"] or "", section=texts["section"], language=texts["language"],
        blocks=_blocks(record), image=_image(record), source=_origin(record),
        **{name: _text_list(record, name) for name in _LIST_FIELDS},
    )
    if not article.blocks and article.text:
        article.blocks = [Block("paragraph", p.strip()) for p in article.text.split("\n") if p.strip()]
    return article


def read_import_line(line: str) -> tuple[Article, str | None]:
    """One line of `svodka import` -> (the article, the outlet's name if the line gives one).

    Raises ValueError with the reason for anything else: invalid JSON (nested too deep included), not an object,
    a missing or wrong field.
    """
    try:
        record = json.loads(line)
    except RecursionError as error:
        raise ValueError("JSON nested too deeply") from error
    if not isinstance(record, dict):
        raise ValueError("a line must be a JSON object")
    article = _article_from_record(record)
    name = next((record[key] for key in ("source_name", "source")
                 if isinstance(record.get(key), str) and record[key].strip()), "")
    return article, clean_text(name).strip() or None


def import_articles_jsonl(
    pipeline: Pipeline, lines: Iterable[str], *, on_progress: Callable[[int], None] | None = None
) -> BatchReport:
    """Load articles (export format or minimal lines) through enrichment, stories and the search index.

    A line that is not a usable article is counted in `failed` with its reason; it never stops the batch.
    """
    report = BatchReport()
    sources = _ImportSources(pipeline.engine)

    def pages() -> Iterator[PageToIngest]:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                article, name = read_import_line(line)
            except ValueError as error:
                report.fail(f"line {number}", str(error))
                continue
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
