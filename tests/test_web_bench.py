"""The web benchmark's synthetic databases (small sizes, real text from shared/data) and its search workload."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from svodka.store.schema import articles, stories
from svodka.store.search import SearchQuery, index_article, search


def test_search_corpus_is_searchable_and_keeps_the_live_trigger(shared_data: Path, tmp_path: Path) -> None:
    from svodka.web.bench_search import build_search_database, search_workload

    url = f"sqlite:///{tmp_path / 'search.db'}"
    engine = build_search_database(url, 400, base_articles=30)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(articles)).scalar_one() == 400
        assert conn.execute(text("SELECT count(*) FROM search_docs")).scalar_one() == 400
        assert conn.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'search_docs_ai'")).scalar_one()
        titles = list(conn.execute(select(articles.c.title).limit(50)).scalars())
    assert len(set(titles)) > 10  # distinct documents, not a handful of copies
    word = next(w for t in titles for w in t.split() if len(w) >= 6 and w.isalpha())
    assert search(engine, SearchQuery(text=word)).total > 0
    # The FTS trigger is back: a new article is searchable through the live path.
    with engine.begin() as conn:
        conn.execute(articles.insert().values(id=401, url="https://x/401", canonical_url="https://x/401",
                                              title="Зюзюкинский квазиметеорит", text="Текст.",
                                              fetched_at=func.now(), updated_at=func.now()))
    assert index_article(engine, 401)
    assert [h.article_id for h in search(engine, SearchQuery(text="квазиметеорит")).hits] == [401]
    assert build_search_database(url, 401) is not None  # reused as it is
    with pytest.raises(RuntimeError, match="already holds"):
        build_search_database(url, 500)

    kinds = search_workload(engine, 5)
    assert len(kinds) == 6 and all(len(paths) == 5 for paths in kinds.values())
    assert all(p.startswith("/search?q=") for paths in kinds.values() for p in paths)
    assert all("sort=date" in p for p in kinds["search: word, by date"])


def test_site_benchmark_database_stores_related_for_every_story(shared_data: Path, tmp_path: Path) -> None:
    from svodka.web.bench import build_database, workload

    engine = build_database(f"sqlite:///{tmp_path / 'site.db'}", 60)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(stories)).scalar_one() == 12
        assert conn.execute(select(func.count()).select_from(stories).where(stories.c.related.is_(None))
                            ).scalar_one() == 0
    paths = workload(engine, 20)
    assert set(paths) == {"home", "article", "story", "tag", "search", "hello"}
    assert paths != workload(engine, 20, seed=12)
