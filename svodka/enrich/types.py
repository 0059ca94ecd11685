"""Dataclasses that go into and come out of enrichment (`Enricher.enrich_many`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

EntityType = Literal["PER", "LOC", "ORG"]
Field = Literal["title", "lead", "text"]


@dataclass
class EnrichInput:
    """One document to enrich; `feed_categories` are the RSS <category> values of its entry."""

    id: Any
    title: str | None
    text: str
    lead: str | None = None
    section: str | None = None
    feed_categories: list[str] = field(default_factory=list)


@dataclass
class Mention:
    """One occurrence of an entity: character offsets into the named field (title, lead or text)."""

    text: str
    start: int
    end: int
    field: str


@dataclass
class EntityTag:
    """One real-world entity of a document; `name` is its canonical nominative form (ё kept)."""

    name: str
    type: str
    entity_id: str
    slug: str
    salience: float
    mentions: list[Mention] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    topic: str | None = None
    # True when every mention is a country adjective ("российская сторона"): a weaker reference.
    adjective_only: bool = False


@dataclass
class Enrichment:
    """Everything enrichment found for one document; `error` is set (and the rest empty) when it failed."""

    id: Any
    language: str | None = None
    category: str | None = None
    entities: list[EntityTag] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    figures: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The `svodka tag` output record (entity aliases and topics are internal and left out)."""
        record: dict[str, Any] = {
            "id": self.id,
            "language": self.language,
            "category": self.category,
            "entities": [
                {
                    "name": e.name,
                    "type": e.type,
                    "entity_id": e.entity_id,
                    "slug": e.slug,
                    "salience": round(e.salience, 4),
                    "mentions": [asdict(m) for m in e.mentions],
                }
                for e in self.entities
            ],
            "tags": self.tags,
            "figures": self.figures,
        }
        if self.error:
            record["error"] = self.error
        return record
