"""full-text search over lemmatised articles

SQLite: `search_docs` keeps the lemmatised title/lead/body of each article (keyed by article id, deleted with
it); `search_fts` is an FTS5 external-content index over it, kept in sync by triggers. Both dialects also get
an index on articles.duplicate_of for the read side.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 08:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_SQLITE_UP = [
    """
    CREATE TABLE search_docs (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        title TEXT NOT NULL DEFAULT '',
        lead TEXT NOT NULL DEFAULT '',
        body TEXT NOT NULL DEFAULT ''
    )
    """,
    # Lemmas are already lower-cased and ё-folded; keep other diacritics (й must not become и).
    """
    CREATE VIRTUAL TABLE search_fts USING fts5(
        title, lead, body,
        content='search_docs', content_rowid='article_id',
        tokenize='unicode61 remove_diacritics 0'
    )
    """,
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

_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS search_docs_au",
    "DROP TRIGGER IF EXISTS search_docs_ad",
    "DROP TRIGGER IF EXISTS search_docs_ai",
    "DROP TABLE IF EXISTS search_fts",
    "DROP TABLE IF EXISTS search_docs",
]


# Read-side indexes the pages need at 100k+ articles: an article's copies (duplicate_of = ?); an entity's
# articles newest first without touching the table (entity_id, article_id); a category's top stories.
_READ_INDEXES = {
    "ix_articles_duplicate_of": "ON articles (duplicate_of)",
    "ix_article_entities_entity_article": "ON article_entities (entity_id, article_id)",
    "ix_stories_category_score": "ON stories (category, score)",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, target in _READ_INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} {target}")
    if dialect == "sqlite":
        for statement in _SQLITE_UP:
            op.execute(statement)
    elif dialect == "postgresql":
        # TODO(postgres): a tsvector column over to_tsvector('russian', …) with a GIN index, in a later issue.
        pass


def downgrade() -> None:
    for name in _READ_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    if op.get_bind().dialect.name == "sqlite":
        for statement in _SQLITE_DOWN:
            op.execute(statement)
