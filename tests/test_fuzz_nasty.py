"""The nasty corpus (tests/nasty_inputs.py) through every reader it applies to: a documented error or a best-effort
result, inert entities, no request to the canary server, no hang; 100 MB single lines and 100,000-deep nesting in a
child process with a time limit and a bound on peak memory growth.
"""

from __future__ import annotations

import json
import math
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from nasty_inputs import CANARY, HUGE_CASES, SECRET_LINE, NastyCase, nasty_documents, nasty_texts
from pytest_httpserver import HTTPServer

from svodka.batch import read_import_line
from svodka.enrich.figures import extract_figures
from svodka.enrich.tag_io import parse_line as parse_tag_line
from svodka.extract.article import NotAnArticle, extract_article
from svodka.extract.dates import to_iso
from svodka.extract.relative_time import resolve_relative_time
from svodka.feeds.dates import to_iso8601
from svodka.feeds.discovery import discover_feed_links, looks_like_feed
from svodka.feeds.errors import FeedError
from svodka.feeds.opml import read_opml
from svodka.feeds.parse import parse_feed
from svodka.feeds.sitemap import parse_sitemap
from svodka.models import Article, ParsedFeed
from svodka.store.search import ParsedQuery, parse_query
from svodka.stories.batch import parse_line as parse_cluster_line

