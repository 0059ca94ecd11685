"""Finding the feeds of a site: `<link rel=alternate>` in its HTML, links to feeds, and well-known paths."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from svodka.feeds.safexml import root_name
from svodka.feeds.urls import host_of

__all__ = ["COMMON_FEED_PATHS", "FEED_MIME_TYPES", "candidate_feed_urls", "discover_feed_links", "looks_like_feed"]

FEED_MIME_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})
# Paths where sites of the region (WordPress, Bitrix, DLE, custom CMSes) usually put feeds and sitemaps;
# the lead probes them in this order when a page declares nothing.
COMMON_FEED_PATHS: tuple[str, ...] = (
    "/rss",
    "/rss/",
    "/rss.xml",
    "/feed",
    "/feed/",
    "/atom.xml",
    "/feed.xml",
    "/news.rss",
    "/rss/news",
    "/rss/all.rss",
    "/rss/index.xml",
    "/index.rss",
    "/export/rss2/index.xml",
    "/ru/rss",
    "/ru/rss/",
    "/rss/ru",
    "/news/rss",
    "/yandex/rss",
    "/rss/yandex",
    "/engine/rss.php",
    "/rss.php",
    "/news-sitemap.xml",
    "/sitemap-news.xml",
    "/sitemap_news.xml",
    "/news_sitemap.xml",
    "/sitemap.xml",
    "/sitemap_index.xml",
)
_FEED_ROOTS = frozenset({"rss", "RDF", "feed", "urlset", "sitemapindex"})
# Hrefs of ordinary links that point at a feed ("RSS" icons in footers of sites with no <link> tag).
_FEED_HREF = re.compile(r"(?:^|/)(?:rss|feed|atom)(?:[/._-]|$)|\.(?:rss|atom)$|[?&]rss\b", re.IGNORECASE)


def _same_site(host: str, site: str) -> bool:
    """One host, or one a subdomain of the other ("rss.kun.uz" and "kun.uz", "news.example.kz" and "example.kz")."""
    return bool(host) and (host == site or host.endswith("." + site) or site.endswith("." + host))


def _http_only(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def discover_feed_links(html: str, base_url: str) -> list[str]:
    """Absolute feed URLs announced by an HTML page, best first, without duplicates.

    First `<link rel="alternate" type="application/rss+xml|atom+xml|rdf+xml">` in document order, then `<a>`
    links on the same site whose href looks like a feed (…/rss/, …/feed, *.rss). Relative hrefs are resolved
    against the page's `<base href>` or `base_url`. Gives [] for an empty or unreadable page.
    """
    if not html or not html.strip():
        return []
    try:
        document = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    base = base_url
    for element in document.iter("base"):
        if href := (element.get("href") or "").strip():
            base = urljoin(base_url, href)
            break
    found: list[str] = []

    def add(href: str | None) -> None:
        if not href or not href.strip():
            return
        url = urljoin(base, href.strip())
        if _http_only(url) and url not in found:
            found.append(url)

    for element in document.iter("link"):
        rel = (element.get("rel") or "").lower().split()
        mime = (element.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rel and mime in FEED_MIME_TYPES:
            add(element.get("href"))
    site = host_of(base_url)
    for element in document.iter("a"):
        href = (element.get("href") or "").strip()
        target = urlsplit(urljoin(base, href))
        looks_like_feed_link = _FEED_HREF.search(target.path + ("?" + target.query if target.query else ""))
        # Ordinary links count only on the site itself: a footer link to another outlet's feed is not ours.
        if href and looks_like_feed_link and _same_site(host_of(target.geturl()), site):
            add(href)
    return found


def candidate_feed_urls(site_url: str) -> list[str]:
    """`COMMON_FEED_PATHS` joined to the root of `site_url`, for probing a site that announces no feed."""
    parts = urlsplit(site_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return []
    root = f"{parts.scheme}://{parts.netloc}"
    return [root + path for path in COMMON_FEED_PATHS]


def looks_like_feed(body: bytes) -> bool:
    """True when `body` starts like an RSS, RDF, Atom or sitemap document (cheap: only the prologue is read).

    A sniff, not a safety check: the parsers themselves stay inert on hostile documents.
    """
    return bool(body) and root_name(body) in _FEED_ROOTS
