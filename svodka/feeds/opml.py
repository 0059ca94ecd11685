"""OPML 2.0 subscription lists <-> FeedLink, read with the safe lxml parser."""

from __future__ import annotations

import logging

from lxml import etree

from svodka.feeds.errors import FeedParseError
from svodka.feeds.safexml import declares_entities, local_name, parse_xml
from svodka.feeds.urls import is_http_url
from svodka.models import FeedLink

__all__ = ["TIMEZONE_ATTRIBUTE", "read_opml", "write_opml"]

log = logging.getLogger(__name__)

# Our own outline attribute: the time zone the source writes its naive dates in.
TIMEZONE_ATTRIBUTE = "svodkaTimezone"


def _attribute(element: etree._Element, name: str) -> str | None:
    """An outline attribute matched without regard to case (real OPML files write xmlurl, XMLURL...)."""
    lowered = name.lower()
    for key, value in element.attrib.items():
        if local_name(key).lower() == lowered:
            return value.strip() or None
    return None


def _is_http(url: str | None) -> bool:
    """An absolute http(s) URL with a valid host and port ("http://[::1" or "http://a.kz:99999/" are not)."""
    return bool(url) and is_http_url(url)  # type: ignore[arg-type]


def _walk(element: etree._Element, category: str | None, links: list[FeedLink]) -> None:
    for outline in element:
        if local_name(outline.tag) != "outline":
            continue
        name = _attribute(outline, "title") or _attribute(outline, "text")
        feed_url = _attribute(outline, "xmlUrl")
        if feed_url is None:
            # An outline without a feed is a folder: its name is the category of what it holds.
            _walk(outline, name or category, links)
            continue
        if not _is_http(feed_url):
            log.warning("OPML outline %r skipped: feed URL %r is not http(s)", name, feed_url)
            continue
        site_url = _attribute(outline, "htmlUrl")
        links.append(
            FeedLink(
                feed_url=feed_url,
                title=name,
                site_url=site_url if _is_http(site_url) else None,
                timezone=_attribute(outline, TIMEZONE_ATTRIBUTE),
                category=category or _attribute(outline, "category"),
            )
        )
        _walk(outline, category, links)


def read_opml(data: bytes) -> list[FeedLink]:
    """The feeds of an OPML document, in document order.

    Nested outlines are followed; the title (or text) of the enclosing folder outline becomes the category, else
    the outline's own `category` attribute. `svodkaTimezone` gives the source's time zone. Outlines whose
    xmlUrl is not http(s) are skipped. Raises FeedParseError when `data` is not an OPML document or declares
    XML entities (the shape of billion-laughs and XXE attacks).
    """
    if not data or not data.strip():
        raise FeedParseError("empty OPML document")
    if declares_entities(data):
        raise FeedParseError("OPML declares XML entities: refused")
    try:
        root = parse_xml(data)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise FeedParseError(f"OPML is not well-formed XML: {exc}") from exc
    if local_name(root.tag).lower() != "opml":
        raise FeedParseError(f"not OPML: the root element is {local_name(root.tag) or 'missing'}")
    body = next((child for child in root if local_name(child.tag) == "body"), None)
    if body is None:
        raise FeedParseError("OPML without a <body>")
    links: list[FeedLink] = []
    _walk(body, None, links)
    return links


def _outline(parent: etree._Element, link: FeedLink) -> None:
    title = link.title or link.feed_url
    outline = etree.SubElement(parent, "outline", {"type": "rss", "text": title, "title": title})
    outline.set("xmlUrl", link.feed_url)
    if link.site_url:
        outline.set("htmlUrl", link.site_url)
    if link.timezone:
        outline.set(TIMEZONE_ATTRIBUTE, link.timezone)


def write_opml(links: list[FeedLink], title: str = "svodka") -> bytes:
    """An OPML 2.0 document (UTF-8 bytes) listing `links`, grouped into one folder outline per category.

    Categories appear in the order of their first link; links without one come first, at the top level.
    `read_opml(write_opml(links))` gives the links back (grouped by category).
    """
    root = etree.Element("opml", {"version": "2.0"})
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    body = etree.SubElement(root, "body")
    folders: dict[str, etree._Element] = {}
    for link in links:
        if link.category is None:
            _outline(body, link)
    for link in links:
        if link.category is None:
            continue
        if link.category not in folders:
            folders[link.category] = etree.SubElement(body, "outline", {"text": link.category,
                                                                        "title": link.category})
        _outline(folders[link.category], link)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
