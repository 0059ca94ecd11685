"""BSNLP 2017/2019 shared-task data (Russian part): raw documents and their entity annotations."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from svodka.corpora import require_shared_data

ANNOTATED_TOPICS = ("asia_bibi", "brexit", "nord_stream", "ec", "trump")
ALL_TOPICS = (*ANNOTATED_TOPICS, "covid-19", "us_election_2020")


@dataclass
class Annotation:
    mention: str
    base: str
    type: str
    entity_id: str


@dataclass
class BsnlpDocument:
    doc_id: str
    topic: str
    language: str
    date: str | None
    url: str | None
    title: str
    text: str
    annotations: list[Annotation] = field(default_factory=list)


def _read_raw(path: Path, topic: str) -> BsnlpDocument:
    lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
    lines += [""] * (5 - len(lines))
    return BsnlpDocument(
        doc_id=lines[0].strip(),
        topic=topic,
        language=lines[1].strip(),
        date=lines[2].strip() or None,
        url=lines[3].strip() or None,
        title=lines[4].strip(),
        text="\n".join(lines[5:]).strip(),
    )


def _read_annotations(path: Path) -> tuple[str, list[Annotation]]:
    lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
    items = []
    for line in lines[1:]:
        parts = line.rstrip("\r").split("\t")
        if len(parts) >= 4:
            items.append(Annotation(parts[0].strip(), parts[1].strip(), parts[2].strip(), parts[3].strip()))
    return lines[0].strip(), items


def iter_documents(topics: tuple[str, ...] = ALL_TOPICS, annotated_only: bool = False) -> Iterator[BsnlpDocument]:
    """Yield Russian BSNLP documents, with annotations attached where the topic has them."""
    root = require_shared_data("bsnlp")
    for topic in topics:
        topic_dir = root / topic
        if not topic_dir.is_dir():
            continue
        annotations: dict[str, list[Annotation]] = {}
        for ann_path in sorted((topic_dir / "annotated").rglob("*")) if (topic_dir / "annotated").is_dir() else []:
            if ann_path.is_file():
                doc_id, items = _read_annotations(ann_path)
                annotations[doc_id] = items
        for raw_path in sorted((topic_dir / "raw").rglob("*")):
            if not raw_path.is_file():
                continue
            doc = _read_raw(raw_path, topic)
            if doc.doc_id in annotations:
                doc.annotations = annotations[doc.doc_id]
            elif annotated_only:
                continue
            yield doc
