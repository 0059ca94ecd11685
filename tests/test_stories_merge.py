"""Story merges (`ClusterSettings.merge_bridges`) in the store, in other workers' replay and in `svodka cluster`.

SQLite and PostgreSQL: an article that bridges two open stories folds the smaller into the larger in the same
transaction as its own assignment; the merge takes a story sequence number so other workers replay it in order.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from test_stories_order import FLOOD, FLOOD_AGAIN, METRO, METRO_AGAIN

from svodka.store.db import make_engine, upgrade
from svodka.store.schema import articles, sources, stories, story_merges
from svodka.store.stories import (
    StoryMerge,
    assign_articles,
    cluster_items_assigned_after,
    latest_story_seq,
    load_clusterer,
    replay,
    save_assignment,
)
from svodka.stories.batch import cluster_lines
from svodka.stories.cluster import ClusterSettings, StoryClusterer

NOW = datetime(2025, 3, 10, 12, 0)
BRIDGE = (FLOOD[0] + ". " + METRO[0], FLOOD[1] + " " + METRO[1])
MERGING = ClusterSettings(merge_bridges=True)


def _engine(database_url: str) -> Engine:
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(sources.insert().values(
            id=1, slug="tengrinews", name="tengrinews", feed_url="https://tengrinews/rss", kind="rss", active=True,
            poll_interval=3600, error_count=0, consecutive_errors=0, created_at=NOW))
    return engine


def _article(engine: Engine, n: int, pair: tuple[str, str], hours_ago: float) -> int:
    when = NOW - timedelta(hours=hours_ago)
    with engine.begin() as conn:
        return int(conn.execute(articles.insert().values(
            source_id=1, url=f"https://site/{n}", canonical_url=f"https://site/{n}", title=pair[0], text=pair[1],
            lead=pair[1][:80], published_at=when, fetched_at=when, updated_at=when,
            category="society")).inserted_primary_key[0])


def _stories_of(engine: Engine) -> dict[int, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(articles.c.id, articles.c.story_id)).all())


def test_bridging_article_folds_stories_in_the_store(backend_url: str) -> None:
    engine = _engine(backend_url)
    flood, metro = _article(engine, 1, FLOOD, 5), _article(engine, 2, METRO, 4)
    flood_again = _article(engine, 3, FLOOD_AGAIN, 3)
    bridge = _article(engine, 4, BRIDGE, 2)
    clusterer = StoryClusterer(MERGING)
    first = assign_articles(engine, clusterer, [flood, metro, flood_again], NOW)
    assert first[0] == first[2] != first[1]
    kept, folded = first[0], first[1]
    assert assign_articles(engine, clusterer, [bridge], NOW) == [kept]

    assert set(_stories_of(engine).values()) == {kept}  # the folded story's article moved
    with engine.connect() as conn:
        assert conn.execute(select(stories.c.id)).scalars().all() == [kept]  # the folded row is retired
        row = conn.execute(select(stories).where(stories.c.id == kept)).one()
        merges = conn.execute(select(story_merges)).all()
        seqs = dict(conn.execute(select(articles.c.id, articles.c.story_seq)).all())
    assert row.article_count == 4  # the kept story was refreshed with the moved article
    assert [(m.seq, m.keep_id, m.folded_id) for m in merges] == [(4, kept, folded)]
    # The moved article keeps its place in the order; the merge comes just before the article that caused it.
    assert seqs == {flood: 1, metro: 2, flood_again: 3, bridge: 5}
    assert latest_story_seq(engine) == 5


def test_other_workers_replay_merges_in_order(backend_url: str) -> None:
    engine = _engine(backend_url)
    ids = [_article(engine, n, pair, 6 - n) for n, pair in enumerate((FLOOD, METRO, FLOOD_AGAIN, BRIDGE), 1)]
    worker_a = StoryClusterer(MERGING)
    assign_articles(engine, worker_a, ids[:3], NOW)
    worker_b = load_clusterer(engine, NOW, MERGING)  # started before the merge
    synced = latest_story_seq(engine)
    assert worker_b.open_stories == 2
    [kept] = assign_articles(engine, worker_a, ids[3:], NOW)

    steps = cluster_items_assigned_after(engine, synced)
    assert isinstance(steps[0], StoryMerge) and steps[0].keep_id == kept
    assert not isinstance(steps[1], StoryMerge) and steps[1][0].id == ids[3] and steps[1][1] == kept
    replay(worker_b, steps)
    assert worker_b.open_stories == 1 and worker_b.summary(kept).size == 4  # type: ignore[union-attr]
    # A fresh process restores the merged state from the store alone.
    fresh = load_clusterer(engine, NOW, MERGING)
    assert fresh.open_stories == 1 and fresh.summary(kept).size == 4  # type: ignore[union-attr]
    # Follow-ups of either event, assigned by the worker that replayed, land in the kept story.
    later = [_article(engine, 5, METRO_AGAIN, 1), _article(engine, 6, FLOOD_AGAIN, 0.5)]
    assert assign_articles(engine, worker_b, later, NOW) == [kept, kept]


def test_catching_up_in_two_steps_replays_what_one_step_does(backend_url: str) -> None:
    """A worker replays up to a bound without the lock, then the rest under it: the same steps, once each."""
    engine = _engine(backend_url)
    ids = [_article(engine, n, pair, 6 - n) for n, pair in enumerate((FLOOD, METRO, FLOOD_AGAIN, BRIDGE), 1)]
    assign_articles(engine, load_clusterer(engine, NOW, MERGING), ids, NOW)
    latest = latest_story_seq(engine)
    assert latest == 5  # four assignments and the merge the bridge made

    def key(step):  # type: ignore[no-untyped-def]
        return ("merge", step.seq) if isinstance(step, StoryMerge) else ("item", step[0].id, step[1])

    whole = [key(step) for step in cluster_items_assigned_after(engine, 0)]
    first = [key(step) for step in cluster_items_assigned_after(engine, 0, upto=3)]
    rest = [key(step) for step in cluster_items_assigned_after(engine, 3)]
    assert len(first) == 3 and first + rest == whole
    assert cluster_items_assigned_after(engine, 0, upto=latest) == cluster_items_assigned_after(engine, 0)


def test_a_stale_worker_follows_a_folded_story(backend_url: str) -> None:
    engine = _engine(backend_url)
    ids = [_article(engine, n, pair, 6 - n) for n, pair in enumerate((FLOOD, METRO, FLOOD_AGAIN, BRIDGE), 1)]
    worker_a = StoryClusterer(MERGING)
    story_ids = assign_articles(engine, worker_a, ids[:3], NOW)
    kept, folded = story_ids[0], story_ids[1]
    assign_articles(engine, worker_a, ids[3:], NOW)
    # A worker holding only the folded story (the kept one closed there) renames it on replay.
    worker_b = StoryClusterer(MERGING)
    worker_b.rebuild([(item, folded, dup) for item, _, dup in cluster_items_assigned_after(engine, 0)[1:2]])  # type: ignore[misc]
    assert worker_b.summary(folded) is not None
    replay(worker_b, [StoryMerge(4, kept, folded)])
    assert worker_b.summary(folded) is None and worker_b.summary(kept) is not None
    # A writer that still names the folded story is sent to the kept one, and no new story takes the old id.
    late = _article(engine, 7, METRO_AGAIN, 0.5)
    assert save_assignment(engine, late, folded, None) == kept
    fresh = save_assignment(engine, _article(engine, 8, ("Другое", "Совсем другое событие."), 0.2), None, None)
    assert fresh not in (kept, folded)


def test_batch_output_follows_merges_beyond_the_window() -> None:
    day = datetime(2025, 3, 1, tzinfo=UTC)
    rows = [  # the flood story starts first (id 1) and stays smaller than the metro story, so it is folded
        (1, FLOOD, day),
        (2, FLOOD_AGAIN, day + timedelta(days=2, hours=20)),
        (3, METRO, day + timedelta(days=3, hours=1)),
        (4, METRO_AGAIN, day + timedelta(days=3, hours=2)),
        (5, METRO, day + timedelta(days=3, hours=3)),
        (6, BRIDGE, day + timedelta(days=3, hours=4)),
    ]
    lines = [json.dumps({"id": n, "title": t, "text": x, "published": when.isoformat(), "source": f"s{n}.kz"})
             for n, (t, x), when in rows]
    out = cluster_lines(lines, now=day + timedelta(days=10), settings=MERGING)
    assert len({record["story_id"] for record in out}) == 1  # article 1 left the clusterer's memory long before
    plain = cluster_lines(lines, now=day + timedelta(days=10), settings=ClusterSettings(merge_bridges=False))
    assert len({record["story_id"] for record in plain}) == 2


def test_merge_bridges_is_on_by_default() -> None:
    assert ClusterSettings().merge_bridges


def test_migration_0008_goes_down_and_up(backend_url: str) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from svodka.store.db import _alembic_config

    engine = _engine(backend_url)
    config = _alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0007")
    assert "story_merges" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert "story_merges" in inspect(engine).get_table_names()
