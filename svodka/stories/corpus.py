"""Real labelled data for the story benchmarks, read from `../shared/data` at run time (never copied).

- `event_pairs()`: the 40 crowd-labelled tgcontest pairs (same event or not), as two `ClusterItem`s each.
- `headline_pairs()`: ParaPhraser headline pairs with their class (-1 different, 0 loose, 1 strict).
- `fontanka_items(limit)`: Fontanka.ru articles with their own publication times (Moscow time).
- `bsnlp_items()`: BSNLP documents with the topic as gold label.
"""

from __future__ import annotations

import csv
import gzip
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlsplit

from svodka.corpora import require_shared_data
from svodka.stories.represent import ClusterItem

MOSCOW = timezone(timedelta(hours=3))
_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass
class EventPair:
    first: ClusterItem
    second: ClusterItem
    same: bool


@dataclass
class HeadlinePair:
    first: str
    second: str
    label: int


def source_of(url: str) -> str:
    """The outlet of an article: its host without "www."."""
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or "unknown"


def event_pairs() -> list[EventPair]:
    """Both tgcontest pools (train and exam), 40 pairs; OK means the same event."""
    csv.field_size_limit(10**9)
    root = require_shared_data("tgcontest", "clustering_pairs")
    pairs = []
    for name in ("ru_train_pool.tsv", "ru_exam_pool.tsv"):
        with (root / name).open(encoding="utf-8") as handle:
            for n, row in enumerate(csv.DictReader(handle, delimiter="\t")):
                items = []
                for side in ("first", "second"):
                    url = row[f"INPUT:{side}_url"]
                    items.append(ClusterItem(id=f"{name}:{n}:{side}", url=url, title=row[f"INPUT:{side}_title"],
                                             text=row[f"INPUT:{side}_text"], published=_EPOCH,
                                             source=source_of(url)))
                pairs.append(EventPair(items[0], items[1], row["GOLDEN:quality"].strip() == "OK"))
    return pairs


def headline_pairs() -> list[HeadlinePair]:
    """ParaPhraser pairs of news headlines."""
    path = require_shared_data("paraphraser", "paraphrases.xml")
    pairs = []
    for node in ET.parse(path).getroot().iter("paraphrase"):
        values = {v.get("name"): (v.text or "") for v in node.iter("value")}
        pairs.append(HeadlinePair(values["text_1"], values["text_2"], int(values["class"])))
    return pairs


def fontanka_items(limit: int | None = None) -> Iterator[tuple[ClusterItem, str]]:
    """Fontanka.ru articles (with their rubric) in file order; `published` is their own Moscow time."""
    csv.field_size_limit(10**9)
    path = require_shared_data("rubrics", "fontanka", "fontanka_2022_2023.csv.gz")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for n, row in enumerate(csv.DictReader(handle)):
            if limit is not None and n >= limit:
                return
            try:
                published = datetime.fromisoformat(row["datetime"]).replace(tzinfo=MOSCOW)
            except ValueError:
                continue
            yield ClusterItem(id=f"fontanka:{n}", url=row["url"], title=row["title"], text=row["content"],
                              published=published, source="fontanka.ru"), row["topic"]


def bsnlp_items() -> list[tuple[ClusterItem, str]]:
    """BSNLP Russian documents with their topic; undated ones get the corpus epoch."""
    from svodka.corpora.bsnlp import iter_documents

    items = []
    for doc in iter_documents():
        url = doc.url or f"https://bsnlp.invalid/{doc.doc_id}"
        items.append((ClusterItem(id=f"bsnlp:{doc.topic}:{doc.doc_id}", url=url, title=doc.title, text=doc.text,
                                  published=_EPOCH, source=source_of(url)), doc.topic))
    return items
