"""search: FTS5 prefix indexes, and the filters (category, source, date) as index terms

SQLite: `search_fts` is recreated with `prefix='2 3 4'` so a prefix query ("нефт*") reads one prebuilt doclist
instead of merging the doclists of every word that starts with it. `search_docs` gains `facets`, a fourth indexed
column of filter terms ("csociety s12 y2026 m202611 d20261125"): a filtered search becomes one FTS5 match that
intersects doclists, instead of joining every match to `articles` (whose category sits after the long text, in
overflow pages). Triggers fill `facets` from the article when a writer leaves it empty, and refresh it when an
article's category, source or date changes, so no writer needs to know about it. The index is rebuilt once.
PostgreSQL filters by joining `articles` (GIN index, planner): nothing to do.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import logging
import time

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)


def _facets_sql(row: str) -> str:
    """The facets of the articles row `row` as SQL; `store.search.facet_terms` builds the same string in Python."""
    day = f"{row}.published_at"
    return f"""rtrim(
        CASE WHEN {row}.category <> '' AND {row}.category NOT GLOB '*[^a-z0-9]*'
             THEN 'c' || {row}.category || ' ' ELSE '' END
        || CASE WHEN {row}.source_id IS NOT NULL THEN 's' || {row}.source_id || ' ' ELSE '' END
        || CASE WHEN {day} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
             THEN 'y' || substr({day}, 1, 4) || ' m' || substr({day}, 1, 4) || substr({day}, 6, 2)
                  || ' d' || substr({day}, 1, 4) || substr({day}, 6, 2) || substr({day}, 9, 2)
             ELSE '' END)"""


_DOCS = """
    CREATE TABLE {name} (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        title TEXT NOT NULL DEFAULT '',
        lead TEXT NOT NULL DEFAULT '',
        body TEXT NOT NULL DEFAULT ''{facets}
    )
"""

_COPY_DOCS = f"""
    INSERT INTO search_docs_new (article_id, title, lead, body, facets)
    SELECT d.article_id, d.title, d.lead, d.body, coalesce({_facets_sql('a')}, '')
    FROM search_docs AS d LEFT JOIN articles AS a ON a.id = d.article_id
    ORDER BY d.article_id
"""  # noqa: S608 (our own SQL: no outside input)

# Lemmas are already lower-cased and ё-folded; keep other diacritics (й must not become и).
_FTS = """
    CREATE VIRTUAL TABLE search_fts USING fts5(
        title, lead, body, facets,
        content='search_docs', content_rowid='article_id',
        tokenize='unicode61 remove_diacritics 0', prefix='2 3 4'
    )
"""

_TRIGGERS = [
    # A writer that leaves `facets` empty (any but the bulk loaders) gets them from the article: the row is
    # indexed as written, then the update below re-indexes it with its facets (search_docs_au).
    f"""
    CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN
        INSERT INTO search_fts(rowid, title, lead, body, facets)
        VALUES (new.article_id, new.title, new.lead, new.body, new.facets);
        UPDATE search_docs SET facets = coalesce((SELECT {_facets_sql('a')} FROM articles AS a
                                                  WHERE a.id = new.article_id), '')
        WHERE article_id = new.article_id AND new.facets = '';
    END
    """,  # noqa: S608 (our own SQL: no outside input)
    """
    CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, lead, body, facets)
        VALUES ('delete', old.article_id, old.title, old.lead, old.body, old.facets);
    END
    """,
    """
    CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, lead, body, facets)
        VALUES ('delete', old.article_id, old.title, old.lead, old.body, old.facets);
        INSERT INTO search_fts(rowid, title, lead, body, facets)
        VALUES (new.article_id, new.title, new.lead, new.body, new.facets);
    END
    """,
    # Enrichment may set the category after the article was indexed: its filter terms follow.
    f"""
    CREATE TRIGGER articles_search_facets_au AFTER UPDATE OF category, source_id, published_at ON articles BEGIN
        UPDATE search_docs SET facets = {_facets_sql('new')}
        WHERE article_id = new.id AND facets <> {_facets_sql('new')};
    END
    """,  # noqa: S608 (our own SQL: no outside input)
]

_DROP_TRIGGERS = [
    "DROP TRIGGER IF EXISTS articles_search_facets_au",
    "DROP TRIGGER IF EXISTS search_docs_au",
    "DROP TRIGGER IF EXISTS search_docs_ad",
    "DROP TRIGGER IF EXISTS search_docs_ai",
]

_OLD_FTS = """
    CREATE VIRTUAL TABLE search_fts USING fts5(
        title, lead, body,
        content='search_docs', content_rowid='article_id',
        tokenize='unicode61 remove_diacritics 0'
    )
"""

_OLD_TRIGGERS = [
    """
    CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN
        INSERT INTO search_fts(rowid, title, lead, body) VALUES (new.article_id, new.title, new.lead, new.body);
    END
    """,
    """
    CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, lead, body)
        VALUES ('delete', old.article_id, old.title, old.lead, old.body);
    END
    """,
    """
    CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, lead, body)
        VALUES ('delete', old.article_id, old.title, old.lead, old.body);
        INSERT INTO search_fts(rowid, title, lead, body) VALUES (new.article_id, new.title, new.lead, new.body);
    END
    """,
]


def _rebuild() -> None:
    started = time.perf_counter()
    op.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
    # One segment per term afterwards: queries read one doclist instead of merging the rebuild's segments.
    op.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
    log.info("search index rebuilt in %.0f s", time.perf_counter() - started)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in _DROP_TRIGGERS:
        op.execute(statement)
    op.execute("DROP TABLE IF EXISTS search_fts")
    # A new table rather than ALTER + UPDATE: one sequential copy instead of rewriting every row in place.
    op.execute(_DOCS.format(name="search_docs_new", facets=",\n        facets TEXT NOT NULL DEFAULT ''"))
    op.execute(_COPY_DOCS)
    op.execute("DROP TABLE search_docs")
    op.execute("ALTER TABLE search_docs_new RENAME TO search_docs")
    op.execute(_FTS)
    for statement in _TRIGGERS:
        op.execute(statement)
    _rebuild()


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in _DROP_TRIGGERS:
        op.execute(statement)
    op.execute("DROP TABLE IF EXISTS search_fts")
    op.execute("ALTER TABLE search_docs DROP COLUMN facets")
    op.execute(_OLD_FTS)
    for statement in _OLD_TRIGGERS:
        op.execute(statement)
    _rebuild()
