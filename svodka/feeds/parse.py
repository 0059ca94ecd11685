"""Feed bytes -> ParsedFeed: RSS 0.9x/1.0 (RDF)/2.0 and Atom through feedparser, sitemaps through lxml."""

from __future__ import annotations

import io
import logging
import re
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.html
from lxml import etree

from svodka.feeds.dates import sort_key, to_iso8601
from svodka.feeds.errors import FeedParseError
from svodka.feeds.safexml import local_name, root_name, safe_xml_parser
from svodka.feeds.sitemap import SITEMAP_ROOTS, parse_sitemap
from svodka.feeds.urls import is_http_url
from svodka.models import FeedEntry, ParsedFeed

__all__ = ["FeedParseError", "parse_feed"]

log = logging.getLogger(__name__)

DEFAULT_MAX_ITEMS = 200
_NOT_FEED_ROOTS = frozenset({"html", "HTML", "body", "opml"})
_ITEM_NAMES = frozenset({"item", "entry"})
_DATE_NAMES = ("pubDate", "published", "date", "issued", "updated", "modified")
_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif")
_ITEM_START = re.compile(rb"<(?:[\w.\-]+:)?(?:item|entry)[\s>/]")
_BLOCK_TAGS = frozenset({"p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
                         "tr", "td", "th", "figcaption", "section", "article"})
_SPACES = re.compile(r"\s+")
_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def _kind(version: str) -> Literal["rss", "atom", "rdf"]:
    if version.startswith("atom"):
        return "atom"
    if version in ("rss090", "rss10"):
        return "rdf"
    return "rss"


def plain_text(markup: str | None) -> str | None:
    """Text of an HTML fragment: tags, scripts and styles dropped, entities decoded, whitespace collapsed.

    Text without tags or entity references is only trimmed ("a < b" stays). None for nothing.
    """
    if not markup:
        return None
    if "<" in markup or _ENTITY.search(markup):
        try:
            fragment = lxml.html.fragment_fromstring(markup, create_parent="div")
        except (etree.ParserError, ValueError):
            fragment = None
        if fragment is not None:
            for element in list(fragment.iter()):
                tag = element.tag.lower() if isinstance(element.tag, str) else ""
                if tag in ("script", "style"):
                    element.drop_tree()
                elif tag in _BLOCK_TAGS:
                    element.tail = " " + (element.tail or "")
            markup = fragment.text_content()
    text = _SPACES.sub(" ", markup).strip()
    return text or None


def _absolute_http(link: str | None, base: str) -> str | None:
    """`link` made absolute against `base`, or None unless it is an http(s) URL that canonicalize_url accepts."""
    if not link or not link.strip():
        return None
    absolute = urljoin(base, link.strip())
    return absolute if is_http_url(absolute) else None


def _is_image(url: str | None, mime: str | None, medium: str | None = None) -> bool:
    if medium == "image" or (mime or "").startswith("image/"):
        return True
    if (mime or "") or medium:
        return False
    return bool(url) and urlsplit(url or "").path.lower().endswith(_IMAGE_EXTENSIONS)


def _image_url(entry: Any, base: str) -> str | None:
    for enclosure in entry.get("enclosures") or []:
        if _is_image(enclosure.get("href"), enclosure.get("type")):
            return _absolute_http(enclosure.get("href"), base)
    for media in entry.get("media_content") or []:
        if _is_image(media.get("url"), media.get("type"), media.get("medium")):
            return _absolute_http(media.get("url"), base)
    for thumbnail in entry.get("media_thumbnail") or []:
        if thumbnail.get("url"):
            return _absolute_http(thumbnail["url"], base)
    # Many outlets put the picture only into the description HTML.
    for markup in [content.get("value", "") for content in entry.get("content") or []] + [entry.get("summary", "")]:
        if match := re.search(r"<img\b[^>]*\bsrc=[\"']([^\"']+)", markup or "", re.IGNORECASE):
            return _absolute_http(match.group(1), base)
    return None


def _authors(entry: Any) -> list[str]:
    names: list[str] = []
    for author in entry.get("authors") or []:
        name = plain_text(author.get("name") or author.get("email"))
        if name and name not in names:
            names.append(name)
    if not names and (single := plain_text(entry.get("author"))):
        names.append(single)
    return names


def _categories(entry: Any) -> list[str]:
    categories: list[str] = []
    for tag in entry.get("tags") or []:
        term = plain_text(tag.get("label") or tag.get("term"))
        if term and term not in categories:
            categories.append(term)
    return categories


def _entry(entry: Any, base: str) -> FeedEntry | None:
    url = _absolute_http(entry.get("link"), base)
    if url is None and str(entry.get("id") or "").startswith(("http://", "https://")):
        url = _absolute_http(entry.get("id"), base)
    if url is None:
        return None
    raw_date = next((entry.get(key) for key in ("published", "updated", "created") if entry.get(key)), None)
    parsed_date = next(
        (entry.get(key) for key in ("published_parsed", "updated_parsed", "created_parsed") if entry.get(key)), None
    )
    return FeedEntry(
        url=url,
        title=plain_text(entry.get("title")),
        published=to_iso8601(raw_date, parsed_date),
        summary=plain_text(entry.get("summary")),
        categories=_categories(entry),
        authors=_authors(entry),
        image_url=_image_url(entry, base),
    )


