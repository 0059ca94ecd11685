"""Feeds we publish: RSS 2.0 and Atom 1.0 from plain items, and the OPML list of our sources.

Written with lxml so every piece of text is escaped by the serializer, never by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime

from lxml import etree

from svodka.store.read import SourceInfo

ATOM_NS = "http://www.w3.org/2005/Atom"
GENERATOR = "svodka"


@dataclass
class FeedItem:
    title: str
    link: str
    guid: str
    published: datetime | None = None
    updated: datetime | None = None
    summary: str | None = None
    categories: list[str] = field(default_factory=list)
    author: str | None = None


@dataclass
class FeedMeta:
    title: str
    link: str
    self_url: str
    description: str
    updated: datetime | None = None


def _aware(value: datetime | None) -> datetime:
    value = value or datetime.now(UTC)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _clean(value: str | None) -> str:
    """Text safe for XML 1.0: control characters that would make the document ill-formed are dropped."""
    if not value:
        return ""
    return "".join(ch for ch in value if ch in "\t\n\r" or ord(ch) >= 0x20 and ch not in "\ufffe\uffff")


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrib: str) -> etree._Element:
    node = etree.SubElement(parent, tag, {k: _clean(v) for k, v in attrib.items()})
    if text is not None:
        node.text = _clean(text)
    return node


def feed_updated(items: Sequence[FeedItem], fallback: datetime | None = None) -> datetime:
    """The newest time among the items (what Last-Modified and <updated> should say)."""
    times = [i.updated or i.published for i in items if (i.updated or i.published)]
    return _aware(max((_aware(t) for t in times), default=None) or fallback)


def rss(meta: FeedMeta, items: Sequence[FeedItem]) -> bytes:
    """An RSS 2.0 document (with atom:link rel="self", as validators ask)."""
    root = etree.Element("rss", nsmap={"atom": ATOM_NS}, version="2.0")
    channel = _sub(root, "channel")
    _sub(channel, "title", meta.title)
    _sub(channel, "link", meta.link)
    _sub(channel, "description", meta.description)
    _sub(channel, "language", "ru")
    _sub(channel, "generator", GENERATOR)
    _sub(channel, "lastBuildDate", format_datetime(feed_updated(items, meta.updated)))
    _sub(channel, f"{{{ATOM_NS}}}link", href=meta.self_url, rel="self", type="application/rss+xml")
    for item in items:
        node = _sub(channel, "item")
        _sub(node, "title", item.title)
        _sub(node, "link", item.link)
        _sub(node, "guid", item.guid, isPermaLink="true" if item.guid == item.link else "false")
        if item.published:
            _sub(node, "pubDate", format_datetime(_aware(item.published)))
        if item.summary:
            _sub(node, "description", item.summary)
        for category in item.categories:
            _sub(node, "category", category)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def atom(meta: FeedMeta, items: Sequence[FeedItem]) -> bytes:
    """An Atom 1.0 document; the feed-level author satisfies the rule that every entry has one."""
    root = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    root.set("{http://www.w3.org/XML/1998/namespace}lang", "ru")
    _sub(root, f"{{{ATOM_NS}}}id", meta.self_url)
    _sub(root, f"{{{ATOM_NS}}}title", meta.title)
    _sub(root, f"{{{ATOM_NS}}}subtitle", meta.description)
    _sub(root, f"{{{ATOM_NS}}}updated", feed_updated(items, meta.updated).isoformat())
    _sub(root, f"{{{ATOM_NS}}}link", href=meta.link, rel="alternate", type="text/html")
    _sub(root, f"{{{ATOM_NS}}}link", href=meta.self_url, rel="self", type="application/atom+xml")
    author = _sub(root, f"{{{ATOM_NS}}}author")
    _sub(author, f"{{{ATOM_NS}}}name", "Сводка")
    _sub(root, f"{{{ATOM_NS}}}generator", GENERATOR)
    for item in items:
        entry = _sub(root, f"{{{ATOM_NS}}}entry")
        _sub(entry, f"{{{ATOM_NS}}}id", item.guid)
        _sub(entry, f"{{{ATOM_NS}}}title", item.title)
        _sub(entry, f"{{{ATOM_NS}}}link", href=item.link, rel="alternate", type="text/html")
        _sub(entry, f"{{{ATOM_NS}}}updated", _aware(item.updated or item.published).isoformat())
        if item.published:
            _sub(entry, f"{{{ATOM_NS}}}published", _aware(item.published).isoformat())
        if item.author:
            _sub(_sub(entry, f"{{{ATOM_NS}}}author"), f"{{{ATOM_NS}}}name", item.author)
        if item.summary:
            _sub(entry, f"{{{ATOM_NS}}}summary", item.summary, type="text")
        for category in item.categories:
            _sub(entry, f"{{{ATOM_NS}}}category", term=category)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def sources_opml(items: Sequence[SourceInfo], title: str = "Источники Сводки") -> bytes:
    """OPML 2.0 with one outline per feed (type "rss"), grouped by nothing: readers import it as is."""
    root = etree.Element("opml", version="2.0")
    head = _sub(root, "head")
    _sub(head, "title", title)
    _sub(head, "dateCreated", format_datetime(datetime.now(UTC)))
    body = _sub(root, "body")
    for source in items:
        attrib = {"type": "rss", "text": source.name, "title": source.name, "xmlUrl": source.feed_url}
        if source.site_url:
            attrib["htmlUrl"] = source.site_url
        if source.category:
            attrib["category"] = source.category
        etree.SubElement(body, "outline", {k: _clean(v) for k, v in attrib.items()})
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
