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
from svodka.feeds.safexml import local_name, replace_invalid_char_refs, root_name, safe_xml_parser
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
# C0 controls (NUL included) that `&#0;`-style references smuggle into text: PostgreSQL refuses NUL in text.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Bodies bigger than this are no feed (the fetcher stops at 10 MB by default); sitemaps are streamed, not capped.
MAX_FEED_BYTES = 16 * 1024 * 1024
# feedparser spends ~0.1 ms per element: a body of tiny tags ("<a><a>…", 10 MB) would hold a worker for minutes.
# Kept items of a real feed hold a few thousand elements, tens of thousands with inline XHTML content.
MAX_FEED_ELEMENTS = 50_000
_START_TAG = re.compile(rb"<[A-Za-z_]")
_CDATA = re.compile(rb"<!\[CDATA\[.*?(?:\]\]>|$)", re.DOTALL)


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
    text = _SPACES.sub(" ", _CONTROLS.sub("", markup)).strip()
    return text or None


def _absolute_http(link: str | None, base: str) -> str | None:
    """`link` made absolute against `base`, or None unless it is an http(s) URL that canonicalize_url accepts."""
    if not link or not link.strip():
        return None
    try:
        absolute = urljoin(base, link.strip())
    except ValueError:  # "http://[::1" is no URL
        return None
    return absolute if is_http_url(absolute) else None


def _is_image(url: str | None, mime: str | None, medium: str | None = None) -> bool:
    if medium == "image" or (mime or "").startswith("image/"):
        return True
    if (mime or "") or medium:
        return False
    try:
        return bool(url) and urlsplit(url or "").path.lower().endswith(_IMAGE_EXTENSIONS)
    except ValueError:  # "http://[" is no URL
        return False


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
    try:
        items = [element for element in root.iter() if local_name(element.tag) in _ITEM_NAMES]
    except UnicodeDecodeError:  # a name lxml's recovery kept as invalid UTF-8
        return body
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


def _element_count(body: bytes) -> int:
    """Start tags in `body`, markup quoted in CDATA sections not counted."""
    return len(_START_TAG.findall(_CDATA.sub(b"", body)))


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


def _ttl_minutes(raw: str) -> int | None:
    """The `<ttl>` in minutes when it is a plain positive number of at most a year; else None ("²", "9…9", "-3")."""
    ttl = raw.strip()
    if not (ttl.isascii() and ttl.isdigit() and len(ttl) <= 6):
        return None
    return int(ttl) if 0 < int(ttl) <= 525_600 else None


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
    Raises FeedParseError when nothing usable came out (empty body, an HTML page, garbage) and for bodies too big
    to be a feed (more than MAX_FEED_BYTES bytes or MAX_FEED_ELEMENTS elements once trimmed to `max_items`).
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
    if len(body) > MAX_FEED_BYTES:
        raise FeedParseError(f"the body from {url} is {len(body)} bytes, more than the {MAX_FEED_BYTES} a feed may be")
    if root is None and root_name(body.replace(b"\x00", b"")) is None:  # the second look sees UTF-16 without a BOM
        # Without a single element there is nothing to recover, and feedparser's fallback is slow on huge junk.
        raise FeedParseError(f"no feed in the body from {url}: no XML element in it")
    body = replace_invalid_char_refs(body)
    charset_match = _CHARSET.search(content_type or "")
    charset = charset_match.group(1) if charset_match else None
    if len(_ITEM_START.findall(body)) > max_items:
        trimmed = _keep_newest_items(body, max_items, charset)
        if trimmed is not body:
            body, charset = trimmed, "utf-8"
    # Without a Content-Type feedparser reads the body as ISO-8859-1 and garbles every title holding a numeric
    # reference ("&#171;"); XML itself says UTF-8 unless the document declares otherwise.
    content_type = content_type or "application/xml"
    headers = {"content-location": url,
               "content-type": content_type if charset is None else _CHARSET.sub(f"charset={charset}", content_type)}
    # A stream, never bytes: feedparser opens bytes that name a local file ("/etc/passwd") and parses that.
    # Links inside summaries are not resolved: summaries become plain text, and images are resolved here.
    if (elements := _element_count(body)) > MAX_FEED_ELEMENTS:
        raise FeedParseError(f"the body from {url} has {elements} elements, more than the {MAX_FEED_ELEMENTS} "
                             "a feed may have")
    try:
        parsed = feedparser.parse(io.BytesIO(body), response_headers=headers, resolve_relative_uris=False,
                                  sanitize_html=True)
    except (ValueError, OverflowError, UnicodeError, LookupError) as error:
        # feedparser's own decoding of references the sanitising above could not see (e.g. in UTF-16 bodies).
        raise FeedParseError(f"unreadable feed from {url}: {type(error).__name__}: {error}") from error
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
    return ParsedFeed(
        kind=_kind(parsed.get("version") or ""),
        title=plain_text(feed.get("title")),
        site_url=base if feed.get("link") else None,
        entries=_newest_entries(entries, max_items),
        ttl_minutes=_ttl_minutes(str(feed.get("ttl") or "")),
    )
