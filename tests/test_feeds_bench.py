"""The feed benchmark on tiny generated documents: it must show the cap keeping the newest items."""

from __future__ import annotations

from svodka.feeds.bench import generate_rss, generate_sitemap, run_feed_benchmark
from svodka.feeds.parse import parse_feed


def test_generated_documents_parse() -> None:
    body, minutes = generate_rss(30)
    feed = parse_feed(body, "https://bench.example.kz/rss")
    assert len(feed.entries) == len(minutes) == 30
    sitemap, _ = generate_sitemap(30)
    assert len(parse_feed(sitemap, "https://bench.example.uz/sitemap.xml").entries) == 30


def test_benchmark_rows() -> None:
    rows = run_feed_benchmark([300], sitemap_size=400, max_items=40, repeat=1)
    assert [row.items for row in rows] == [300, 400]
    feed, sitemap = rows
    assert feed.ours_newest == 1.0
    assert feed.baseline_newest < 0.5  # The first 40 of a shuffled feed are not the newest 40.
    assert sitemap.ours_newest == sitemap.baseline_newest == 1.0
    assert all(row.ours_seconds > 0 and row.baseline_seconds > 0 for row in rows)
