"""Half-ingested articles (stored, but the process died before every stage ran) stay hidden from readers and are
finished by `Pipeline.resume_incomplete`; ingesting the same page again neither doubles nor hides it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select, text, update

from svodka.models import Article
from svodka.pipeline import PageToIngest, Pipeline
from svodka.settings import Settings
from svodka.store import articles as store_articles
from svodka.store import read
from svodka.store import stories as store_stories
from svodka.store.db import open_database
from svodka.store.entities import save_enrichment
from svodka.store.schema import article_entities, articles, entities, stories

NOW = datetime.now(UTC).replace(tzinfo=None)
TEXT = ("Президент Казахстана Касым-Жомарт Токаев провёл совещание по развитию энергетики. "
        "К 2030 году доля возобновляемых источников должна вырасти до 15 процентов.")


def page(n: int, title: str = "Токаев провёл совещание по энергетике") -> PageToIngest:
    article = Article(url=f"https://news.example/{n}", canonical_url=f"https://news.example/{n}", title=title,
                      published=(NOW - timedelta(hours=n)).isoformat() + "+00:00", lead=TEXT[:80], text=TEXT)
    return PageToIngest(article=article, source_id=None, fetched_at=NOW)


@pytest.fixture
def engine(database_url: str) -> Engine:
    return open_database(database_url)


@pytest.fixture
def pipeline(engine: Engine, database_url: str) -> Pipeline:
    return Pipeline(engine, Settings(database_url=database_url), enrich=False)


def half_ingested(engine: Engine, n: int) -> int:
    """What a crash right after the save step leaves: an article row, nothing after it."""
    p = page(n)
    return store_articles.save_article(engine, p.article, p.source_id, p.fetched_at)


def tag_article(engine: Engine, article_id: int) -> None:
    with engine.begin() as conn:
        entity_id = conn.execute(select(entities.c.id).where(entities.c.slug == "tokaev")).scalar_one_or_none()
        if entity_id is None:
            entity_id = conn.execute(entities.insert().values(key="per:токаев", slug="tokaev", name="Токаев",
                                                              type="PER", aliases=[], created_at=NOW)
                                     ).inserted_primary_key[0]
        conn.execute(article_entities.insert().values(article_id=article_id, entity_id=entity_id, salience=0.9,
                                                      mentions=1, is_tag=True))


def test_half_ingested_article_is_hidden_everywhere_until_resumed(engine: Engine, pipeline: Pipeline) -> None:
    [done] = pipeline.ingest([page(1)])
    hidden = half_ingested(engine, 2)
    tag_article(engine, done)
    tag_article(engine, hidden)

    assert [c.id for c in read.latest_articles(engine).items] == [done]
    assert read.latest_articles(engine).total == 1
    assert read.get_article(engine, hidden) is None
    assert read.get_article(engine, done) is not None
    assert read.article_count(engine) == 1
    tag = read.get_tag(engine, "tokaev")
    assert tag is not None and tag.articles.total == 1 and [c.id for c in tag.articles.items] == [done]

    assert pipeline.resume_incomplete() == 1
    assert pipeline.resume_incomplete() == 0
    assert {c.id for c in read.latest_articles(engine).items} == {done, hidden}
    assert read.article_count(engine) == 2
    shown = read.get_article(engine, hidden)
    assert shown is not None and shown.article.story_id is not None
    tag = read.get_tag(engine, "tokaev")
    assert tag is not None and tag.articles.total == 2
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM search_docs")).scalar_one() == 2


def test_resume_refreshes_a_story_assigned_just_before_the_crash(engine: Engine, pipeline: Pipeline) -> None:
    hidden = half_ingested(engine, 1)
    # The crash came after the assignment was saved and before the story's counters were refreshed.
    story_id = store_stories.save_assignment(engine, hidden, None, None)
    with engine.connect() as conn:
        assert conn.execute(select(stories.c.article_count).where(stories.c.id == story_id)).scalar_one() == 0
    assert pipeline.resume_incomplete() == 1
    with engine.connect() as conn:
        row = conn.execute(select(stories.c.article_count, stories.c.title).where(stories.c.id == story_id)).one()
        assert conn.execute(select(articles.c.story_id).where(articles.c.id == hidden)).scalar_one() == story_id
    assert row.article_count == 1 and row.title


def test_resume_keeps_enrichment_already_saved_and_skips_young_articles(engine: Engine, pipeline: Pipeline,
                                                                       database_url: str) -> None:
    old = half_ingested(engine, 1)
    young = half_ingested(engine, 2)
    with engine.begin() as conn:
        conn.execute(update(articles).where(articles.c.id == old).values(updated_at=NOW - timedelta(hours=1)))
    # Another worker may be ingesting the young one right now: a sweep with a grace period leaves it alone.
    assert pipeline.resume_incomplete(older_than=timedelta(minutes=10)) == 1
    with engine.connect() as conn:
        done = dict(conn.execute(select(articles.c.id, articles.c.ingested_at)).all())
    assert done[old] is not None and done[young] is None

    from svodka.enrich.types import Enrichment

    save_enrichment(engine, young, Enrichment(id=young, language="ru", category="politics", tags=["Токаев"]))
    enriching = Pipeline(engine, Settings(database_url=database_url), enrich=True)
    # Enrichment saved before the crash is not redone (the models are never even loaded).
    assert enriching.resume_incomplete() == 1
    assert enriching._enricher is None
    with engine.connect() as conn:
        category = conn.execute(select(articles.c.category).where(articles.c.id == young)).scalar_one()
    assert category == "politics"


def test_ingesting_the_same_page_again_updates_in_place_and_stays_visible(engine: Engine, pipeline: Pipeline) -> None:
    [first] = pipeline.ingest([page(1)])
    assert read.get_article(engine, first) is not None
    [again] = pipeline.ingest([page(1, title="Токаев провёл совещание (обновлено)")])
    assert again == first
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(articles)).scalar_one() == 1
        assert conn.execute(text("SELECT count(*) FROM search_docs")).scalar_one() == 1
    shown = read.get_article(engine, first)
    assert shown is not None and shown.article.title == "Токаев провёл совещание (обновлено)"
    # Saving the update alone (a crash right after it) does not hide what readers already saw.
    p = page(1, title="Третья версия")
    store_articles.save_article(engine, p.article, None, NOW)
    assert read.get_article(engine, first) is not None


def test_rows_written_outside_the_pipeline_count_as_complete(engine: Engine) -> None:
    # Fixtures and bulk loads insert finished rows without naming ingested_at: they are visible.
    with engine.begin() as conn:
        conn.execute(articles.insert().values(url="https://x.example/1", canonical_url="https://x.example/1",
                                              title="Готовая статья", published_at=NOW, fetched_at=NOW,
                                              updated_at=NOW))
    assert read.article_count(engine) == 1
