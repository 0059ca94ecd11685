"""Extraction quality and speed on the 15 gold pages in shared/data/pages, ours against plain trafilatura.

Scorer (reusable): `token_f1` is bag-of-words F1 over lower-cased word tokens; `date_matches` accepts the local
date at the page's offset or the UTC date. Run: `svodka bench extract`.
"""

from __future__ import annotations

import gzip
import json
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import trafilatura

from svodka.extract.article import NotAnArticle, extract_article

_WORD = re.compile(r"\w+")
RERUN_COMMAND = "svodka bench extract"


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (letters, digits, underscore)."""
    return _WORD.findall(text.lower())


def token_f1(predicted: str, gold: str) -> float:
    """Bag-of-words F1 between two texts; 1.0 when both are empty."""
    pred, want = Counter(tokens(predicted)), Counter(tokens(gold))
    if not pred and not want:
        return 1.0
    overlap = sum((pred & want).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / sum(pred.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def date_matches(found: str | None, gold_day: str) -> bool:
    """True when an ISO date(-time) falls on `gold_day` (YYYY-MM-DD) locally at its offset or in UTC."""
    if not found:
        return False
    if found[:10] == gold_day:
        return True
    try:
        parsed = datetime.fromisoformat(found)
    except ValueError:
        return False
    return parsed.tzinfo is not None and parsed.astimezone(UTC).date().isoformat() == gold_day


@dataclass
class GoldPage:
    """One page with whatever gold answers its dataset provides."""

    dataset: str
    name: str
    url: str
    html: bytes
    fetched_at: datetime | None = None
    date: str | None = None
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    body: str | None = None
    photo_credits: list[str] = field(default_factory=list)


def load_gold_pages(base: Path) -> list[GoldPage]:
    """Read `pages/` (htmldate, fundus, zyte) below the shared data directory."""
    pages: list[GoldPage] = []
    root = base / "pages"
    for url, gold in json.loads((root / "htmldate" / "gold_dates.json").read_text()).items():
        html = (root / "htmldate" / gold["file"]).read_bytes()
        pages.append(GoldPage("htmldate", gold["file"], url, html, date=gold["date"]))
    meta = json.loads((root / "fundus" / "meta.info").read_text())
    for name, info in sorted(meta.items()):
        data = json.loads((root / "fundus" / f"{name.split('_')[0]}.json").read_text())["V1"]
        sections = data["body"]["sections"]
        body = "\n".join(p for s in sections for p in [*s["headline"], *s["paragraphs"]])
        credits = [a for image in data.get("images", []) for a in image.get("authors") or []]
        pages.append(GoldPage(
            "fundus", name, info["url"], gzip.decompress((root / "fundus" / name).read_bytes()),
            fetched_at=datetime.fromisoformat(info["crawl_date"]).replace(tzinfo=UTC),
            date=data["publishing_date"][:10], title=data["title"], authors=data["authors"], body=body,
            photo_credits=credits,
        ))
    truth = json.loads((root / "zyte" / "ground-truth.json").read_text())
    for path in sorted((root / "zyte").glob("*.html.gz")):
        gold = truth[path.name.removesuffix(".html.gz")]
        pages.append(GoldPage("zyte", path.name[:12], gold["url"], gzip.decompress(path.read_bytes()),
                              body=gold["articleBody"]))
    return pages


@dataclass
class Extracted:
    """The fields the scorer compares, from either extractor."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    text: str = ""
    credits: list[str] = field(default_factory=list)


def run_ours(page: GoldPage) -> Extracted:
    try:
        article = extract_article(page.html, page.url, fetched_at=page.fetched_at)
    except NotAnArticle:
        return Extracted()
    credits = [*article.credits, *([article.image.credit] if article.image and article.image.credit else [])]
    return Extracted(article.title, article.authors, article.published, article.text, credits)


def run_trafilatura(page: GoldPage) -> Extracted:
    """Plain trafilatura with its own metadata (author string split on "; " as it joins them)."""
    doc = trafilatura.bare_extraction(page.html, url=page.url, with_metadata=True)
    if doc is None:
        return Extracted()
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    return Extracted(doc.title, authors, doc.date, doc.text or "")


