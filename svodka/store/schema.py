"""The database schema, portable between SQLite and PostgreSQL (SQLAlchemy Core).

Migrations in `migrations/versions` are the source of truth for the live database; this module mirrors them
so queries can be written against table objects.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# All timestamps are stored as naive UTC; the page's own offset is kept in the ISO strings on articles.
sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(200), nullable=False, unique=True),
    Column("name", String(500), nullable=False),
    Column("site_url", Text),
    Column("feed_url", Text, nullable=False, unique=True),
    Column("kind", String(20), nullable=False, default="rss"),
    Column("timezone", String(64)),
    Column("category", String(100)),
    Column("active", Boolean, nullable=False, default=True),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("poll_interval", Integer, nullable=False, default=3600),
    Column("next_poll_at", DateTime),
    Column("last_polled_at", DateTime),
    Column("last_success_at", DateTime),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("error_count", Integer, nullable=False, default=0),
    Column("consecutive_errors", Integer, nullable=False, default=0),
    Column("created_at", DateTime, nullable=False),
)

# The ingest queue: every URL a feed announced, recorded before it is fetched so nothing is lost on a crash.
feed_items = Table(
    "feed_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("url", Text, nullable=False, unique=True),
    Column("title", Text),
    Column("published", String(64)),
    Column("summary", Text),
    Column("categories", JSON),
    Column("state", String(16), nullable=False, default="new"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("discovered_at", DateTime, nullable=False),
    Column("fetched_at", DateTime),
    Index("ix_feed_items_state", "state"),
)

raw_pages = Table(
    "raw_pages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False, unique=True),
    Column("final_url", Text),
    Column("status", Integer),
    Column("content_type", String(200)),
    Column("encoding", String(64)),
    Column("body_zlib", LargeBinary, nullable=False),
    Column("fetched_at", DateTime, nullable=False),
)

articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="SET NULL")),
    Column("url", Text, nullable=False),
    Column("canonical_url", Text, nullable=False, unique=True),
    Column("title", Text),
    Column("published", String(64)),
    Column("published_at", DateTime),
    Column("modified", String(64)),
    Column("authors", JSON),
    Column("lead", Text),
    Column("blocks", JSON),
    Column("text", Text),
    Column("image", JSON),
    Column("credits", JSON),
    Column("origin", JSON),
    Column("site_tags", JSON),
    Column("section", Text),
    Column("language", String(16)),
    Column("fetched_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    # Enrichment.
    Column("category", String(32)),
    Column("tags", JSON),
    Column("figures", JSON),
    Column("enriched_at", DateTime),
    # Stories.
    Column("story_id", Integer, ForeignKey("stories.id", ondelete="SET NULL")),
    Column("duplicate_of", Integer, ForeignKey("articles.id", ondelete="SET NULL")),
    # Assignment order (taken under the story-assignment lock): workers replay each other's decisions by it.
    Column("story_seq", BigInteger),
    # Set when every stage has run; readers only see articles that have it (migration 0006). The pipeline writes
    # NULL on purpose; rows inserted any other way (fixtures, benchmark builds) default to visible.
    Column("ingested_at", DateTime, server_default=text("'1970-01-01 00:00:00'")),
    Index("ix_articles_published_at", "published_at"),
    Index("ix_articles_story_seq", "story_seq"),
    Index("ix_articles_source_id", "source_id"),
    Index("ix_articles_story_id", "story_id"),
    Index("ix_articles_category", "category"),
    Index("ix_articles_ingested_at", "ingested_at"),
)

entities = Table(
    "entities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(300), nullable=False, unique=True),
    Column("slug", String(300), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("type", String(16), nullable=False),
    Column("aliases", JSON),
    Column("created_at", DateTime, nullable=False),
)

article_entities = Table(
    "article_entities",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("entity_id", Integer, ForeignKey("entities.id", ondelete="CASCADE"), primary_key=True),
    Column("salience", Float, nullable=False, default=0.0),
    Column("mentions", Integer, nullable=False, default=1),
    Column("is_tag", Boolean, nullable=False, default=False),
    Index("ix_article_entities_entity_id", "entity_id"),
)

stories = Table(
    "stories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", Text),
    Column("lead", Text),
    Column("category", String(32)),
    Column("first_seen", DateTime),
    Column("last_seen", DateTime),
    Column("article_count", Integer, nullable=False, default=0),
    Column("source_count", Integer, nullable=False, default=0),
    Column("score", Float, nullable=False, default=0.0),
    Column("breaking", Boolean, nullable=False, default=False),
    Column("tags", JSON),
    Column("updated_at", DateTime),
    # "Читайте также", chosen when the story is refreshed: [{story_id, shared_tags, score}]; NULL = not yet.
    Column("related", JSON),
    Index("ix_stories_score", "score"),
    Index("ix_stories_last_seen", "last_seen"),
)

# Stories folded into another (migration 0008): the folded row is gone, `folded_id -> keep_id` stays for redirects.
# `seq` shares the numbering of `articles.story_seq`, so workers replay merges and assignments in decision order.
story_merges = Table(
    "story_merges",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("keep_id", Integer, nullable=False),
    Column("folded_id", Integer, nullable=False),
    Column("merged_at", DateTime, nullable=False),
    Index("ix_story_merges_folded_id", "folded_id"),
)

__all__ = [
    "metadata",
    "sources",
    "feed_items",
    "raw_pages",
    "articles",
    "entities",
    "article_entities",
    "stories",
    "story_merges",
]
