"""The one place where the stages are wired in order: store → enrich → stories → search index.

The crawler (live), the queue workers and `svodka import` / `svodka reprocess` (batch) all go through
`Pipeline.ingest`, so a corpus ingested any of these ways ends in the same state.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine

from svodka.enrich.tagger import Enricher
from svodka.enrich.types import EnrichInput
from svodka.models import Article
from svodka.settings import Settings
from svodka.store import articles as store_articles
from svodka.store import stories as store_stories
from svodka.store.entities import save_enrichment
from svodka.store.locks import story_assignment_lock
from svodka.store.search import index_articles
from svodka.stories.cluster import StoryClusterer

log = logging.getLogger(__name__)


@dataclass
class PageToIngest:
    """An extracted article on its way into the store, with what the feed said about it."""

    article: Article
    source_id: int | None
    fetched_at: datetime
    feed_categories: list[str] = field(default_factory=list)
    queue_item_id: int | None = None


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Pipeline:
    """Stores articles and runs the later stages on them. Models are loaded on first use, once per process.

    Safe to call from several threads (a queue worker with concurrency > 1): model loading is guarded, and story
    assignment runs under the story-assignment lock, which also serialises it across worker processes.
    """

    def __init__(self, engine: Engine, settings: Settings, *, enrich: bool = True, cluster: bool = True) -> None:
        self.engine = engine
        self.settings = settings
        self.enrich_enabled = enrich
        self.cluster_enabled = cluster
        self._enricher: Enricher | None = None
        self._clusterer: StoryClusterer | None = None
        self._synced_seq = 0
        self._init_lock = threading.Lock()

    def ingest(self, pages: list[PageToIngest]) -> list[int]:
        """Store the pages' articles and enrich, cluster and index them; returns article ids in input order."""
        ids = [store_articles.save_article(self.engine, p.article, p.source_id, p.fetched_at) for p in pages]
        if self.enrich_enabled:
            self.enrich(ids, pages)
        if self.cluster_enabled:
            self.assign_stories(ids)
        index_articles(self.engine, ids)
        return ids

    def enrich(self, ids: list[int], pages: list[PageToIngest]) -> None:
        """Language, entities, tags, category and figures for stored articles, saved with them."""
        with self._init_lock:
            if self._enricher is None:
                self._enricher = Enricher()
        docs = [EnrichInput(id=article_id, title=p.article.title, text=p.article.text, lead=p.article.lead,
                            section=p.article.section, feed_categories=p.feed_categories)
                for article_id, p in zip(ids, pages, strict=True)]
        for article_id, enrichment in zip(ids, self._enricher.enrich_many(docs), strict=True):
            if enrichment.error:
                log.warning("article %d not enriched: %s", article_id, enrichment.error)
            save_enrichment(self.engine, article_id, enrichment)

    def assign_stories(self, ids: list[int]) -> None:
        """Assign stored articles to stories, after replaying what other workers assigned since our last look."""
        now = _utcnow()
        with story_assignment_lock(self.engine):
            if self._clusterer is None:
                self._clusterer = store_stories.load_clusterer(self.engine, now)
            else:
                for item, story_id, duplicate_of in store_stories.cluster_items_assigned_after(
                        self.engine, self._synced_seq):
                    self._clusterer.restore(item, story_id, duplicate_of)
            store_stories.assign_articles(self.engine, self._clusterer, ids, now)
            self._synced_seq = store_stories.latest_story_seq(self.engine)

    def close(self) -> None:
        if self._enricher is not None:
            self._enricher.close()