@dataclass
class DatasetScore:
    pages: int = 0
    dates_right: int = 0
    dates_total: int = 0
    titles_right: int = 0
    authors_right: int = 0
    meta_total: int = 0
    credits_found: int = 0
    credits_total: int = 0
    f1: list[float] = field(default_factory=list)

    def add(self, page: GoldPage, got: Extracted) -> None:
        self.pages += 1
        if page.date:
            self.dates_total += 1
            self.dates_right += date_matches(got.published, page.date)
        if page.title is not None:
            self.meta_total += 1
            self.titles_right += got.title == page.title
            self.authors_right += got.authors == page.authors
        if page.dataset == "fundus" and page.photo_credits:
            self.credits_total += 1
            joined = " ".join(got.credits)
            self.credits_found += all(c in joined for c in page.photo_credits[:1])
        if page.body is not None:
            self.f1.append(token_f1(got.text, page.body))


def score(pages: list[GoldPage], extractor: Callable[[GoldPage], Extracted]) -> dict[str, DatasetScore]:
    scores: dict[str, DatasetScore] = {}
    for page in pages:
        scores.setdefault(page.dataset, DatasetScore()).add(page, extractor(page))
    return scores


def pages_per_second(
    pages: list[GoldPage], extractors: dict[str, Callable[[GoldPage], Any]], passes: int
) -> dict[str, float]:
    """Throughput of each extractor in CPU seconds of this process (steady on a shared machine, unlike wall
    time), after one warm-up pass that also loads lazy models. Extractors take turns page by page, in an
    order that rotates every pass, so background load hits them alike."""
    names = list(extractors)
    for page in pages:
        for name in names:
            extractors[name](page)
    spent = dict.fromkeys(names, 0.0)
    for index in range(passes):
        order = names[index % len(names):] + names[:index % len(names)]
        for page in pages:
            for name in order:
                started = time.process_time()
                extractors[name](page)
                spent[name] += time.process_time() - started
    return {name: passes * len(pages) / max(seconds, 1e-9) for name, seconds in spent.items()}


def run_bench(base: Path, passes: int = 3) -> dict[str, Any]:
    """Quality per dataset for ours and trafilatura, and speed: ours, trafilatura as it comes, and with metadata."""
    pages = load_gold_pages(base)

    def plain(page: GoldPage) -> Any:
        return trafilatura.bare_extraction(page.html, url=page.url)

    speeds = pages_per_second(pages, {"ours": run_ours, "plain": plain, "meta": run_trafilatura}, passes)
    return {
        "pages": len(pages),
        "ours": score(pages, run_ours),
        "trafilatura": score(pages, run_trafilatura),
        "speed_ours": speeds["ours"],
        "speed_plain": speeds["plain"],
        "speed_trafilatura_meta": speeds["meta"],
        "passes": passes,
    }


def _fmt(right: int, total: int) -> str:
    return f"{right}/{total}" if total else "—"


def _f1(values: list[float]) -> str:
    return f"{sum(values) / len(values):.3f} (min {min(values):.3f})" if values else "—"


def render(result: dict[str, Any], command: str = RERUN_COMMAND) -> None:
    """Print the quality and speed tables and the command that reproduces them."""
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 120))
    quality = Table(title=f"Extraction quality on {result['pages']} gold pages (shared/data/pages)")
    for column in ("dataset", "extractor", "dates", "title exact", "authors exact", "photo credit", "body token F1"):
        quality.add_column(column)
    for dataset in result["ours"]:
        for label in ("ours", "trafilatura"):
            s: DatasetScore = result[label][dataset]
            quality.add_row(dataset, label if label == "ours" else "trafilatura (with_metadata)",
                            _fmt(s.dates_right, s.dates_total), _fmt(s.titles_right, s.meta_total),
                            _fmt(s.authors_right, s.meta_total), _fmt(s.credits_found, s.credits_total), _f1(s.f1))
    console.print(quality)
    speed = Table(title=f"Speed: CPU time of {result['passes']} interleaved passes over all pages, after a warm-up")
    for column in ("extractor", "pages/s", "ours ÷ this"):
        speed.add_column(column)
    ours = result["speed_ours"]
    speed.add_row("ours (extract_article)", f"{ours:.1f}", "1.00")
    speed.add_row("trafilatura.bare_extraction as it comes", f"{result['speed_plain']:.1f}",
                  f"{ours / result['speed_plain']:.2f}")
    speed.add_row("trafilatura.bare_extraction with_metadata", f"{result['speed_trafilatura_meta']:.1f}",
                  f"{ours / result['speed_trafilatura_meta']:.2f}")
    console.print(speed)
    console.print(f"reproduce: {command}")
