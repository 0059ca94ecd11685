"""Feed discovery in HTML pages, common paths, and the cheap looks-like-a-feed sniff."""

from __future__ import annotations

from pathlib import Path

import pytest

from svodka.feeds.discovery import COMMON_FEED_PATHS, candidate_feed_urls, discover_feed_links, looks_like_feed

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"

PAGE = """<!DOCTYPE html><html><head>
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/rss+xml" title="Все новости" href="/rss/all.rss">
<link rel="alternate" type="application/atom+xml" href="https://other.example.kz/atom.xml">
<link rel="alternate" type="application/rss+xml" href="/rss/all.rss">
<link rel="Alternate" type="application/RSS+XML; charset=utf-8" href="rss/local.xml">
<link rel="alternate" type="application/json" href="/feed.json">
<link rel="alternate" hreflang="kk" href="/kz/">
<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
</head><body>
<a href="/rss/">RSS</a><a href="/feedback/">Обратная связь</a><a href="/news/123">Новость</a>
<a href="/export/news.rss">Экспорт</a><a href="/press/">Пресса</a>
<a href="https://other-outlet.example.ru/rss/">Партнёры</a><a href="https://example.kz/feed/">Лента</a>
</body></html>"""


@pytest.mark.parametrize(
    ("html", "base_url", "expected"),
    [
        (PAGE, "https://example.kz/ru/page.html", [
            "https://example.kz/rss/all.rss",
            "https://other.example.kz/atom.xml",
            "https://example.kz/ru/rss/local.xml",
            "https://example.kz/rss/",
            "https://example.kz/export/news.rss",
            "https://example.kz/feed/",
        ]),
        ('<a href="https://www.example.kz/rss/">RSS</a><a href="https://example.kz/feed">F</a>'
         '<a href="https://rss.news.example.kz/all.rss">R</a><a href="https://example.kz.evil.ru/rss">E</a>',
         "https://news.example.kz/",
         ["https://www.example.kz/rss/", "https://example.kz/feed", "https://rss.news.example.kz/all.rss"]),
        ('<html><head><base href="https://cdn.example.kz/site/"><link rel="alternate" '
         'type="application/rss+xml" href="feed.xml"></head></html>', "https://example.kz/",
         ["https://cdn.example.kz/site/feed.xml"]),
        ("<html><body><p>Нет лент</p></body></html>", "https://example.kz/", []),
        ("", "https://example.kz/", []),
        ("   ", "https://example.kz/", []),
        ((FIXTURES / "not_a_feed.html").read_text(), "https://example.kz/", ["https://example.kz/rss/"]),
    ],
    ids=["full-page", "sibling-hosts", "base-href", "no-feeds", "empty", "blank", "fixture"],
)
def test_discover_feed_links(html: str, base_url: str, expected: list[str]) -> None:
    assert discover_feed_links(html, base_url) == expected


def test_common_paths() -> None:
    for path in ("/rss", "/rss.xml", "/feed", "/feed/", "/rss/", "/atom.xml", "/sitemap.xml", "/news-sitemap.xml",
                 "/sitemap-news.xml"):
        assert path in COMMON_FEED_PATHS
    assert len(set(COMMON_FEED_PATHS)) == len(COMMON_FEED_PATHS)
    assert candidate_feed_urls("https://kun.uz/ru/news/123?x=1")[:2] == ["https://kun.uz/rss", "https://kun.uz/rss/"]
    assert candidate_feed_urls("ftp://kun.uz/") == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ((FIXTURES / "rss20.xml").read_bytes(), True),
        ((FIXTURES / "rss091.xml").read_bytes(), True),
        ((FIXTURES / "rdf.xml").read_bytes(), True),
        ((FIXTURES / "atom.xml").read_bytes(), True),
        ((FIXTURES / "sitemap_index.xml").read_bytes(), True),
        ((FIXTURES / "news_sitemap.xml").read_bytes(), True),
        (b"\xef\xbb\xbf  \n<!-- generator: x <html> -->\n<rss version='2.0'><channel/></rss>", True),
        ('<?xml version="1.0" encoding="UTF-16"?><rss version="2.0"/>'.encode("utf-16"), True),
        ((FIXTURES / "not_a_feed.html").read_bytes(), False),
        (b"<!DOCTYPE html><html><body><rss>no</rss></body></html>", False),
        (b'<?xml version="1.0"?><opml version="2.0"/>', False),
        (b'{"version": "https://jsonfeed.org/version/1.1"}', False),
        (b"", False),
        (b"\x00\x01garbage", False),
    ],
)
def test_looks_like_feed(body: bytes, expected: bool) -> None:
    assert looks_like_feed(body) is expected
