"""Sitemaps (`<urlset>`, `<sitemapindex>`, Google News `news:news`) -> ParsedFeed, streamed with lxml."""

from __future__ import annotations

import heapq
import io
from collections.abc import Iterator

from lxml import etree

from svodka.feeds.dates import sort_key, to_iso8601
from svodka.feeds.errors import FeedParseError
from svodka.feeds.safexml import declares_entities, replace_invalid_char_refs, root_name
from svodka.feeds.urls import is_http_url
from svodka.models import FeedEntry, ParsedFeed

SITEMAP_ROOTS = frozenset({"urlset", "sitemapindex"})


def _text(element: etree._Element | None, path: str) -> str | None:
    """Stripped text at `path` below `element` (namespaces ignored through `{*}`), or None."""
    if element is None:
        return None
    text = element.findtext(path)
    return text.strip() or None if text else None


def _http_url(text: str | None) -> str | None:
    """`text` when it is an absolute http(s) URL that canonicalize_url accepts, else None."""
    return text if text and is_http_url(text) else None


def _url_date(element: etree._Element) -> str | None:
    """The Google News publication date of a `<url>`, else its lastmod (when the page last changed)."""
    published = to_iso8601(element.findtext("{*}news/{*}publication_date"))
    return published or to_iso8601(element.findtext("{*}lastmod"))


def _url_entry(element: etree._Element, published: str | None) -> FeedEntry | None:
    loc = _http_url(_text(element, "{*}loc"))
    if loc is None:
        return None
    news = element.find("{*}news")
    keywords = _text(news, ".//{*}keywords") or ""
    return FeedEntry(
        url=loc,
        title=_text(news, ".//{*}title"),
        published=published,
        categories=[word.strip() for word in keywords.split(",") if word.strip()],
        image_url=_http_url(_text(element, "{*}image/{*}loc")),
    )


def _elements(body: bytes, name: str) -> Iterator[etree._Element]:
    """Stream the `name` elements (`url` or `sitemap`), freeing each one after use so memory stays flat."""
    events = etree.iterparse(
        io.BytesIO(body), events=("end",), tag=f"{{*}}{name}", resolve_entities=False, no_network=True,
        huge_tree=False, load_dtd=False, remove_comments=True, remove_pis=True, recover=True,
    )
    try:
        for _, element in events:
            yield element
            element.clear(keep_tail=False)
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError:
        return  # Damage recovery could not go on: keep what came before it.


def _newest_urls(body: bytes, max_items: int) -> list[FeedEntry]:
    """The `max_items` newest `<url>` entries in document order; only candidates for the heap are fully read."""
    heap: list[tuple[float, int, FeedEntry]] = []
    for index, element in enumerate(_elements(body, "url")):
        published = _url_date(element)
        key = (sort_key(published), -index)
        if len(heap) >= max_items and key <= heap[0][:2]:
            continue
        if (entry := _url_entry(element, published)) is None:
            continue
        if len(heap) < max_items:
            heapq.heappush(heap, (*key, entry))
        else:
            heapq.heapreplace(heap, (*key, entry))
    return [entry for _, _, entry in sorted(heap, key=lambda kept: -kept[1])]


def _newest_children(body: bytes, max_items: int) -> list[str]:
    """Child sitemap URLs of an index, newest lastmod first (callers follow only the first few), undated last."""
    children: list[tuple[float, int, str]] = []
    for index, element in enumerate(_elements(body, "sitemap")):
        if (loc := _http_url(_text(element, "{*}loc"))) is not None:
            children.append((-sort_key(to_iso8601(_text(element, "{*}lastmod"))), index, loc))
    return [loc for _, _, loc in sorted(children)[:max_items]]


def parse_sitemap(body: bytes, max_items: int = 200) -> ParsedFeed:
    """A sitemap or sitemap index as a ParsedFeed.

    `<urlset>` gives entries (url, news publication date or else lastmod, news title and keywords, first image):
    the `max_items` newest, in document order. `<sitemapindex>` gives `children`: at most `max_items` child sitemap
    URLs, newest lastmod first, undated ones last in document order. A damaged sitemap gives what came before the
    damage (possibly nothing). Raises FeedParseError when the body is not a sitemap at all, or declares XML
    entities (no sitemap needs them; billion-laughs and XXE attacks do).
    """
    if declares_entities(body):
        raise FeedParseError("sitemap declares XML entities: refused")
    root = root_name(body)
    body = replace_invalid_char_refs(body)
    try:
        if root == "sitemapindex":
            return ParsedFeed(kind="sitemapindex", children=_newest_children(body, max_items))
        if root == "urlset":
            return ParsedFeed(kind="sitemap", entries=_newest_urls(body, max_items))
    except UnicodeDecodeError as error:  # text lxml's recovery kept as invalid UTF-8
        raise FeedParseError(f"sitemap with undecodable text: {error}") from error
    raise FeedParseError(f"not a sitemap: the root element is {root or 'missing'}")