def _keep_newest_items(body: bytes, max_items: int, charset: str | None) -> bytes:
    """`body` with only its `max_items` newest items, re-encoded as UTF-8, so feedparser never walks a giant feed.

    `charset` is the HTTP one, if any. Gives `body` unchanged when lxml cannot read it (feedparser's lenient
    parser then gets its chance).
    """
    try:
        root = etree.fromstring(body, parser=safe_xml_parser(recover=True, encoding=charset))
    except (etree.XMLSyntaxError, ValueError, LookupError):
        return body
    if root is None:
        return body
    items = [element for element in root.iter() if local_name(element.tag) in _ITEM_NAMES]
    if len(items) <= max_items:
        return body

    def item_date(item: etree._Element) -> float:
        for child in item:
            if local_name(child.tag) in _DATE_NAMES and child.text:
                return sort_key(to_iso8601(child.text))
        return float("-inf")

    ranked = sorted(range(len(items)), key=lambda index: (item_date(items[index]), -index), reverse=True)
    for index in ranked[max_items:]:
        item = items[index]
        if (parent := item.getparent()) is not None:
            parent.remove(item)
    log.debug("feed trimmed from %d to %d items before parsing", len(items), max_items)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _unique_urls(entries: list[FeedEntry]) -> list[FeedEntry]:
    """Entries with the first of each URL kept (feeds repeat an item when it is updated or in two sections)."""
    seen: set[str] = set()
    unique: list[FeedEntry] = []
    for entry in entries:
        if entry.url not in seen:
            seen.add(entry.url)
            unique.append(entry)
    return unique


def _newest_entries(entries: list[FeedEntry], max_items: int) -> list[FeedEntry]:
    if len(entries) <= max_items:
        return entries
    ranked = sorted(range(len(entries)), key=lambda index: (sort_key(entries[index].published), -index))
    kept = sorted(ranked[-max_items:])
    return [entries[index] for index in kept]


def parse_feed(
    body: bytes, url: str, max_items: int = DEFAULT_MAX_ITEMS, content_type: str | None = None
) -> ParsedFeed:
    """Parse a feed or sitemap downloaded from `url`.

    In: the raw bytes, the URL they came from (base for relative links), the most entries to keep (the newest
    by date, in the feed's order), optionally the HTTP Content-Type (for its charset).
    Out: ParsedFeed whose entries have absolute http(s) URLs, plain-text titles and summaries, ISO 8601 dates
    that keep the feed's UTC offset, categories, authors and an image URL. Entries without a usable link are
    dropped, and so are repeats of a URL (the first stays). URLs are as the feed wrote them: canonicalize_url
    is the caller's step. Malformed XML gives what feedparser's lenient parser can recover.
    Raises FeedParseError when nothing usable came out (empty body, an HTML page, garbage).
    """
    if max_items < 1:
        raise ValueError("max_items must be at least 1")
    if not body or not body.strip():
        raise FeedParseError(f"empty body from {url}")
    root = root_name(body)
    if root in SITEMAP_ROOTS:
        return parse_sitemap(body, max_items=max_items)
    if root in _NOT_FEED_ROOTS:
        raise FeedParseError(f"{url} gave an {root.upper()} document, not a feed")
    charset_match = _CHARSET.search(content_type or "")
    charset = charset_match.group(1) if charset_match else None
    if len(_ITEM_START.findall(body)) > max_items:
        trimmed = _keep_newest_items(body, max_items, charset)
        if trimmed is not body:
            body, charset = trimmed, "utf-8"
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type if charset is None else _CHARSET.sub(f"charset={charset}", content_type)
    # A stream, never bytes: feedparser opens bytes that name a local file ("/etc/passwd") and parses that.
    # Links inside summaries are not resolved: summaries become plain text, and images are resolved here.
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers, resolve_relative_uris=False,
                              sanitize_html=True)
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception")
        raise FeedParseError(f"no feed in the body from {url}" + (f": {reason}" if reason else ""))
    if parsed.get("bozo"):
        log.debug("feed %s is malformed (%s); using what could be recovered", url, parsed.get("bozo_exception"))
    feed = parsed.feed
    base = _absolute_http(feed.get("link"), url) or url
    entries = _unique_urls([entry for raw in parsed.entries if (entry := _entry(raw, url)) is not None])
    broken_xml = not isinstance(parsed.get("bozo_exception"), (type(None), feedparser.CharacterEncodingOverride,
                                                                  feedparser.NonXMLContentType))
    if broken_xml and not entries:
        # Broken XML that yields nothing is a failure of the feed (it backs off), not an empty feed.
        raise FeedParseError(f"malformed feed from {url} with no usable item: {parsed.get('bozo_exception')}")
    ttl = str(feed.get("ttl") or "").strip()
    return ParsedFeed(
        kind=_kind(parsed.get("version") or ""),
        title=plain_text(feed.get("title")),
        site_url=base if feed.get("link") else None,
        entries=_newest_entries(entries, max_items),
        ttl_minutes=int(ttl) if ttl.isdigit() and int(ttl) > 0 else None,
    )
