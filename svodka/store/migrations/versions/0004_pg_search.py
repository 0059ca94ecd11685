"""full-text search on PostgreSQL over the same lemmas as SQLite

PostgreSQL: `search_docs` keeps the lemmatised title/lead/body of each article (keyed by article id, deleted with
it) and a generated `document` tsvector: `to_tsvector('simple', …)` so PostgreSQL does not stem our lemmas again,
weighted A (title), B (lead), C (body), with a GIN index. Articles stored before this revision are indexed here.
SQLite already has its FTS5 index (revision 0002): nothing to do.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)

_PG_UP = [
    """
    CREATE TABLE IF NOT EXISTS search_docs (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        title TEXT NOT NULL DEFAULT '',
        lead TEXT NOT NULL DEFAULT '',
        body TEXT NOT NULL DEFAULT '',
        document tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('simple'::regconfig, title), 'A')
            || setweight(to_tsvector('simple'::regconfig, lead), 'B')
            || setweight(to_tsvector('simple'::regconfig, body), 'C')
        ) STORED
    )
    """,
    "CREATE INDEX IF NOT EXISTS ix_search_docs_document ON search_docs USING gin (document)",
]


def _index_existing_articles() -> None:
    """Index the articles a PostgreSQL database already holds (none on a fresh one), 500 at a time."""
    from svodka.store.search import lemma_rows

    bind = op.get_bind()
    last_id, total = 0, 0
    while True:
        rows = bind.execute(sa.text("SELECT id, title, lead, text FROM articles WHERE id > :last "
                                    "ORDER BY id LIMIT 500"), {"last": last_id}).all()
        if not rows:
            break
        bind.execute(sa.text("INSERT INTO search_docs (article_id, title, lead, body) "
                             "VALUES (:article_id, :title, :lead, :body) ON CONFLICT (article_id) DO NOTHING"),
                     lemma_rows(rows, postgres=True))
        last_id, total = rows[-1].id, total + len(rows)
    if total:
        log.info("indexed %d existing articles for search", total)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in _PG_UP:
        op.execute(statement)
    _index_existing_articles()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE IF EXISTS search_docs")
