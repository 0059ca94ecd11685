"""Search on SQLite (FTS5) and PostgreSQL (tsvector + GIN) gives the same articles for the same queries.

The core cases of `test_web_search.py` run on both backends (`backend_url`); one more test loads real BSNLP articles
into both and compares every result list, so the two paths cannot drift.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, insert, inspect, select, text, update
from web_fixtures import populate

from svodka.store.db import make_engine, open_database, upgrade
from svodka.store.schema import articles
from svodka.store.search import (
    SearchQuery,
    index_article,
    indexed_count,
    parse_query,
    reindex_all,
    render_tsquery,
    search,
)


@pytest.fixture
def engine(backend_url: str):  # type: ignore[no-untyped-def]
    engine = open_database(backend_url)
    populate(engine)
    yield engine
    engine.dispose()


def _ids(engine: Engine, text: str, **filters) -> list[int]:  # type: ignore[no-untyped-def]
    result = search(engine, SearchQuery(text=text, **filters))
    assert result.error is None
    return [h.article_id for h in result.hits]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Токаева", {1, 3}),           # genitive finds "Токаев" opening a title or inside a lead
        ("токаеву", {1, 3}),
        ("Мирзиёевым", {1, 2, 3}),
        ("мирзиеев", {1, 2, 3}),        # ё folded to е
        ('"провёл переговоры"', {1, 3}),
        ('"переговоры провёл"', set()),  # a phrase keeps its order
        ('"Касым-Жомарт Токаев"', {1}),  # a hyphenated name is two tokens in a phrase on both backends
        ("Касым-Жомарт", {1}),
        ("товарооборот*", {1}),
        ("нацбанк*", {4}),
        ("касым-жом*", {1}),             # a prefix after a hyphen: a phrase ending in a prefix
        ("Токаев -копия", {1}),
        ("-копия", set()),               # nothing positive to search for
        ("ставки", {4}),
        ("", set()),
        ("несуществующееслово", set()),
    ],
)
def test_query_semantics_on_both_backends(engine: Engine, query: str, expected: set[int]) -> None:
    assert set(_ids(engine, query)) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("' OR 1=1 --", set()), ("'); DROP TABLE articles; --", set()), ("NEAR(", set()), ("*", set()),
    ('"""', set()), ("'", set()), ("\\", set()), ("&|!<->", set()), ("a:B", set()), ("(((", set()), (")", set()),
    ("-", set()), ("--", set()), ("x" * 5000, set()), ("\x00", set()), ("' || pg_sleep(1) || '", set()),
    ('"Токаев', {1, 3}),       # an unclosed quote is a phrase to the end
    ("токаев:*", {1, 3}),      # ':*' is punctuation here, not PostgreSQL's prefix operator
    ("Токаев & !копия", {3}),  # "&" and "!" typed by a reader are not operators: both words must occur
])
def test_malicious_queries_are_harmless_on_both_backends(engine: Engine, query: str, expected: set[int]) -> None:
    assert set(_ids(engine, query)) == expected
    with engine.connect() as conn:
        assert conn.execute(select(articles.c.id).order_by(articles.c.id)).scalars().all() == [1, 2, 3, 4, 5]


def test_operators_typed_by_a_reader_are_words_not_syntax() -> None:
    assert render_tsquery(parse_query("a & b | !c").clauses) == "(('a')) & (('b')) & (('c'))"
    assert parse_query("' OR 1=1 --").tsquery == "(('or')) & (('1')) & (('1'))"


def test_filters_on_both_backends(engine: Engine) -> None:
    assert set(_ids(engine, "Токаев", source="kaztag")) == {1}
    assert set(_ids(engine, "Мирзиёев", category="politics")) == {1, 2, 3}
    assert _ids(engine, "Мирзиёев", category="economy") == []
    assert set(_ids(engine, "Мирзиёев", tag="tokaev")) == {1, 3}
    today = datetime.now(UTC).date()
    assert set(_ids(engine, "ставка", date_from=today - timedelta(days=2), date_to=today)) == {4}
    assert _ids(engine, "ставка", date_from=today + timedelta(days=1)) == []
    assert _ids(engine, "ставка", date_to=date(2000, 1, 1)) == []


