"""Benchmark of feed parsing: parse_feed beside plain feedparser (and plain lxml for sitemaps) on generated feeds.

Feeds are generated here (no data set holds raw feeds): items in shuffled date order, as some outlets publish
them, so the table also shows whether the newest items survive the cap.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
from lxml import etree

from svodka.feeds.parse import parse_feed
from svodka.feeds.safexml import safe_xml_parser
from svodka.feeds.sitemap import parse_sitemap

COMMAND = "svodka bench feeds"
_START = datetime(2024, 3, 1, tzinfo=UTC)


@dataclass
class BenchRow:
    """One generated document: size, best wall time of each parser, and share of the true newest items kept."""

    name: str
    items: int
    size_bytes: int
    baseline_seconds: float
    ours_seconds: float
    baseline_newest: float
    ours_newest: float
    baseline_peak_mb: float | None = None
    ours_peak_mb: float | None = None


def _minutes(count: int, seed: int) -> list[int]:
    minutes = list(range(count))
    random.Random(seed).shuffle(minutes)
    return minutes


def generate_rss(count: int, seed: int = 1) -> tuple[bytes, list[int]]:
    """An RSS 2.0 feed of `count` realistic items in shuffled date order, and the minute offset of each item."""
    minutes = _minutes(count, seed)
    items = "".join(
        f"<item><title>Новость номер {n}: правительство утвердило план</title>"
        f"<link>https://bench.example.kz/news/{n}?utm_source=rss&amp;utm_medium=rss</link>"
        f"<guid>https://bench.example.kz/news/{n}</guid>"
        f"<pubDate>{(_START + timedelta(minutes=m)).strftime('%a, %d %b %Y %H:%M:%S +0500')}</pubDate>"
        f"<category>Политика</category><category>Казахстан</category>"
        f"<description>&lt;p&gt;Краткое описание новости {n}, два предложения текста.&lt;/p&gt;"
        f"&lt;img src=\"/img/{n}.jpg\"&gt;</description>"
        f'<enclosure url="https://bench.example.kz/img/{n}.jpg" type="image/jpeg" length="1000"/></item>'
        for n, m in enumerate(minutes)
    )
    body = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bench</title>'
            f"<link>https://bench.example.kz/</link><ttl>10</ttl>{items}</channel></rss>")
    return body.encode(), minutes


def generate_sitemap(count: int, seed: int = 2) -> tuple[bytes, list[int]]:
    """A Google News sitemap of `count` URLs in shuffled date order, and the minute offset of each URL."""
    minutes = _minutes(count, seed)
    urls = "".join(
        f"<url><loc>https://bench.example.uz/ru/news/{n}/</loc><news:news><news:publication>"
        f"<news:name>Bench</news:name><news:language>ru</news:language></news:publication>"
        f"<news:publication_date>{(_START + timedelta(minutes=m)).isoformat()}</news:publication_date>"
        f"<news:title>Заголовок {n}</news:title></news:news></url>"
        for n, m in enumerate(minutes)
    )
    body = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>')
    return body.encode(), minutes


def _best_of(repeat: int, run: Callable[[], list[str]]) -> tuple[float, list[str]]:
    best = float("inf")
    urls: list[str] = []
    for _ in range(repeat):
        started = time.perf_counter()
        urls = run()
        best = min(best, time.perf_counter() - started)
    return best, urls


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"{field} missing from /proc/self/status")


def _parsers(max_items: int) -> dict[str, Callable[[bytes], list[str]]]:
    """The four contenders by name, each taking a document and giving the URLs it keeps."""

    def plain_feed(body: bytes) -> list[str]:
        return [entry.get("link", "") for entry in feedparser.parse(body).entries[:max_items]]

    def our_feed(body: bytes) -> list[str]:
        return [entry.url for entry in parse_feed(body, "https://bench.example.kz/rss", max_items=max_items).entries]

    def plain_sitemap(body: bytes) -> list[str]:
        return _plain_sitemap(body, max_items)

    def our_sitemap(body: bytes) -> list[str]:
        return [entry.url for entry in parse_sitemap(body, max_items=max_items).entries]

    return {"plain_feed": plain_feed, "our_feed": our_feed, "plain_sitemap": plain_sitemap,
            "our_sitemap": our_sitemap}


def _extra_peak_in_this_process(path: str, parser: str, max_items: int) -> float | None:
    """How far resident memory rose (MB) while `parser` read the document at `path`; None without Linux /proc."""
    if not os.path.exists("/proc/self/clear_refs"):
        return None
    run = _parsers(max_items)[parser]
    body = Path(path).read_bytes()
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")  # Resets the peak-RSS counter, so loading the file does not count.
    before = _status_kb("VmRSS")
    run(body)
    return (_status_kb("VmHWM") - before) / 1024


def _extra_peak_mb(path: str, parser: str, max_items: int) -> float | None:
    """`_extra_peak_in_this_process` in a fresh interpreter: no memory freed by earlier runs to hide the peak."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_extra_peak_in_this_process, (path, parser, max_items))


