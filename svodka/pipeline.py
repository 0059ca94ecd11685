"""The one place where the stages are wired in order: extract → store → enrich → stories → search index.

The crawler (live) and `svodka import` / `svodka reprocess` (batch) both go through `Pipeline.ingest`, so a
corpus ingested either way ends in the same state.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from svodka.models import Article
from svodka.settings import Settings
from svodka.store import articles as store_articles

log = logging.getLogger(__name__)


@dataclass
class PageToIngest:
    """An extracted article on its way into the store, with what the feed said about it."""

    article: Article
    source_id: int | None
    fetched_at: datetime
    feed_categories: list[str] = field(default_factory=list)
    queue_item_id: int | None = None


class Pipeline:
    """Stores articles and runs the later stages on them. Models are loaded on first use, once."""

    def __init__(self, engine: Engine, settings: Settings, *, enrich: bool = True, cluster: bool = True) -> None:
        self.engine = engine
        self.settings = settings
        self.enrich_enabled = enrich
        self.cluster_enabled = cluster
        self._enricher = None
        self._stories = None

    def ingest(self, pages: list[PageToIngest]) -> list[int]:
        """Store the pages' articles and enrich, cluster and index them; returns article ids in input order."""
        ids = [store_articles.save_article(self.engine, p.article, p.source_id, p.fetched_at) for p in pages]
        if self.enrich_enabled:
            self._enrich(ids, pages)
        if self.cluster_enabled:
            self._assign_stories(ids)
        self._index(ids)
        return ids

    def _enrich(self, ids: list[int], pages: list[PageToIngest]) -> None:
        pass

    def _assign_stories(self, ids: list[int]) -> None:
        pass

    def _index(self, ids: list[int]) -> None:
        pass