NOW = datetime(2024, 11, 25, 12, 0, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Almaty")
PAGE_URL = "https://news.example.kz/news/1"
# Per small case in this process; all huge cases together in their child process (generous: CI has 2 busy cores).
SMALL_CASE_SECONDS = 60
HUGE_CASES_SECONDS = 900
MAX_GROWTH_MB = 1024


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogatepass")


def _line(data: bytes) -> str:
    """A JSON line as is; any other text as the title and body of an otherwise valid line."""
    text = _text(data)
    if text.lstrip().startswith(("{", "[")):
        return text
    return json.dumps({"id": 1, "url": PAGE_URL, "title": text[:1000], "text": text, "published": text[:1000]},
                      ensure_ascii=False)


# reader -> (call, the documented errors it may raise)
READERS: dict[str, tuple[Callable[[bytes], object], tuple[type[Exception], ...]]] = {
    "feed": (lambda data: parse_feed(data, "https://news.example.kz/rss"), (FeedError,)),
    "sitemap": (parse_sitemap, (FeedError,)),
    "opml": (read_opml, (FeedError,)),
    "article": (lambda data: extract_article(data, PAGE_URL, fetched_at=NOW), (NotAnArticle,)),
    "discovery": (lambda data: (looks_like_feed(data), discover_feed_links(data.decode("utf-8", "replace"), PAGE_URL)),
                  ()),
    "feed-date": (lambda data: to_iso8601(_text(data)), ()),
    "page-date": (lambda data: to_iso(_text(data), ZONE), ()),
    "relative-time": (lambda data: resolve_relative_time(_text(data), NOW, ZONE), ()),
    "query": (lambda data: parse_query(_text(data)), ()),
    "figures": (lambda data: extract_figures(_text(data)), ()),
    "import-line": (lambda data: read_import_line(_line(data)), (ValueError,)),
    "cluster-line": (lambda data: parse_cluster_line(1, _line(data), NOW), ()),
    "tag-line": (lambda data: parse_tag_line(_line(data)), ()),
}


def run_reader(reader: str, data: bytes) -> tuple[object | None, str]:
    """(result or None, a one-line outcome) of `reader` on `data`; documented errors are an outcome, others raise."""
    call, documented = READERS[reader]
    try:
        result = call(data)
    except documented as error:
        assert str(error), f"{reader}: {type(error).__name__} without a message"
        return None, f"error {type(error).__name__}: {str(error)[:120]}"
    return result, f"result {type(result).__name__}"


def _iso_in_range(value: str | None) -> bool:
    return value is None or 1990 <= datetime.fromisoformat(value).year <= 2100


def check_result(reader: str, result: object, data: bytes) -> None:
    """The best-effort result of `reader` has the types its contract promises."""
    if isinstance(result, ParsedFeed):
        assert all(entry.url.lower().startswith(("http://", "https://")) for entry in result.entries)
        assert all(_iso_in_range(entry.published) for entry in result.entries)
        assert result.ttl_minutes is None or 0 < result.ttl_minutes <= 525_600
    elif isinstance(result, Article):
        assert isinstance(result.text, str) and _iso_in_range(result.published)
    elif reader in ("feed-date", "page-date"):
        assert result is None or (isinstance(result, str) and _iso_in_range(result))
    elif reader == "relative-time":
        assert result is None or (isinstance(result, datetime) and result.tzinfo is not None)
    elif reader == "figures":
        text = _text(data)
        assert all(text[f.start:f.end] == f.text and (f.value is None or math.isfinite(f.value))
                   for f in result)  # type: ignore[attr-defined]
    elif reader == "query":
        assert isinstance(result, ParsedQuery) and result.match.count('"') % 2 == 0


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeoutError in this (main) thread when the block runs longer than `seconds`."""
    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


SMALL_CASES = [(case, reader) for case in nasty_documents() + nasty_texts() for reader in case.readers]


@pytest.mark.parametrize(("case", "reader"), SMALL_CASES, ids=[f"{c.name}-{r}" for c, r in SMALL_CASES])
def test_nasty_case(case: NastyCase, reader: str, httpserver: HTTPServer) -> None:
    data = case.data.replace(CANARY, httpserver.url_for("/").encode())
    with time_limit(SMALL_CASE_SECONDS):
        result, _ = run_reader(reader, data)
    check_result(reader, result, data)
    dumped = repr(result)
    assert "lollol" not in dumped and "a" * 5_000 not in dumped, "an entity was expanded"
    if SECRET_LINE:
        assert SECRET_LINE not in dumped, "a local file was read"
    assert not httpserver.log, "a reader contacted the network"


def test_the_corpus_covers_every_reader() -> None:
    assert {reader for _, reader in SMALL_CASES} == set(READERS)
    assert len(SMALL_CASES) >= 500


# --- huge inputs, in a child process ---------------------------------------------------------------------------

CHILD = """
import json, sys, time
sys.path.insert(0, {tests!r})
from nasty_inputs import HUGE_CASES
from test_fuzz_nasty import memory_kb, reset_peak_memory, run_reader

for name, (build, readers) in HUGE_CASES.items():
    data = build()
    for reader in readers:
        print(json.dumps({{"case": name, "reader": reader, "started": True}}), flush=True)
        exact = reset_peak_memory()
        before, _ = memory_kb()
        start = time.monotonic()
        result, outcome = run_reader(reader, data)
        seconds = time.monotonic() - start
        del result
        _, peak = memory_kb()
        print(json.dumps({{"case": name, "reader": reader, "outcome": outcome, "seconds": round(seconds, 1),
                          "growth_mb": (peak - before) // 1024 if exact else None,
                          "input_mb": len(data) // 2**20}}), flush=True)
    del data
"""


def memory_kb() -> tuple[int, int]:
    """(resident, peak resident) memory of this process in kB, from /proc (ru_maxrss where /proc is missing)."""
    values = {}
    try:
        with open("/proc/self/status") as status:
            for line in status:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(rest.split()[0])
    except OSError:
        pass
    peak = values.get("VmHWM", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return values.get("VmRSS", peak), peak


def reset_peak_memory() -> bool:
    """Reset the peak to the current resident size (Linux); False where that is impossible."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def huge_reports() -> tuple[list[dict[str, object]], str]:
    """Every huge case through its readers in one child process: the per-reader reports, and stderr."""
    script = CHILD.format(tests=str(Path(__file__).parent))
    try:
        child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                               timeout=HUGE_CASES_SECONDS, cwd=Path(__file__).parent.parent,
                               env={**os.environ, "PYTHONWARNINGS": "ignore"})
        output, errors = child.stdout, child.stderr
    except subprocess.TimeoutExpired as expired:
        output = expired.stdout.decode() if isinstance(expired.stdout, bytes) else expired.stdout or ""
        errors = f"the child was stopped after {HUGE_CASES_SECONDS} s"
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")], errors


@pytest.mark.parametrize("name", list(HUGE_CASES))
def test_huge_input_finishes_within_bounds(name: str, huge_reports: tuple[list[dict[str, object]], str]) -> None:
    """100 MB on one line, or 100,000 levels of nesting: each reader ends with an error or a result, and the peak
    memory grows by less than MAX_GROWTH_MB over the input itself."""
    reports, errors = huge_reports
    mine = [report for report in reports if report["case"] == name]
    finished = [report for report in mine if "outcome" in report]
    started = [report["reader"] for report in mine if "started" in report]
    assert [report["reader"] for report in finished] == list(HUGE_CASES[name][1]), (
        f"{name}: readers started {started}, finished {finished}; {errors[-3000:]}")
    for report in finished:
        assert report["growth_mb"] is None or report["growth_mb"] < MAX_GROWTH_MB, report
    print(name, finished)


def test_time_limit_interrupts_a_hang() -> None:
    started = time.monotonic()
    with pytest.raises(TimeoutError), time_limit(0.2):
        while True:
            time.sleep(0.01)
    assert time.monotonic() - started < 30
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss > 0