def _newest_share(urls: list[str], minutes: list[int], max_items: int) -> float:
    """Share of the `max_items` truly newest items that are among `urls` (item number is the last path part)."""
    newest = set(sorted(range(len(minutes)), key=lambda n: -minutes[n])[:max_items])
    kept = {int(url.rstrip("/").rsplit("/", 1)[1].split("?")[0]) for url in urls}
    return len(newest & kept) / len(newest)


def _plain_sitemap(body: bytes, max_items: int) -> list[str]:
    """The plain way: the whole tree in memory, the same fields read, sorted by date string, the newest kept."""
    root = etree.fromstring(body, parser=safe_xml_parser())
    rows = [(url.findtext(".//{*}publication_date") or url.findtext("{*}lastmod") or "", url.findtext("{*}loc") or "",
             url.findtext(".//{*}title")) for url in root.iter("{*}url")]
    return [loc for _, loc, _ in sorted(rows, reverse=True)[:max_items]]


def run_feed_benchmark(sizes: list[int], sitemap_size: int, max_items: int, repeat: int) -> list[BenchRow]:
    """Time both parsers on each generated document and measure their extra peak memory in a fresh process.

    The feed baseline keeps the first `max_items` items feedparser gives, as a plain consumer would.
    """
    parsers = _parsers(max_items)
    documents = [(f"RSS 2.0, {size:,} items", size, *generate_rss(size), "feed") for size in sizes]
    if sitemap_size:
        documents.append((f"news sitemap, {sitemap_size:,} URLs (baseline: lxml tree + sort)", sitemap_size,
                          *generate_sitemap(sitemap_size), "sitemap"))
    rows: list[BenchRow] = []
    with tempfile.TemporaryDirectory(prefix="svodka-bench-feeds-") as folder:
        for name, size, body, minutes, family in documents:
            path = Path(folder) / f"{family}-{size}.xml"
            path.write_bytes(body)
            plain, ours = parsers[f"plain_{family}"], parsers[f"our_{family}"]
            base_time, base_urls = _best_of(repeat, lambda plain=plain, body=body: plain(body))
            ours_time, ours_urls = _best_of(repeat, lambda ours=ours, body=body: ours(body))
            rows.append(BenchRow(
                name, size, len(body), base_time, ours_time,
                _newest_share(base_urls, minutes, max_items), _newest_share(ours_urls, minutes, max_items),
                _extra_peak_mb(str(path), f"plain_{family}", max_items),
                _extra_peak_mb(str(path), f"our_{family}", max_items),
            ))
    return rows


def print_feed_benchmark(rows: list[BenchRow], max_items: int, command: str) -> None:
    """A rich table of the rows, and the command that reproduces it."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Feed parsing: parse_feed vs plain feedparser, {max_items} items kept (best wall time)")
    columns = ("document", "size", "baseline s", "ours s", "speed-up", "newest kept: baseline", "ours",
               "extra MB: baseline", "ours")
    for column in columns:
        table.add_column(column, justify="left" if column == "document" else "right")

    def megabytes(value: float | None) -> str:
        return "—" if value is None else f"{value:.0f}"

    for row in rows:
        table.add_row(row.name, f"{row.size_bytes / 1e6:.1f} MB", f"{row.baseline_seconds:.3f}",
                      f"{row.ours_seconds:.3f}", f"×{row.baseline_seconds / row.ours_seconds:.1f}",
                      f"{row.baseline_newest:.0%}", f"{row.ours_newest:.0%}",
                      megabytes(row.baseline_peak_mb), megabytes(row.ours_peak_mb))
    console = Console(width=max(Console().width, 130))
    console.print(table)
    console.print(f"reproduce: {command}")
