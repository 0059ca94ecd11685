"""Sitemaps through parse_feed and parse_sitemap: index, Google News, plain, broken, huge."""

from __future__ import annotations

from pathlib import Path

import pytest

from svodka.feeds.errors import FeedParseError
from svodka.feeds.parse import parse_feed
from svodka.feeds.sitemap import parse_sitemap
from svodka.models import FeedEntry

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
URLSET = '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{}</urlset>'


def test_sitemap_index_lists_children_newest_first() -> None:
    feed = parse_feed((FIXTURES / "sitemap_index.xml").read_bytes(), "https://example.kz/sitemap.xml")
    assert feed.kind == "sitemapindex"
    assert feed.entries == []
    assert feed.children == [
        "https://example.kz/sitemap-2024-02.xml",
        "https://example.kz/sitemap-2024-01.xml",
        "https://example.kz/sitemap-2023-12.xml",
    ]


def test_google_news_sitemap() -> None:
    feed = parse_feed((FIXTURES / "news_sitemap.xml").read_bytes(), "https://example.uz/news-sitemap.xml")
    assert feed.kind == "sitemap"
    assert feed.entries == [
        FeedEntry(url="https://example.uz/ru/news/2024/03/05/budget/", title="Бюджет на 2025 год",
                  published="2024-03-05T14:20:00+05:00", categories=["бюджет", "экономика"],
                  image_url="https://example.uz/img/budget.jpg"),
        # The news publication date wins over lastmod.
        FeedEntry(url="https://example.uz/ru/news/2024/03/05/weather/", title="Погода",
                  published="2024-03-05T00:00:00"),
        FeedEntry(url="https://example.uz/ru/about/", published="2023-01-01T00:00:00"),
    ]


@pytest.mark.parametrize(
    ("urls", "expected"),
    [
        ("", []),
        ("<url><loc>https://a.kz/1</loc></url><url><loc>  </loc></url><url><loc>mailto:x@a.kz</loc></url>",
         ["https://a.kz/1"]),
        ("<url><loc>https://a.kz/1</loc></url><url><loc>https://a.kz/2</loc></url><url><lo",
         ["https://a.kz/1", "https://a.kz/2"]),
        ("<url><loc>https://a.kz:99999/bad-port</loc></url><url><loc>https://a.kz/ok</loc></url>",
         ["https://a.kz/ok"]),
    ],
    ids=["empty", "bad-locs", "truncated", "bad-port"],
)
def test_urlset_edge_cases(urls: str, expected: list[str]) -> None:
    feed = parse_sitemap(URLSET.format(urls).encode())
    assert [entry.url for entry in feed.entries] == expected


def test_not_a_sitemap() -> None:
    with pytest.raises(FeedParseError, match="not a sitemap"):
        parse_sitemap(b'<rss version="2.0"><channel/></rss>')


def test_huge_sitemap_keeps_the_newest_urls_in_document_order() -> None:
    # 20,000 URLs, one per minute of a fortnight, oldest first as many sites write them.
    urls = "".join(
        f"<url><loc>https://big.example.kz/{n}</loc><lastmod>2024-01-{1 + n // 1440:02d}T{n % 1440 // 60:02d}:"
        f"{n % 60:02d}:00+05:00</lastmod></url>"
        for n in range(20_000)
    )
    feed = parse_sitemap(URLSET.format(urls).encode(), max_items=50)
    assert [entry.url for entry in feed.entries] == [f"https://big.example.kz/{n}" for n in range(19_950, 20_000)]
