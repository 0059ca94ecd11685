"""`svodka cluster`: JSON lines of articles in, one `{"id", "story_id", "duplicate_of"}` per input line out.

Lines are processed in publication order (input order breaks ties), exactly as the live clusterer would see
them; the output keeps the input order. Bad lines are explained in the log and answered with nulls.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from svodka.stories.cluster import Assignment, ClusterSettings, StoryClusterer
from svodka.stories.corpus import source_of
from svodka.stories.represent import ClusterItem

log = logging.getLogger(__name__)

# Clocks of sites drift and some feeds stamp tomorrow's date: small leads are kept, larger ones clamped.
FUTURE_TOLERANCE = timedelta(hours=1)
MIN_YEAR, MAX_YEAR = 1900, 2100


@dataclass
class ParsedLine:
    line_no: int
    item: ClusterItem | None
    raw_id: Any
    error: str | None = None


def parse_date(value: Any) -> datetime | None:
    """An aware datetime from an ISO 8601 string or a UNIX timestamp; naive values are taken as UTC.

    None for anything else, and for years outside MIN_YEAR..MAX_YEAR (junk, and the clusterer's time windows
    would overflow on them).
    """
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            parsed = datetime.fromtimestamp(float(value), tz=UTC)
        else:
            parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _clean(value: Any) -> Any:
    """Strings without lone surrogates (JSON "\\ud800"), which no output encoding can write; others unchanged."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return value


def parse_line(line_no: int, line: str, now: datetime) -> ParsedLine:
    """One JSON line -> ClusterItem, fixing what can be fixed (source, date) and logging why."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        log.warning("line %d: not JSON (%s): skipped", line_no, error.msg)
        return ParsedLine(line_no, None, None, "not JSON")
    except (ValueError, RecursionError) as error:  # a 5000-digit number, arrays nested 100,000 deep
        log.warning("line %d: not JSON (%s): skipped", line_no, error)
        return ParsedLine(line_no, None, None, "not JSON")
    if not isinstance(data, dict):
        log.warning("line %d: not a JSON object: skipped", line_no)
        return ParsedLine(line_no, None, None, "not an object")
    raw_id = _clean(data.get("id"))
    if isinstance(raw_id, dict | list) or isinstance(raw_id, float) and not math.isfinite(raw_id):
        raw_id = None  # echoed back in the output, where NaN or an object holding "\ud800" cannot be written
    if raw_id is None or isinstance(raw_id, bool):
        log.warning("line %d: no usable id: skipped", line_no)
        return ParsedLine(line_no, None, raw_id, "no id")
    title = _clean(str(data.get("title") or "")).strip()
    text = _clean(str(data.get("text") or "")).strip()
    url = _clean(str(data.get("url") or "")).strip()
    if not title and not text:
        log.warning("line %d (id %s): neither title nor text: skipped", line_no, raw_id)
        return ParsedLine(line_no, None, raw_id, "empty")
    if not text:
        log.info("line %d (id %s): title only, clustering on the headline", line_no, raw_id)
    published = parse_date(data.get("published"))
    if published is None:
        log.info("line %d (id %s): no usable date (%r), using now", line_no, raw_id, data.get("published"))
        published = now
    elif published > now + FUTURE_TOLERANCE:
        log.info("line %d (id %s): date %s is in the future, clamped to now", line_no, raw_id, published.isoformat())
        published = now
    source = _clean(str(data.get("source") or "")).strip() or source_of(url)
    entity_ids = [_clean(str(e)) for e in data.get("entity_ids") or [] if isinstance(e, str | int)] \
        if isinstance(data.get("entity_ids"), list) else []
    item = ClusterItem(id=raw_id, url=url, title=title, text=text, published=published, source=source,
                       entity_ids=entity_ids)
    return ParsedLine(line_no, item, raw_id)


def cluster_lines(lines: Iterable[str], *, now: datetime | None = None, settings: ClusterSettings | None = None,
                  progress: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """Cluster a JSONL stream; returns one output record per non-blank input line, in input order."""
    now = now or datetime.now(UTC)
    parsed = [parse_line(n, line, now) for n, line in enumerate(lines, 1) if line.strip()]
    clusterer = StoryClusterer(settings)
    order = sorted((p for p in parsed if p.item is not None), key=lambda p: (p.item.published, p.line_no))  # type: ignore[union-attr]
    results: dict[int, Assignment] = {}
    first_line: dict[str, int] = {}
    # Folded story -> the story it went into (`merge_bridges`). The clusterer relabels the answers it still
    # remembers, but forgets those older than its window, so the output follows merges itself.
    folded_into: dict[int, int] = {}
    for done, entry in enumerate(order, 1):
        assert entry.item is not None
        key = f"{type(entry.item.id).__name__}:{entry.item.id}"
        if key in first_line:
            log.warning("line %d: id %s repeats line %d: same story reported", entry.line_no, entry.item.id,
                        first_line[key])
        first_line.setdefault(key, entry.line_no)
        results[entry.line_no] = clusterer.assign(entry.item)
        folded_into.update((story_id, results[entry.line_no].story_id) for story_id in results[entry.line_no].merged)
        if progress is not None:
            progress(done)
    output = []
    for entry in parsed:
        result = results.get(entry.line_no)
        record: dict[str, Any] = {"id": entry.raw_id,
                                  "story_id": _final_story(result.story_id, folded_into) if result else None,
                                  "duplicate_of": result.duplicate_of if result else None}
        if entry.error:
            record["error"] = entry.error
        output.append(record)
    return output


def _final_story(story_id: int, folded_into: dict[int, int]) -> int:
    """The story an answer ended in after every later merge."""
    seen: set[int] = set()
    while story_id in folded_into and story_id not in seen:
        seen.add(story_id)
        story_id = folded_into[story_id]
    return story_id