def test_sort_by_date_and_pagination_on_both_backends(engine: Engine) -> None:
    assert _ids(engine, "Мирзиёев", sort="date") == [3, 2, 1]
    first = search(engine, SearchQuery(text="Мирзиёев", sort="date", per_page=2, page=1))
    second = search(engine, SearchQuery(text="Мирзиёев", sort="date", per_page=2, page=2))
    assert first.total == second.total == 3
    assert [h.article_id for h in first.hits + second.hits] == [3, 2, 1]


def test_relevance_prefers_title_hits_on_both_backends(engine: Engine) -> None:
    # "переговоры" is in the titles of 1 and 3 and also in the lead of 3: 3 first, then 1.
    assert _ids(engine, "переговоры") == [3, 1]
    assert _ids(engine, "сохранил") == [4]
    scores = [h.score for h in search(engine, SearchQuery(text="переговоры")).hits]
    assert scores == sorted(scores)  # lower is better on both backends


def test_common_words_rank_within_the_newest_window(engine: Engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import svodka.store.search as search_module

    monkeypatch.setattr(search_module, "RANK_WINDOW", 2)
    assert set(_ids(engine, "Мирзиёев")) == {2, 3}
    assert _ids(engine, "Мирзиёев", source="kaztag") == [1]


def test_snippets_are_highlighted_and_escaped_on_both_backends(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(update(articles).where(articles.c.id == 2).values(
            lead='Мирзиёев <script>alert("x")</script> & <b>визит</b>'))
    assert index_article(engine, 2)
    hit = next(h for h in search(engine, SearchQuery(text="Мирзиёев")).hits if h.article_id == 2)
    assert "<mark>Мирзиёев</mark>" in hit.snippet_html and "&lt;script&gt;" in hit.snippet_html
    assert "<script>" not in hit.snippet_html
    assert hit.title_html == "<mark>Мирзиёев</mark> прибыл в Астану"


def test_index_follows_updates_deletes_and_reindex(engine: Engine) -> None:
    assert indexed_count(engine) == 5
    with engine.begin() as conn:
        conn.execute(update(articles).where(articles.c.id == 4).values(title="Курс тенге укрепился"))
    assert index_article(engine, 4)
    assert index_article(engine, 4)  # indexing twice (a retried job) is harmless
    assert _ids(engine, "тенге") == [4]
    assert _ids(engine, "сохранил") == []
    with engine.begin() as conn:
        conn.execute(delete(articles).where(articles.c.id == 4))
    assert _ids(engine, "тенге") == []  # the index row went with the article (ON DELETE CASCADE)
    assert index_article(engine, 4) is False
    assert indexed_count(engine) == 4
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM search_docs"))
    assert _ids(engine, "Токаев") == []
    assert reindex_all(engine) == 4
    assert set(_ids(engine, "Токаев")) == {1, 3}


@pytest.mark.postgres
def test_postgres_index_is_a_weighted_tsvector_with_a_gin_index(postgres_server) -> None:  # type: ignore[no-untyped-def]
    engine = open_database(postgres_server.create_database("search_gin"))
    populate(engine)
    with engine.connect() as conn:
        document = conn.execute(text("SELECT document::text FROM search_docs WHERE article_id = 1")).scalar_one()
        indexdef = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_search_docs_document'"))
        assert "USING gin (document)" in indexdef.scalar_one()
        # The GIN index answers the match (a plan on an empty-statistics table may not pick it unforced).
        conn.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(conn.execute(text(
            "EXPLAIN SELECT article_id FROM search_docs WHERE document @@ to_tsquery('simple', 'токаев')")).scalars())
        assert "ix_search_docs_document" in plan
    assert "'токаев':1A,10B" in document  # title words weigh A, lead words B; lemmas are not stemmed again
    assert "'касым':8B" in document and "'жомарт':9B" in document  # "Касым-Жомарт": two tokens, as on FTS5
    engine.dispose()


@pytest.mark.postgres
def test_migration_indexes_articles_stored_before_it(postgres_server) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(postgres_server.create_database("search_backfill"))
    upgrade(engine, "0003")
    assert "search_docs" not in inspect(engine).get_table_names()
    now = datetime.now(UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        conn.execute(insert(articles).values(url="https://a.example/1", canonical_url="https://a.example/1",
                                             title="Токаев провёл переговоры", text="", fetched_at=now,
                                             updated_at=now))
    upgrade(engine)
    assert indexed_count(engine) == 1
    assert len(_ids(engine, "Токаеву")) == 1
    engine.dispose()


# --- the same real articles on both backends -----------------------------------------------------------------


_REAL_ARTICLES = 150


def _load_real_articles(database_url: str, documents: list[tuple[str, str]]) -> Engine:
    engine = open_database(database_url)
    now = datetime(2026, 11, 20, 12, 0)
    with engine.begin() as conn:
        conn.execute(insert(articles), [
            {"id": n, "url": f"https://bsnlp.example/{n}", "canonical_url": f"https://bsnlp.example/{n}",
             "title": title, "lead": body.split("\n", 1)[0][:300], "text": body,
             "published_at": now - timedelta(minutes=n), "fetched_at": now, "updated_at": now}
            for n, (title, body) in enumerate(documents, start=1)])
    assert reindex_all(engine) == len(documents)
    return engine


def _queries(documents: list[tuple[str, str]]) -> list[str]:
    """Words, phrases and prefixes taken from the titles, and an exclusion: a few hundred queries."""
    queries: list[str] = []
    for title, _ in documents[:60]:
        tokens = re.findall(r"[А-Яа-яЁё-]{3,}", title)
        queries += tokens[:3]
        if len(tokens) >= 2:
            queries.append(f'"{tokens[0]} {tokens[1]}"')
        queries += [t[:5] + "*" for t in tokens[:2] if len(t) > 6]
        if len(tokens) >= 2:
            queries.append(f"{tokens[0]} -{tokens[1]}")
    return list(dict.fromkeys(queries))


@pytest.mark.postgres
def test_real_articles_give_the_same_results_on_both_backends(shared_data: Path, postgres_server,  # type: ignore[no-untyped-def]
                                                               tmp_path: Path) -> None:
    from svodka.corpora.bsnlp import iter_documents

    documents = []
    for doc in iter_documents():
        if doc.text and doc.title and re.search("[А-Яа-яЁё]{3}", doc.title):
            documents.append((doc.title, doc.text))
        if len(documents) == _REAL_ARTICLES:
            break
    lite = _load_real_articles(f"sqlite:///{tmp_path / 'lite.db'}", documents)
    pg = _load_real_articles(postgres_server.create_database("search_real"), documents)
    queries = _queries(documents)
    assert len(queries) > 150
    found = 0
    for query in queries:
        for sort in ("date", "relevance"):
            on_sqlite = search(lite, SearchQuery(text=query, sort=sort, per_page=100))
            on_postgres = search(pg, SearchQuery(text=query, sort=sort, per_page=100))
            assert on_postgres.error is None and on_sqlite.error is None
            assert on_postgres.total == on_sqlite.total, query
            if sort == "date":
                assert [h.article_id for h in on_postgres.hits] == [h.article_id for h in on_sqlite.hits], query
                found += bool(on_sqlite.hits)
            elif on_sqlite.total <= 100:
                # Scores differ (bm25 vs ts_rank_cd), so only a complete page holds the same articles.
                assert {h.article_id for h in on_postgres.hits} == {h.article_id for h in on_sqlite.hits}, query
    assert found > len(queries) * 0.8  # most queries taken from titles do find their article
    lite.dispose()
    pg.dispose()


# --- filters and prefixes at scale: the index applies category, source and dates itself on SQLite ---------------


def _published(engine: Engine, article_id: int) -> date:
    with engine.connect() as conn:
        return conn.execute(select(articles.c.published_at).where(articles.c.id == article_id)).scalar_one().date()


def test_filters_narrow_prefix_queries_on_both_backends(engine: Engine) -> None:
    assert set(_ids(engine, "нацбанк*", category="economy")) == {4}
    assert _ids(engine, "нацбанк*", category="politics") == []
    assert set(_ids(engine, "мирзи*")) == {1, 2, 3}
    assert set(_ids(engine, "мирзи*", source="kaztag")) == {1}
    assert set(_ids(engine, "мирзи*", source="gazeta-uz", category="politics")) == {2}
    assert _ids(engine, "мирзи*", source="no-such-outlet") == []
    assert _ids(engine, "мирзи*", category="no-such-category") == []
    old = _published(engine, 5)  # 400 days ago: another year, month and day than the rest
    assert _ids(engine, "подво*", date_from=old - timedelta(days=40), date_to=old + timedelta(days=40)) == [5]
    assert _ids(engine, "подво*", date_from=old, date_to=old) == [5]
    assert _ids(engine, "подво*", date_from=old + timedelta(days=1)) == []
    assert _ids(engine, "подво*", date_to=old - timedelta(days=1)) == []
    assert _ids(engine, "подво*", date_to=old) == [5]
    assert _ids(engine, "подво*", date_from=date(2000, 1, 1), date_to=date(2099, 12, 31)) == [5]  # whole years
    assert _ids(engine, "подво*", date_from=date(100, 1, 1), date_to=date(9000, 1, 1)) == [5]  # too many terms
    assert _ids(engine, "подво*", date_from=old + timedelta(days=2), date_to=old) == []  # an empty range


def test_reader_words_never_match_filter_terms_on_both_backends(engine: Engine) -> None:
    for query in ("s1", "csociety", "cpolitics", "y2026", "d2026*", "m20*", "s*"):
        assert _ids(engine, query) == [], query


def test_filters_follow_changes_of_the_article_on_both_backends(engine: Engine) -> None:
    # Enrichment may re-categorise an indexed article without re-indexing it.
    with engine.begin() as conn:
        conn.execute(update(articles).where(articles.c.id == 4).values(
            category="politics", source_id=2, published_at=datetime(2020, 2, 29, 23, 59)))
    assert _ids(engine, "ставка", category="politics") == [4]
    assert _ids(engine, "ставка", category="economy") == []
    assert _ids(engine, "ставка", source="gazeta-uz") == [4]
    assert _ids(engine, "ставка", source="kaztag") == []
    assert _ids(engine, "ставка", date_from=date(2020, 2, 29), date_to=date(2020, 2, 29)) == [4]
    assert _ids(engine, "ставка", date_from=date(2020, 3, 1)) == []
    # A category the index cannot hold as one term is filtered by joining the articles table instead.
    with engine.begin() as conn:
        conn.execute(update(articles).where(articles.c.id == 4).values(category="not_news"))
    assert _ids(engine, "ставка", category="not_news") == [4]
    assert _ids(engine, "ставка", category="not") == []


def test_tag_filter_widens_the_window_until_a_page_is_filled(engine: Engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import svodka.store.search as search_module

    monkeypatch.setattr(search_module, "RANK_WINDOW", 1)
    monkeypatch.setattr(search_module, "WINDOW_GROWTH", 2)
    # "Мирзиёев" is in 1, 2 and 3; the newest (3) alone fills no page of "tokaev" articles: 1 is found too.
    assert set(_ids(engine, "Мирзиёев", tag="tokaev")) == {1, 3}
    assert _ids(engine, "Мирзиёев", tag="tokaev", sort="date") == [3, 1]
    result = search(engine, SearchQuery(text="Мирзиёев", tag="mirziyoyev", per_page=1))
    assert [h.article_id for h in result.hits] == [2] and result.total == 1
