"""The JSON-lines form of enrichment behind `svodka tag`: one output line per input line, order kept.

In: lines `{"id", "title", "text", "lead"?, "section"?, "feed_categories"?}`. Out: lines of `Enrichment.to_json()`.
A line that is not a usable document (invalid JSON, no id, no text) gets an output line with `"error"` (and its id
when known); it never stops the batch.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from svodka.enrich.tagger import Enricher
from svodka.enrich.types import EnrichInput, Enrichment

# Lines read, enriched and written per round: bounds memory while keeping the worker pool busy.
ROUND_LINES = 256
PROGRESS_MIN_LINES = 50


@dataclass
class TagStats:
    lines: int = 0
    errors: int = 0
    entities: int = 0


def _clean(text: str) -> str:
    """`text` writable as UTF-8 JSON: lone surrogates ("\\ud800" in the input) become U+FFFD, NUL goes."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").replace("\x00", "")


def _text_field(value: Any) -> str:
    if value is None:
        return ""
    return _clean(value if isinstance(value, str) else str(value))


def parse_line(line: str) -> EnrichInput | Enrichment:
    """A document from one input line, or an `Enrichment` carrying the reason it is not one."""
    try:
        data = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return Enrichment(id=None, error=f"invalid JSON: {exc.msg if hasattr(exc, 'msg') else exc}")
    except (ValueError, RecursionError) as exc:  # a number of thousands of digits, nesting deeper than Python's stack
        return Enrichment(id=None, error=f"invalid JSON: {type(exc).__name__}")
    if not isinstance(data, dict):
        return Enrichment(id=None, error="a line must be a JSON object")
    doc_id = data.get("id")
    if doc_id is None or doc_id == "":
        return Enrichment(id=None, error="missing id")
    if isinstance(doc_id, (dict, list)) or (isinstance(doc_id, float) and not math.isfinite(doc_id)):
        return Enrichment(id=None, error="id must be a string or a finite number")
    if isinstance(doc_id, str):
        doc_id = _clean(doc_id)
    categories = data.get("feed_categories") or data.get("categories") or []
    return EnrichInput(
        id=doc_id,
        title=_text_field(data.get("title")),
        text=_text_field(data.get("text")),
        lead=_text_field(data.get("lead")) or None,
        section=_text_field(data.get("section")) or None,
        feed_categories=[str(c) for c in categories] if isinstance(categories, list) else [],
    )


def _rounds(lines: Iterable[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for line in lines:
        if not line.strip():
            continue
        batch.append(line)
        if len(batch) >= ROUND_LINES:
            yield batch
            batch = []
    if batch:
        yield batch


def tag_lines(lines: Iterable[str], out: TextIO, workers: int = 1, total: int | None = None,
              progress: bool = True) -> TagStats:
    """Enrich every non-blank line of `lines` and write one JSON line each to `out`; returns counts."""
    stats = TagStats()
    bar = None
    if progress and (total is None or total >= PROGRESS_MIN_LINES):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        bar = Progress(TextColumn("tagging"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                       console=Console(stderr=True), transient=True)
        bar.start()
        task = bar.add_task("tag", total=total)
    try:
        with Enricher(workers=workers) as enricher:
            for round_lines in _rounds(lines):
                parsed = [parse_line(line) for line in round_lines]
                docs = [p for p in parsed if isinstance(p, EnrichInput)]
                enriched = iter(enricher.iter_enrich(docs))
                for item in parsed:
                    result = next(enriched) if isinstance(item, EnrichInput) else item
                    out.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
                    stats.lines += 1
                    stats.errors += bool(result.error)
                    stats.entities += len(result.entities)
                    if bar is not None:
                        bar.advance(task)
                out.flush()
    finally:
        if bar is not None:
            bar.stop()
    return stats
