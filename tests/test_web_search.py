"""Search pages, snippets and ranking details on SQLite; query semantics on both backends: test_search_backends.py."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select, text, update
from web_fixtures import make_site

from svodka.store.db import _alembic_config, make_engine, upgrade
from svodka.store.schema import articles
from svodka.store.search import (
    SearchQuery,
    date_range_terms,
    facet_terms,
    highlight,
    index_article,
    parse_query,
    search,
)


def downgrade(engine: Engine, revision: str) -> None:
    config = _alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


@pytest.fixture
def site(tmp_path: Path):  # type: ignore[no-untyped-def]
    client, engine, fixture = make_site(tmp_path)
    return client, engine


def _ids(engine, text: str, **filters) -> list[int]:  # type: ignore[no-untyped-def]
    return [h.article_id for h in search(engine, SearchQuery(text=text, **filters)).hits]


def test_common_words_rank_within_the_newest_window(site, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import svodka.store.search as search_module

    _, engine = site
    monkeypatch.setattr(search_module, "RANK_WINDOW", 2)
    result = search(engine, SearchQuery(text="Мирзиёев"))
    assert {h.article_id for h in result.hits} == {2, 3}  # the two newest matches only
    # With a filter that leaves too little inside the window, every match is looked at.
    assert _ids(engine, "Мирзиёев", source="kaztag") == [1]


def test_relevance_prefers_title_hits(site) -> None:  # type: ignore[no-untyped-def]
    _, engine = site
    # Article 4 has "Нацбанк" in its title; nothing else mentions it at all.
    assert _ids(engine, "Казахстана")[0] in {1, 4}
    assert _ids(engine, "сохранил")[0] == 4


def test_snippets_are_highlighted_and_escaped(site) -> None:  # type: ignore[no-untyped-def]
    _, engine = site
    with engine.begin() as conn:
        conn.execute(update(articles).where(articles.c.id == 2).values(
            lead='Мирзиёев <script>alert("x")</script> & <b>визит</b>'))
    assert index_article(engine, 2)
    hit = next(h for h in search(engine, SearchQuery(text="Мирзиёев")).hits if h.article_id == 2)
    assert "<mark>Мирзиёев</mark>" in hit.snippet_html
    assert "<script>" not in hit.snippet_html and "&lt;script&gt;" in hit.snippet_html
    assert "&amp;" in hit.snippet_html and "<b>" not in hit.snippet_html
    assert hit.title_html == "<mark>Мирзиёев</mark> прибыл в Астану"


def test_highlight_cuts_long_text_around_first_hit() -> None:
    parsed = parse_query("Астана")
    text = "слово " * 200 + "в Астане прошла встреча " + "ещё " * 200
    html, found = highlight(text, parsed, width=120)
    assert found
    assert html.startswith("…") and html.endswith("…")
    assert "<mark>Астане</mark>" in html and len(html) < 200


def test_parse_query_builds_safe_fts_expressions() -> None:
    assert parse_query("").match == ""
    assert parse_query('" OR "').match == '("or")'
    parsed = parse_query('Токаева "Касым-Жомарт Токаев" нефт* -тенге')
    assert '"токаев"' in parsed.match and '"нефт"*' in parsed.match and " NOT " in parsed.match
    assert "нефт" in parsed.prefixes and "токаев" in parsed.lemmas


def test_search_page_and_api(site) -> None:  # type: ignore[no-untyped-def]
    client, _ = site
    html = client.get("/search", params={"q": "Токаеву", "sort": "date"}).text
    assert "Найдено: 2" in html and "<mark>Токаев</mark>" in html
    assert 'href="/search/feed.xml?q=' in html
    data = client.get("/api/search", params={"q": "ставка", "category": "economy"}).json()
    assert [h["article_id"] for h in data["results"]["items"]] == [4]
    assert client.get("/api/search", params={"q": "x", "sort": "bogus"}).status_code == 400
    assert client.get("/api/search", params={"q": "x", "from": "not-a-date"}).status_code == 400


def test_prefix_query_with_a_category_on_the_page_and_api(site) -> None:  # type: ignore[no-untyped-def]
    client, _ = site
    data = client.get("/api/search", params={"q": "нацбанк*", "category": "economy"}).json()
    assert [h["article_id"] for h in data["results"]["items"]] == [4]
    assert client.get("/api/search", params={"q": "нацбанк*", "category": "politics"}).json()[
        "results"]["items"] == []
    html = client.get("/search", params={"q": "мирзи*", "source": "gazeta-uz"}).text
    assert "Найдено: 1" in html and "<mark>Мирзиёев</mark>" in html


# --- SQLite: prefix indexes and filter terms (migration 0007) ------------------------------------------------


def test_index_has_prefix_indexes_and_stores_the_filter_terms(site) -> None:  # type: ignore[no-untyped-def]
    _, engine = site
    with engine.connect() as conn:
        ddl = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'search_fts'")).scalar_one()
        stored = dict(conn.execute(text("SELECT article_id, facets FROM search_docs")).all())
        rows = conn.execute(select(articles.c.id, articles.c.category, articles.c.source_id,
                                   articles.c.published_at)).all()
    assert "prefix='2 3 4'" in ddl
    # The triggers' SQL and `facet_terms` (used by bulk loaders) write the same terms.
    assert stored == {r.id: facet_terms(r.category, r.source_id, r.published_at) for r in rows}
    assert stored[4].startswith("ceconomy s1 y")
    assert facet_terms("not_news", None, datetime(987, 6, 5, 4, 3)) == "y0987 m098706 d09870605"
    assert facet_terms(None, None, None) == ""


@settings(deadline=None, max_examples=300)
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)), st.integers(0, 3000))
def test_date_range_terms_cover_exactly_the_range(first: date, length: int) -> None:
    last = first + timedelta(days=length)
    terms = date_range_terms(first, last)
    assert terms is not None and len(terms) <= 2 * (30 + 11) + 9
    covered: list[date] = []
    for term in terms:
        kind, digits = term[0], term[1:]
        if kind == "y":
            year = int(digits)
            covered += [date(year, 1, 1) + timedelta(days=k) for k in range(366 if year % 4 == 0 and (
                year % 100 != 0 or year % 400 == 0) else 365)]
        elif kind == "m":
            start = date(int(digits[:4]), int(digits[4:]), 1)
            following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
            covered += [start + timedelta(days=k) for k in range((following - start).days)]
        else:
            covered.append(date(int(digits[:4]), int(digits[4:6]), int(digits[6:])))
    assert sorted(covered) == [first + timedelta(days=k) for k in range(length + 1)]  # each day once, none outside


def test_date_range_terms_give_up_on_very_long_ranges() -> None:
    assert date_range_terms(date(1, 1, 1), date.max) is None
    assert date_range_terms(date(9999, 12, 30), date.max) == ["d99991230", "d99991231"]
    assert date_range_terms(date(2026, 3, 1), date(2026, 3, 31)) == ["m202603"]


def test_migration_adds_prefixes_and_filter_terms_to_an_existing_index(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0006")
    with engine.begin() as conn:
        conn.execute(articles.insert().values(
            id=7, url="https://a.example/7", canonical_url="https://a.example/7", title="Нацбанк снизил ставку",
            text="", category="economy", published_at=datetime(2026, 11, 24, 9), fetched_at=datetime(2026, 11, 24),
            updated_at=datetime(2026, 11, 24)))
        conn.execute(text("INSERT INTO search_docs (article_id, title, lead, body) "
                          "VALUES (7, 'нацбанк снизить ставка', '', '')"))
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT facets FROM search_docs")).scalar_one() == (
            "ceconomy y2026 m202611 d20261124")
    assert [h.article_id for h in search(engine, SearchQuery(text="нацб*", category="economy")).hits] == [7]
    assert search(engine, SearchQuery(text="нацб*", date_to=date(2026, 11, 23))).hits == []
    downgrade(engine, "0006")
    with engine.connect() as conn:
        ddl = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'search_fts'")).scalar_one()
        assert "prefix" not in ddl and "facets" not in ddl
        found = conn.execute(text("SELECT rowid FROM search_fts WHERE search_fts MATCH 'нацбанк'")).scalars()
        assert found.all() == [7]
    upgrade(engine)
    assert [h.article_id for h in search(engine, SearchQuery(text="ставка", category="economy")).hits] == [7]
    engine.dispose()


def test_search_benchmark_corpus_stores_filter_terms_like_the_triggers(shared_data: Path, tmp_path: Path) -> None:
    from svodka.web.bench_search import build_search_database, filter_workload

    engine = build_search_database(f"sqlite:///{tmp_path / 'search.db'}", 300, base_articles=30)
    with engine.begin() as conn:
        rows = conn.execute(select(articles.c.id, articles.c.title, articles.c.category, articles.c.source_id,
                                   articles.c.published_at)).all()
        python = {r.id: facet_terms(r.category, r.source_id, r.published_at) for r in rows}
        assert dict(conn.execute(text("SELECT article_id, facets FROM search_docs")).all()) == python
        # The trigger rewrites the terms in SQL whenever they differ from what the bulk load wrote in Python.
        conn.execute(text("UPDATE articles SET category = category, source_id = source_id"))
        assert dict(conn.execute(text("SELECT article_id, facets FROM search_docs")).all()) == python
    word = next(w for r in rows for w in r.title.split() if len(w) >= 6 and w.isalpha())
    everything = search(engine, SearchQuery(text=word, sort="date", per_page=100)).hits
    category = everything[-1].category
    assert category is not None
    within = search(engine, SearchQuery(text=word, category=category, sort="date", per_page=100)).hits
    newest = [h.article_id for h in everything if h.category == category]  # the newest of that category
    assert [h.article_id for h in within][:len(newest)] == newest
    kinds = filter_workload(engine, 4)
    assert set(kinds) == {"search: word + source", "search: word + 30 days", "search: prefix* + category"}
    assert all("&from=" in p and "&to=" in p for p in kinds["search: word + 30 days"])
    engine.dispose()
