"""The site under concurrent readers while an ingest writes: no errors, and no reader sees a half-written article."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from web_fixtures import make_site, serve_in_thread

from svodka.store.schema import articles
from svodka.web.load_bench import ROUTE_WEIGHTS, missing_parts, percentile, read_site, run_load_benchmark


@pytest.mark.parametrize(("article", "text", "story", "missing"), [
    ({"title": "Заголовок", "category": "politics", "story_id": 3}, None, True, []),
    ({"title": "Заголовок", "category": "politics", "story_id": 3}, "Текст", {"id": 3}, []),
    ({"title": "Заголовок", "category": None, "story_id": None}, None, True, ["category", "story_id"]),
    ({"title": "", "category": "politics", "story_id": 3}, "  ", None, ["title", "text", "story"]),
])
def test_missing_parts(article: dict[str, object], text: str | None, story: object, missing: list[str]) -> None:
    assert missing_parts(article, text, story) == missing


def test_percentile_by_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.99), percentile([], 0.5)) == (50.0, 99.0, 0.0)


def test_the_check_catches_a_half_written_article(tmp_path: Path) -> None:
    """An article visible before enrichment and clustering ran (no category, no story, no text) is reported."""
    client, engine, _ = make_site(tmp_path)
    now = datetime.now(UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        conn.execute(articles.insert().values(
            id=99, source_id=1, url="https://kaztag.example/news/99", canonical_url="https://kaztag.example/news/99",
            title="Только что сохранённая статья", text="", published_at=now, fetched_at=now, updated_at=now,
            ingested_at=now))
    with serve_in_thread(client.app) as base:
        result = read_site(base, readers=3, seconds=3)
    assert result.articles_checked > 0
    assert result.incomplete > 0
    assert any("article 99 without category" in s for s in result.incomplete_samples), result.incomplete_samples


def test_readers_during_ingest_see_no_errors_and_only_whole_articles() -> None:
    """A tiny `svodka bench load`: 20 readers for 5 s on a fresh database while the replay is being ingested."""
    report = run_load_benchmark(readers=20, seconds=5, articles_limit=80)
    samples = report.result.error_samples + report.result.incomplete_samples
    assert report.errors == 0, samples
    assert report.result.articles_checked > 0
    assert report.result.incomplete == 0, samples
    assert {row.route for row in report.rows} == set(ROUTE_WEIGHTS)
    assert report.requests >= 20  # every reader got through several requests (no rate of any kind is asserted)
    assert all(row.p50_ms > 0 for row in report.rows if row.requests)
