"""Plain dataclasses passed between pipeline stages. No behaviour beyond (de)serialisation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

BlockKind = Literal["heading", "paragraph", "quote", "list"]


@dataclass
class Block:
    kind: BlockKind
    text: str


@dataclass
class Image:
    url: str
    caption: str | None = None
    credit: str | None = None


@dataclass
class SourceRef:
    """The original outlet of a rewritten story ("…, сообщает prosud.kz")."""

    name: str
    url: str | None = None


@dataclass
class Article:
    """What extraction gives for one page. Dates are ISO 8601 strings that keep the page's UTC offset."""

    url: str
    canonical_url: str | None = None
    title: str | None = None
    published: str | None = None
    modified: str | None = None
    authors: list[str] = field(default_factory=list)
    lead: str | None = None
    blocks: list[Block] = field(default_factory=list)
    text: str = ""
    image: Image | None = None
    credits: list[str] = field(default_factory=list)
    source: SourceRef | None = None
    site_tags: list[str] = field(default_factory=list)
    section: str | None = None
    language: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["blocks"] = [Block(**b) for b in known.get("blocks") or []]
        image = known.get("image")
        known["image"] = Image(**image) if image else None
        source = known.get("source")
        known["source"] = SourceRef(**source) if source else None
        known["authors"] = list(known.get("authors") or [])
        known["credits"] = list(known.get("credits") or [])
        known["site_tags"] = list(known.get("site_tags") or [])
        return cls(**known)


@dataclass
class FeedEntry:
    """One item announced by a feed or sitemap."""

    url: str
    title: str | None = None
    published: str | None = None
    summary: str | None = None
    categories: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    image_url: str | None = None


@dataclass
class ParsedFeed:
    kind: Literal["rss", "atom", "rdf", "sitemap", "sitemapindex"]
    title: str | None = None
    site_url: str | None = None
    entries: list[FeedEntry] = field(default_factory=list)
    ttl_minutes: int | None = None
    # Child sitemaps of a sitemap index.
    children: list[str] = field(default_factory=list)


@dataclass
class FeedLink:
    """A source as found in OPML or by discovery."""

    feed_url: str
    title: str | None = None
    site_url: str | None = None
    timezone: str | None = None
    category: str | None = None


@dataclass
class Source:
    """A polled feed (or sitemap) of one outlet, with its politeness state."""

    id: int
    slug: str
    name: str
    feed_url: str
    site_url: str | None = None
    kind: str = "rss"
    timezone: str | None = None
    category: str | None = None
    active: bool = True
    etag: str | None = None
    last_modified: str | None = None
    poll_interval: int = 3600
    next_poll_at: datetime | None = None
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    last_status: int | None = None
    last_error: str | None = None
    error_count: int = 0
    consecutive_errors: int = 0


@dataclass
class QueueItem:
    """A page announced by a feed and waiting to be fetched (the feed_items table)."""

    id: int
    source_id: int
    url: str
    title: str | None = None
    published: str | None = None
    categories: list[str] = field(default_factory=list)
    attempts: int = 0
