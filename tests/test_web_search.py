"""Search pages, snippets and ranking details on SQLite; query semantics on both backends: test_search_backends.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update
from web_fixtures import make_site

from svodka.store.schema import articles
from svodka.store.search import SearchQuery, highlight, index_article, parse_query, search


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
