"""Persisting stories on a real SQLite database: assignments, story summaries, restart window, related."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from svodka.store.db import make_engine, upgrade
from svodka.store.schema import article_entities, articles, entities, sources, stories
from svodka.store.stories import recent_cluster_items, refresh_story, related_for_article, save_assignment
from svodka.stories.cluster import StoryClusterer

NOW = datetime(2025, 3, 10, 12, 0)


def _engine(database_url: str) -> Engine:
    engine = make_engine(database_url)
    upgrade(engine)
    return engine


def _source(engine: Engine, slug: str) -> int:
    with engine.begin() as conn:
        return int(conn.execute(sources.insert().values(
            slug=slug, name=slug, feed_url=f"https://{slug}/rss", kind="rss", active=True, poll_interval=3600,
            error_count=0, consecutive_errors=0, created_at=NOW)).inserted_primary_key[0])


def _article(engine: Engine, source_id: int, n: int, title: str, text: str, hours_ago: float,
             category: str | None = "society") -> int:
    when = NOW - timedelta(hours=hours_ago)
    with engine.begin() as conn:
        return int(conn.execute(articles.insert().values(
            source_id=source_id, url=f"https://site/{n}", canonical_url=f"https://site/{n}", title=title,
            text=text, lead=text[:80], published_at=when, fetched_at=when, updated_at=when,
            category=category)).inserted_primary_key[0])


def _tag(engine: Engine, article_id: int, key: str, name: str) -> None:
    with engine.begin() as conn:
        row = conn.execute(select(entities.c.id).where(entities.c.key == key)).first()
        entity_id = row[0] if row else conn.execute(entities.insert().values(
            key=key, slug=key, name=name, type="LOC", created_at=NOW)).inserted_primary_key[0]
        conn.execute(article_entities.insert().values(article_id=article_id, entity_id=entity_id, salience=0.5,
                                                      mentions=1, is_tag=True))


def test_assignments_summaries_and_restart(database_url: str) -> None:
    engine = _engine(database_url)
    tengri, kazinform, kun = _source(engine, "tengrinews"), _source(engine, "kazinform"), _source(engine, "kun")
    a = _article(engine, tengri, 1, "Паводок в Актобе затопил 120 домов", "Эвакуированы 450 жителей Актобе.", 5)
    b = _article(engine, kazinform, 2, "ШОК! Вот что творится в Актобе", "Паводок затопил дома в Актобе.", 4)
    c = _article(engine, kazinform, 3, "Паводок в Актобе затопил 120 домов", "Эвакуированы 450 жителей Актобе.", 3)
    d = _article(engine, kun, 4, "В Ташкенте открыли станцию метро", "Станция «Юнусабад» открыта.", 2, "city")
    story = save_assignment(engine, a, None, None)
    assert save_assignment(engine, b, story, None) == story
    assert save_assignment(engine, c, story, a) == story
    other = save_assignment(engine, d, None, None)
    assert other != story
    refresh_story(engine, story, NOW.replace(tzinfo=UTC))
    with engine.connect() as conn:
        row = conn.execute(select(stories).where(stories.c.id == story)).one()
        dup = conn.execute(select(articles.c.duplicate_of).where(articles.c.id == c)).scalar_one()
    assert row.title == "Паводок в Актобе затопил 120 домов"  # representative, not the clickbait one
    assert row.article_count == 3 and row.source_count == 2
    assert row.first_seen == NOW - timedelta(hours=5) and row.last_seen == NOW - timedelta(hours=3)
    assert row.score > 0 and row.category == "society" and dup == a

    window = recent_cluster_items(engine, NOW - timedelta(days=3))
    assert [item.id for item, _, _ in window] == [a, b, c, d]
    assert window[2][1:] == (story, a)
    assert window[0][0].source == "tengrinews" and window[0][0].published.tzinfo is not None
    clusterer = StoryClusterer()
    clusterer.rebuild(window)
    assert clusterer.summary(story).size == 3  # type: ignore[union-attr]
    # A new article of the flood joins the restored story under its database id.
    from svodka.stories.represent import ClusterItem

    fresh = ClusterItem(id=99, url="https://x/99", title="Паводок в Актобе: затоплены 120 домов, эвакуированы 450",
                        text="Эвакуированы 450 жителей Актобе, затоплено 120 домов.", published=NOW.replace(tzinfo=UTC),
                        source="24kz")
    assert clusterer.assign(fresh).story_id == story


def test_related_stories_share_tags_and_exclude_own_family(database_url: str) -> None:
    engine = _engine(database_url)
    src = _source(engine, "tengrinews")
    base = _article(engine, src, 1, "Паводок в Актобе", "Текст", 10)
    copy = _article(engine, src, 2, "Паводок в Актобе (копия)", "Текст", 9)
    own = save_assignment(engine, base, None, None)
    save_assignment(engine, copy, None, base)  # a copy filed under another story must not show up either
    for key, name in (("aktobe", "Актобе"), ("mchs", "МЧС Казахстана")):
        _tag(engine, base, key, name)
        _tag(engine, copy, key, name)
    related_ids = []
    for n, (title, keys) in enumerate([("Весна в Актобе", ["aktobe"]), ("Учения МЧС в Актобе", ["aktobe", "mchs"]),
                                       ("Новости Ташкента", ["tashkent"])], 3):
        article_id = _article(engine, src, n, title, "Текст", 8 - n)
        related_ids.append(save_assignment(engine, article_id, None, None))
        for key in keys:
            _tag(engine, article_id, key, key)
        refresh_story(engine, related_ids[-1], NOW)
    found = related_for_article(engine, base)
    assert [r.story_id for r in found] == [related_ids[1], related_ids[0]]  # recent first
    assert own not in [r.story_id for r in found]
    assert set(found[0].shared_tags) == {"Актобе", "МЧС Казахстана"} and found[1].shared_tags == ["Актобе"]
    assert related_for_article(engine, 12345) == []


def test_live_pipeline_restart_gives_the_same_stories_as_an_uninterrupted_run(database_url: str) -> None:
    from test_stories_cluster import ALMATY_FOOTBALL, FLOOD_OTHER_OUTLET, FLOOD_REWRITE, FLOOD_TENGRI, TASHKENT_METRO

    from svodka.store.stories import record_assignment
    from svodka.stories.represent import ClusterItem

    engine = _engine(database_url)
    src = _source(engine, "tengrinews")
    texts = [FLOOD_TENGRI, TASHKENT_METRO, FLOOD_REWRITE, ALMATY_FOOTBALL, FLOOD_OTHER_OUTLET]
    ids = [_article(engine, src, n, title, body, hours_ago=10 - n) for n, (title, body) in enumerate(texts)]

    def as_item(article_id: int, n: int) -> ClusterItem:
        title, body = texts[n]
        return ClusterItem(id=article_id, url=f"https://site/{n}", title=title, text=body,
                           published=(NOW - timedelta(hours=10 - n)).replace(tzinfo=UTC), source=f"s{n % 3}")

    uninterrupted = StoryClusterer()
    expected = [uninterrupted.assign(as_item(a, n)) for n, a in enumerate(ids)]

    live = StoryClusterer()
    for n, article_id in enumerate(ids[:3]):
        record_assignment(engine, live, article_id, live.assign(as_item(article_id, n)))
    restarted = StoryClusterer()
    restarted.rebuild(recent_cluster_items(engine, NOW - timedelta(days=3)))
    for n, article_id in enumerate(ids[3:], 3):
        record_assignment(engine, restarted, article_id, restarted.assign(as_item(article_id, n)))

    with engine.connect() as conn:
        saved = dict(conn.execute(select(articles.c.id, articles.c.story_id)).all())
        dups = dict(conn.execute(select(articles.c.id, articles.c.duplicate_of)).all())
    same_story = {(i, j) for i in range(5) for j in range(5) if expected[i].story_id == expected[j].story_id}
    assert same_story == {(i, j) for i in range(5) for j in range(5) if saved[ids[i]] == saved[ids[j]]}
    assert dups[ids[2]] == ids[0] and saved[ids[4]] == saved[ids[0]]


def test_rescoring_decays_old_stories_and_keeps_fresh_ones(database_url: str) -> None:
    from svodka.store.stories import rescore_recent_stories

    engine = _engine(database_url)
    src = _source(engine, "tengrinews")
    fresh = save_assignment(engine, _article(engine, src, 1, "Свежая новость", "Текст", 1), None, None)
    old = save_assignment(engine, _article(engine, src, 2, "Старая новость", "Текст", 24 * 5), None, None)
    for story in (fresh, old):
        refresh_story(engine, story, NOW - timedelta(days=5))  # scores as of five days ago
    assert rescore_recent_stories(engine, NOW) == 1
    with engine.connect() as conn:
        scores = dict(conn.execute(select(stories.c.id, stories.c.score)).all())
    assert scores[fresh] > 0 and scores[old] == 0.0


def test_pipeline_helpers_assign_stored_articles_and_survive_a_restart(database_url: str) -> None:
    from test_stories_cluster import FLOOD_OTHER_OUTLET, FLOOD_TENGRI, TASHKENT_METRO

    from svodka.store.stories import assign_articles, load_clusterer

    engine = _engine(database_url)
    tengri, kun = _source(engine, "tengrinews"), _source(engine, "kun")
    first = _article(engine, tengri, 1, *FLOOD_TENGRI, hours_ago=3)
    metro = _article(engine, kun, 2, *TASHKENT_METRO, hours_ago=2)
    clusterer = load_clusterer(engine, NOW)
    assert clusterer.open_stories == 0
    flood, other = assign_articles(engine, clusterer, [first, metro, 777], NOW)[:2]
    assert flood is not None and other is not None and flood != other

    later = _article(engine, kun, 3, *FLOOD_OTHER_OUTLET, hours_ago=1)
    restarted = load_clusterer(engine, NOW)
    assert restarted.open_stories == 2
    assert assign_articles(engine, restarted, [later, first], NOW) == [flood, flood]
    with engine.connect() as conn:
        row = conn.execute(select(stories.c.article_count, stories.c.source_count).where(stories.c.id == flood)).one()
    assert tuple(row) == (2, 2)


def test_refresh_story_stores_related_with_reasons_and_the_page_reads_it(database_url: str) -> None:
    from sqlalchemy import update

    from svodka.store.read import get_article
    from svodka.store.stories import refresh_related, related_for_story

    engine = _engine(database_url)
    src = _source(engine, "tengrinews")
    base = _article(engine, src, 1, "Паводок в Актобе", "Текст", 10)
    copy = _article(engine, src, 2, "Паводок в Актобе (копия)", "Текст", 9)
    own = save_assignment(engine, base, None, None)
    copy_story = save_assignment(engine, copy, None, base)  # a copy in another story is family, never "related"
    for article_id in (base, copy):
        _tag(engine, article_id, "aktobe", "Актобе")
        _tag(engine, article_id, "mchs", "МЧС Казахстана")
    others = []
    for n, (title, keys) in enumerate([("Весна в Актобе", ["aktobe"]), ("Учения МЧС в Актобе", ["aktobe", "mchs"]),
                                       ("Новости Ташкента", ["tashkent"])], 3):
        article_id = _article(engine, src, n, title, "Текст", 8 - n)
        others.append(save_assignment(engine, article_id, None, None))
        for key in keys:
            _tag(engine, article_id, key, key)
    # Written before refresh: NULL means "never computed" (the page then computes it live).
    with engine.connect() as conn:
        assert conn.execute(select(stories.c.related).where(stories.c.id == own)).scalar() is None
    page = get_article(engine, base)
    assert page is not None and [r.id for r in page.related] == [others[1], others[0]]  # live fallback

    refresh_story(engine, own, NOW)
    with engine.connect() as conn:
        stored = conn.execute(select(stories.c.related).where(stories.c.id == own)).scalar()
    assert [item["story_id"] for item in stored] == [others[1], others[0]]  # recent first
    assert set(stored[0]["shared_tags"]) == {"Актобе", "МЧС Казахстана"} and stored[1]["shared_tags"] == ["Актобе"]
    assert copy_story not in [item["story_id"] for item in stored] and own not in [i["story_id"] for i in stored]
    assert [r.story_id for r in related_for_story(engine, own)] == [others[1], others[0]]

    # The page shows what is stored (with its reasons), not a live recomputation.
    with engine.begin() as conn:
        conn.execute(update(stories).where(stories.c.id == own).values(
            related=[{"story_id": others[2], "shared_tags": ["Ташкент"], "score": 1.0},
                     {"story_id": 98765, "shared_tags": ["нет такого сюжета"], "score": 1.0}]))
    page = get_article(engine, base)
    assert page is not None and page.story is not None and page.story.id == own
    assert [(r.id, r.shared_tags) for r in page.related] == [(others[2], ["Ташкент"])]

    # The backfill fills only stories that have nothing stored; an explicit list recomputes those.
    assert refresh_related(engine) == 4  # copy_story and the three others
    assert refresh_related(engine) == 0
    assert refresh_related(engine, [own]) == 1
    with engine.connect() as conn:
        assert [i["story_id"] for i in conn.execute(select(stories.c.related).where(stories.c.id == own)).scalar()] \
            == [others[1], others[0]]
        tashkent = conn.execute(select(stories.c.related).where(stories.c.id == others[2])).scalar()
    assert tashkent == []  # nothing shares its tag: stored as empty, not NULL


def test_related_of_an_empty_story_is_stored_empty(database_url: str) -> None:
    engine = _engine(database_url)
    src = _source(engine, "tengrinews")
    story = save_assignment(engine, _article(engine, src, 1, "Новость", "Текст", 1), None, None)
    with engine.begin() as conn:
        conn.execute(articles.update().values(story_id=None))
    refresh_story(engine, story, NOW)
    with engine.connect() as conn:
        assert conn.execute(select(stories.c.related).where(stories.c.id == story)).scalar() == []
