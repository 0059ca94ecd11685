"""The one place where the stages are wired in order: store → enrich → stories → search index.

The crawler (live), the queue workers and `svodka import` / `svodka reprocess` (batch) all go through
`Pipeline.ingest`, so a corpus ingested any of these ways ends in the same state. An article becomes visible to
readers (`articles.ingested_at`) only after the last stage; one left half-done by a crash is finished by
`Pipeline.resume_incomplete`, which the crawler runs when it starts and every few minutes.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from svodka.enrich.tagger import Enricher
from svodka.enrich.types import EnrichInput
from svodka.models import Article
from svodka.settings import Settings
from svodka.store import articles as store_articles
from svodka.store import stories as store_stories
from svodka.store.entities import save_enrichments
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


def _enrich_input(article_id: int, page: PageToIngest) -> EnrichInput:
    article = page.article
    return EnrichInput(id=article_id, title=article.title, text=article.text, lead=article.lead,
                       section=article.section, feed_categories=page.feed_categories)


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
        # The clusterer is this process's memory of the stories: one thread at a time reads or changes it.
        self._clusterer_lock = threading.Lock()
        # Wall seconds spent holding the story-assignment lock (what serialises workers; benchmarks read it).
        self.seconds_under_lock = 0.0

    def ingest(self, pages: list[PageToIngest]) -> list[int]:
        """Store the pages' articles and enrich, cluster and index them; returns article ids in input order.

        Idempotent: articles are upserted by canonical URL, so a chunk redone after a crash updates, never doubles.
        """
        ids = [store_articles.save_article(self.engine, p.article, p.source_id, p.fetched_at) for p in pages]
        self._complete(ids, [_enrich_input(article_id, p) for article_id, p in zip(ids, pages, strict=True)])
        return ids

    def _complete(self, ids: list[int], to_enrich: list[EnrichInput]) -> None:
        """Run the stages after storing on saved articles, then make them visible to readers."""
        if self.enrich_enabled and to_enrich:
            self._enrich_docs(to_enrich)
        if self.cluster_enabled:
            self.assign_stories(ids)
        index_articles(self.engine, ids)
        store_articles.mark_ingested(self.engine, ids, now=_utcnow())

    def resume_incomplete(self, *, older_than: timedelta = timedelta(0), batch: int = 32) -> int:
        """Finish articles a crash left stored but not ingested (ingested_at NULL); returns how many were finished.

        `older_than` skips articles saved more recently than that, which another worker may be ingesting now.
        Enrichment already saved is not redone. A batch failing for another reason than the database is logged
        and skipped; database errors (full, locked) propagate to the caller, which retries later.
        """
        stored_before = _utcnow() - older_than if older_than > timedelta(0) else None
        finished = last_id = 0
        while rows := store_articles.incomplete_articles(self.engine, after_id=last_id,
                                                         stored_before=stored_before, limit=batch):
            last_id = rows[-1].id
            ids = [r.id for r in rows]
            docs = [EnrichInput(id=r.id, title=r.title, text=r.text, lead=r.lead, section=r.section,
                                feed_categories=r.feed_categories) for r in rows if not r.enriched]
            try:
                self._complete(ids, docs)
            except OperationalError:
                raise
            except Exception:  # one bad batch must not stop the others from being finished
                log.exception("could not finish articles %d..%d", ids[0], ids[-1])
                continue
            finished += len(ids)
        if finished:
            log.info("finished %d articles left half-ingested", finished)
        return finished

    def enrich(self, ids: list[int], pages: list[PageToIngest]) -> None:
        """Language, entities, tags, category and figures for stored articles, saved with them."""
        self._enrich_docs([_enrich_input(article_id, p) for article_id, p in zip(ids, pages, strict=True)])

    def _enrich_docs(self, docs: list[EnrichInput]) -> None:
        with self._init_lock:
            if self._enricher is None:
                self._enricher = Enricher()
        results = list(zip(docs, self._enricher.enrich_many(docs), strict=True))
        for doc, enrichment in results:
            if enrichment.error:
                log.warning("article %d not enriched: %s", doc.id, enrichment.error)
        save_enrichments(self.engine, [(doc.id, enrichment) for doc, enrichment in results])

    def assign_stories(self, ids: list[int]) -> None:
        """Assign stored articles to stories, after replaying what other workers assigned since our last look.

        Only the decisions run under the story-assignment lock: other workers' decisions are mostly replayed
        before taking it, and the touched stories' summaries are refreshed after releasing it.
        """
        now = _utcnow()
        with self._clusterer_lock:
            if self._clusterer is not None:
                # Decisions are committed in sequence order, so everything up to `upto` can be replayed unlocked.
                upto = store_stories.latest_story_seq(self.engine)
                if upto > self._synced_seq:
                    store_stories.replay(self._clusterer, store_stories.cluster_items_assigned_after(
                        self.engine, self._synced_seq, upto))
                    self._synced_seq = upto
            with story_assignment_lock(self.engine):
                locked_at = time.perf_counter()
                # Assigned by a run that died before finishing them: the refresh of their stories may not have run.
                stale = store_articles.stories_of_unfinished(self.engine, ids)
                if self._clusterer is None:
                    self._clusterer = store_stories.load_clusterer(self.engine, now)
                else:
                    # Assignments and story merges, in the order they were decided.
                    store_stories.replay(self._clusterer,
                                         store_stories.cluster_items_assigned_after(self.engine, self._synced_seq))
                batch = store_stories.record_assignments(self.engine, self._clusterer, ids)
                self._synced_seq = store_stories.latest_story_seq(self.engine)
                self.seconds_under_lock += time.perf_counter() - locked_at
        store_stories.refresh_stories(self.engine, batch.touched | stale, now)

    def close(self) -> None:
        if self._enricher is not None:
            self._enricher.close()
