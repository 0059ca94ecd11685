"""Persisting stories: article -> story assignments, story summaries, the clusterer's restart window, related.

All timestamps are naive UTC, as everywhere in the store. Portable SQL (SQLAlchemy Core) only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, select, update

from svodka.store.locks import story_row_lock
from svodka.store.schema import article_entities, articles, entities, sources, stories, story_merges
from svodka.stories.cluster import Assignment, ClusterSettings, StoryClusterer
from svodka.stories.corpus import source_of
from svodka.stories.headline import pick_title
from svodka.stories.ranking import Arrival, importance, is_breaking
from svodka.stories.related import MAX_RELATED, RelatedStory, StoryCandidate, pick_related
from svodka.stories.represent import ClusterItem

STORY_TAGS = 8
LEAD_CHARS = 400
# Related candidates come from the latest co-mentions of the article's entities: bounded work per page view.
RELATED_NEIGHBOURS = 400
# A story's strongest entities that look for related stories (a long-running story mentions hundreds).
RELATED_ENTITIES = 12


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value


@dataclass(frozen=True)
class StoryMerge:
    """A merge decided under the story-assignment lock: story `folded_id` was folded into `keep_id` at `seq`."""

    seq: int
    keep_id: int
    folded_id: int


# What a worker replays, in decision order: an assignment (item, story id, duplicate_of) or a merge.
ReplayStep = tuple[ClusterItem, int, int | None] | StoryMerge


def _latest_seq(conn: Any) -> int:
    """The latest story sequence number: assignments (`articles.story_seq`) and merges share one numbering."""
    assigned = conn.execute(select(func.coalesce(func.max(articles.c.story_seq), 0))).scalar_one()
    merged = conn.execute(select(func.coalesce(func.max(story_merges.c.seq), 0))).scalar_one()
    return int(max(assigned, merged))


def _story_exists(conn: Any, story_id: int) -> bool:
    return conn.execute(select(stories.c.id).where(stories.c.id == story_id)).first() is not None


def _live_story(conn: Any, story_id: int) -> int:
    """Where a story ended after merges: itself while its row exists, else the story it was folded into."""
    seen: set[int] = set()
    while story_id not in seen and not _story_exists(conn, story_id):
        seen.add(story_id)
        keep = conn.execute(select(story_merges.c.keep_id).where(story_merges.c.folded_id == story_id)
                            .order_by(story_merges.c.seq.desc()).limit(1)).scalar()
        if keep is None:
            break
        story_id = int(keep)
    return story_id


def _new_story_id(conn: Any) -> int | None:
    """An explicit id for a new story on SQLite, where a deleted (folded) top id would otherwise be reused and
    its redirect in `story_merges` would point a new story elsewhere; None lets the database choose."""
    if conn.dialect.name != "sqlite":
        return None
    folded = conn.execute(select(func.max(story_merges.c.folded_id))).scalar()
    top = conn.execute(select(func.max(stories.c.id))).scalar()
    if folded is None or (top is not None and top > folded):
        return None
    return int(folded) + 1


def _fold_in_store(conn: Any, keep_id: int, folded_ids: Iterable[int], when: datetime) -> list[int]:
    """Move the folded stories' articles (their story_seq unchanged) to `keep_id`, delete the folded rows and
    record each merge with the next sequence number; returns the story ids actually folded."""
    done: list[int] = []
    for folded_id in folded_ids:
        folded_id = _live_story(conn, int(folded_id))
        if folded_id == keep_id or folded_id in done:
            continue
        conn.execute(update(articles).where(articles.c.story_id == folded_id).values(story_id=keep_id))
        conn.execute(delete(stories).where(stories.c.id == folded_id))
        conn.execute(story_merges.insert().values(seq=_latest_seq(conn) + 1, keep_id=keep_id, folded_id=folded_id,
                                                  merged_at=when))
        done.append(folded_id)
    return done


def save_assignment(engine: Engine, article_id: int, story_db_id: int | None,
                    duplicate_of_article_id: int | None, merged: Sequence[int] = ()) -> int:
    """Record an article's story (creating the story row when `story_db_id` is None); returns the story id.

    A story folded away meanwhile (by another worker) is followed to the story it went into. `merged` are the
    stories the article bridged (`Assignment.merged`): in the same transaction they are folded into its story
    (`story_merges`, one sequence number each, taken before the article's own).
    """
    with engine.begin() as conn:
        row = conn.execute(select(articles.c.published_at, articles.c.fetched_at, articles.c.title)
                           .where(articles.c.id == article_id)).first()
        if row is None:
            raise ValueError(f"no article {article_id}")
        seen = row.published_at or row.fetched_at
        if story_db_id is not None:
            story_db_id = _live_story(conn, story_db_id)
        if story_db_id is None or not _story_exists(conn, story_db_id):
            values: dict[str, Any] = {"title": row.title, "first_seen": seen, "last_seen": seen, "article_count": 0,
                                      "source_count": 0, "score": 0.0, "breaking": False, "tags": [],
                                      "updated_at": seen}
            chosen = story_db_id if story_db_id is not None else _new_story_id(conn)
            if chosen is not None:
                values["id"] = chosen
            story_db_id = int(conn.execute(stories.insert().values(**values)).inserted_primary_key[0])
        if merged:
            _fold_in_store(conn, story_db_id, merged, datetime.now(UTC).replace(tzinfo=None))
        if duplicate_of_article_id == article_id:
            duplicate_of_article_id = None
        # Callers hold the story-assignment lock, so max + 1 is a gap-free, race-free sequence.
        seq = _latest_seq(conn) + 1
        conn.execute(update(articles).where(articles.c.id == article_id)
                     .values(story_id=story_db_id, duplicate_of=duplicate_of_article_id, story_seq=seq))
        return story_db_id


def record_assignment(engine: Engine, clusterer: StoryClusterer, article_id: int, assignment: Assignment) -> int:
    """Save what `clusterer.assign` decided for an article and give a new story its database id in the clusterer.

    The live pipeline calls this right after `assign` (items carry article ids, so `duplicate_of` is one too).
    """
    story_db_id = save_assignment(engine, article_id, None if assignment.new_story else assignment.story_id,
                                  assignment.duplicate_of if isinstance(assignment.duplicate_of, int) else None,
                                  assignment.merged)
    if story_db_id != assignment.story_id:
        # The story was folded by another worker into one this clusterer may hold too: follow the store.
        if clusterer.summary(story_db_id) is not None:
            clusterer.fold_stories(story_db_id, [assignment.story_id])
        else:
            clusterer.rename_story(assignment.story_id, story_db_id)
    return story_db_id


def _story_tags(conn: Any, article_ids: list[int]) -> list[dict[str, str]]:
    """The union of the articles' tags, most frequent first: [{slug, name, type}]."""
    if not article_ids:
        return []
    rows = conn.execute(
        select(entities.c.slug, entities.c.name, entities.c.type, article_entities.c.is_tag,
               article_entities.c.salience)
        .join(entities, entities.c.id == article_entities.c.entity_id)
        .where(article_entities.c.article_id.in_(article_ids))
    ).all()
    use_flag = any(r.is_tag for r in rows)
    counts: Counter[str] = Counter()
    info: dict[str, dict[str, str]] = {}
    for r in rows:
        if use_flag and not r.is_tag:
            continue
        counts[r.slug] += 1.0 + float(r.salience or 0.0)
        info[r.slug] = {"slug": r.slug, "name": r.name, "type": r.type}
    return [info[slug] for slug, _ in counts.most_common(STORY_TAGS)]


def refresh_story(engine: Engine, story_id: int, now: datetime) -> None:
    """Recompute a story's title, lead, category, counts, span, tags, score, breaking flag and "Читайте также"
    (`stories.related`) from its articles."""
    now = _naive_utc(now)
    # Outside the story-assignment lock: the story's row lock makes concurrent refreshes of one story take turns,
    # and each reads the articles committed before it got the lock, so the last refresh leaves it current.
    with story_row_lock(engine, story_id) as conn:
        rows = conn.execute(
            select(articles.c.id, articles.c.url, articles.c.title, articles.c.lead, articles.c.text,
                   articles.c.published_at, articles.c.fetched_at, articles.c.source_id, articles.c.category,
                   articles.c.duplicate_of)
            .where(articles.c.story_id == story_id).order_by(articles.c.id)
        ).all()
        if not rows:
            conn.execute(update(stories).where(stories.c.id == story_id)
                         .values(article_count=0, source_count=0, score=0.0, breaking=False, updated_at=now,
                                 related=[]))
            return
        originals = [r for r in rows if r.duplicate_of is None] or list(rows)
        title = pick_title([r.title for r in originals if r.title])
        chosen = next((r for r in originals if r.title and r.title.strip() == title), originals[0])
        lead = (chosen.lead or (chosen.text or "")[:LEAD_CHARS]).strip() or None
        arrivals = [Arrival(source=str(r.source_id) if r.source_id is not None else source_of(r.url),
                            published=r.published_at or r.fetched_at) for r in rows]
        times = [a.published for a in arrivals]
        categories = Counter(r.category for r in rows if r.category)
        conn.execute(update(stories).where(stories.c.id == story_id).values(
            title=title or None,
            lead=lead,
            category=categories.most_common(1)[0][0] if categories else None,
            first_seen=min(times),
            last_seen=max(times),
            article_count=len(rows),
            source_count=len({a.source for a in arrivals}),
            score=importance(arrivals, now),
            breaking=is_breaking(arrivals, now),
            tags=_story_tags(conn, [r.id for r in rows]),
            updated_at=now,
            related=_related_json(_related_for_members(conn, story_id, [(r.id, r.duplicate_of) for r in rows])),
        ))


def rescore_recent_stories(engine: Engine, now: datetime, window: timedelta = timedelta(days=3)) -> int:
    """Recompute score and breaking of stories active within `window` (importance decays, so run it every few
    minutes); older stories drop to score 0. Returns how many stories were rescored."""
    now = _naive_utc(now)
    cutoff = now - window
    when = func.coalesce(articles.c.published_at, articles.c.fetched_at)
    with engine.begin() as conn:
        rows = conn.execute(
            select(articles.c.story_id, articles.c.source_id, articles.c.url, when.label("seen"))
            .join(stories, stories.c.id == articles.c.story_id)
            .where(stories.c.last_seen >= cutoff)
        ).all()
        arrivals: dict[int, list[Arrival]] = {}
        for r in rows:
            source = str(r.source_id) if r.source_id is not None else source_of(r.url)
            arrivals.setdefault(int(r.story_id), []).append(Arrival(source, r.seen))
        for story_id, items in arrivals.items():
            conn.execute(update(stories).where(stories.c.id == story_id)
                         .values(score=importance(items, now), breaking=is_breaking(items, now)))
        conn.execute(update(stories).where(stories.c.last_seen < cutoff, (stories.c.score > 0) | stories.c.breaking)
                     .values(score=0.0, breaking=False))
    return len(arrivals)


def _cluster_rows(engine: Engine, condition: Any) -> list[tuple[ClusterItem, int | None, int | None]]:
    """Articles matching `condition` as (item, story id, duplicate_of), oldest first, with their entity keys."""
    when = func.coalesce(articles.c.published_at, articles.c.fetched_at)
    with engine.connect() as conn:
        rows = conn.execute(
            select(articles.c.id, articles.c.url, articles.c.title, articles.c.text, articles.c.published_at,
                   articles.c.fetched_at, articles.c.story_id, articles.c.duplicate_of, sources.c.slug)
            .outerjoin(sources, sources.c.id == articles.c.source_id)
            .where(condition)
            .order_by(when, articles.c.id)
        ).all()
        ids = [r.id for r in rows]
        keys: dict[int, list[str]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for article_id, key in conn.execute(
                select(article_entities.c.article_id, entities.c.key)
                .join(entities, entities.c.id == article_entities.c.entity_id)
                .where(article_entities.c.article_id.in_(chunk))
            ):
                keys.setdefault(article_id, []).append(key)
    result = []
    for r in rows:
        published = (r.published_at or r.fetched_at).replace(tzinfo=UTC)
        item = ClusterItem(id=r.id, url=r.url, title=r.title or "", text=r.text or "", published=published,
                           source=r.slug or source_of(r.url), entity_ids=sorted(keys.get(r.id, [])))
        result.append((item, r.story_id, r.duplicate_of))
    return result


def recent_cluster_items(engine: Engine, since: datetime) -> list[tuple[ClusterItem, int, int | None]]:
    """Articles assigned to stories and published since `since`, as (item, story id, duplicate_of), oldest first.

    Feed them to `StoryClusterer.rebuild` on start-up so the live clusterer continues where it stopped.
    """
    when = func.coalesce(articles.c.published_at, articles.c.fetched_at)
    rows = _cluster_rows(engine, articles.c.story_id.is_not(None) & (when >= _naive_utc(since)))
    return [(item, int(story), dup) for item, story, dup in rows if story is not None]


def latest_story_seq(engine: Engine) -> int:
    """The sequence number of the latest story assignment or merge (0 when none)."""
    with engine.connect() as conn:
        return _latest_seq(conn)


def cluster_items_assigned_after(engine: Engine, seq: int, upto: int | None = None) -> list[ReplayStep]:
    """Assignments and merges made after `seq` (and up to `upto`, if given) by other workers, in decision order,
    to replay into a live clusterer with `replay`. An assignment names the article's story now (after later merges).

    Without the story-assignment lock, pass `upto=latest_story_seq(...)` read before: decisions are committed in
    sequence order, so everything up to it is there, while later ones may still be arriving.
    """
    window = articles.c.story_seq > seq
    merge_window = story_merges.c.seq > seq
    if upto is not None:
        window = window & (articles.c.story_seq <= upto)
        merge_window = merge_window & (story_merges.c.seq <= upto)
    rows = _cluster_rows(engine, window)
    with engine.connect() as conn:
        order = dict(conn.execute(select(articles.c.id, articles.c.story_seq).where(window)).all())
        merges = [StoryMerge(int(r.seq), int(r.keep_id), int(r.folded_id)) for r in conn.execute(
            select(story_merges.c.seq, story_merges.c.keep_id, story_merges.c.folded_id).where(merge_window))]
    steps: list[tuple[int, ReplayStep]] = [(int(order[item.id]), (item, int(story), dup))
                                           for item, story, dup in rows if story is not None and item.id in order]
    steps += [(merge.seq, merge) for merge in merges]
    return [step for _, step in sorted(steps, key=lambda pair: pair[0])]


def replay(clusterer: StoryClusterer, steps: Iterable[ReplayStep]) -> None:
    """Apply other workers' decisions to a live clusterer: restore assignments, fold merged stories.

    A merge whose kept story this clusterer does not hold (closed here, or never seen) renames the folded story,
    so later articles of it land in the kept story's id.
    """
    for step in steps:
        if isinstance(step, StoryMerge):
            if clusterer.summary(step.keep_id) is None:
                clusterer.rename_story(step.folded_id, step.keep_id)
            else:
                clusterer.fold_stories(step.keep_id, [step.folded_id])
        else:
            clusterer.restore(*step)


def load_clusterer(engine: Engine, now: datetime, settings: ClusterSettings | None = None) -> StoryClusterer:
    """A clusterer restored from the articles of the recent window (the live pipeline's start-up)."""
    clusterer = StoryClusterer(settings)
    span = max(clusterer.settings.story_ttl, clusterer.settings.idf_window)
    clusterer.rebuild(recent_cluster_items(engine, now - span))
    return clusterer


@dataclass
class AssignedBatch:
    """What `record_assignments` decided: each input article's story (None for unknown ids), and the stories whose
    summaries are now stale."""

    story_ids: list[int | None]
    touched: set[int]


def record_assignments(engine: Engine, clusterer: StoryClusterer, article_ids: list[int]) -> AssignedBatch:
    """Cluster stored articles (in publication order) and save the assignments; the caller holds the
    story-assignment lock and refreshes `touched` afterwards (`refresh_stories`), which needs no lock.

    Articles already in a story are left alone.
    """
    rows = _cluster_rows(engine, articles.c.id.in_(article_ids)) if article_ids else []
    story_of: dict[int, int] = {}
    touched: set[int] = set()
    merged = False
    for item, story_id, _ in rows:
        if story_id is not None:
            story_of[int(item.id)] = int(story_id)
            continue
        assignment = clusterer.assign(item)
        story_of[int(item.id)] = record_assignment(engine, clusterer, int(item.id), assignment)
        merged = merged or bool(assignment.merged)
        touched.add(story_of[int(item.id)])
    if merged:
        # Articles of this batch (or of earlier ones) whose story was folded afterwards: name where they are now.
        with engine.connect() as conn:
            live = {story_id: _live_story(conn, story_id) for story_id in {*story_of.values(), *touched}}
        story_of = {article_id: live[story_id] for article_id, story_id in story_of.items()}
        touched = {live[story_id] for story_id in touched}
    return AssignedBatch([story_of.get(article_id) for article_id in article_ids], touched)


def refresh_stories(engine: Engine, story_ids: Iterable[int], now: datetime) -> None:
    """`refresh_story` for each story, in id order (two workers lock story rows in the same order)."""
    for story_id in sorted(set(story_ids)):
        refresh_story(engine, story_id, now)


def assign_articles(engine: Engine, clusterer: StoryClusterer, article_ids: list[int],
                    now: datetime) -> list[int | None]:
    """Cluster stored articles (in publication order), save the assignments and refresh the touched stories.

    Articles already in a story are left alone. Returns the story ids of the given articles in input order
    (None for ids that do not exist).
    """
    batch = record_assignments(engine, clusterer, article_ids)
    refresh_stories(engine, batch.touched, now)
    return batch.story_ids


def _pick_from_neighbours(conn: Any, weights: dict[str, float], names: dict[str, str], excluded: set[int],
                          own_articles: list[int], limit: int) -> list[RelatedStory]:
    """Stories among the latest co-mentions of the weighted entities (leaving out `own_articles`), chosen by
    `pick_related`."""
    neighbours = (
        select(article_entities.c.article_id, article_entities.c.entity_id)
        .where(article_entities.c.entity_id.in_([int(k) for k in weights]),
               article_entities.c.article_id.not_in(own_articles))
        .order_by(article_entities.c.article_id.desc()).limit(RELATED_NEIGHBOURS).subquery()
    )
    rows = conn.execute(
        select(articles.c.story_id, neighbours.c.entity_id)
        .join(neighbours, neighbours.c.article_id == articles.c.id)
        .where(articles.c.story_id.is_not(None))
    ).all()
    story_tags: dict[int, dict[str, str]] = {}
    for story_id, entity_id in rows:
        story_tags.setdefault(int(story_id), {})[str(entity_id)] = names.get(str(entity_id), "")
    for story_id in excluded:
        story_tags.pop(story_id, None)
    heads = {r.id: r for r in conn.execute(select(stories.c.id, stories.c.title, stories.c.last_seen)
                                          .where(stories.c.id.in_(list(story_tags))))} if story_tags else {}
    candidates = [StoryCandidate(story_id=s, title=heads[s].title or "", last_seen=heads[s].last_seen, tags=tags)
                  for s, tags in story_tags.items() if s in heads]
    return pick_related(weights, names, excluded, candidates, limit=limit)


def _related_for_members(conn: Any, story_id: int, members: list[tuple[int, int | None]],
                         limit: int = MAX_RELATED) -> list[RelatedStory]:
    """"Читайте также" for a whole story from its members (article id, duplicate_of): stories sharing the
    story's strongest entities, never itself nor the stories of its members' originals and copies.

    An entity weighs (1 + its mean salience) × the share of the story's articles that mention it, so for a
    one-article story this is exactly the article's own choice.
    """
    if not members:
        return []
    member_ids = [article_id for article_id, _ in members]
    rows = conn.execute(
        select(article_entities.c.entity_id, article_entities.c.salience, entities.c.name)
        .join(entities, entities.c.id == article_entities.c.entity_id)
        .where(article_entities.c.article_id.in_(member_ids))
    ).all()
    if not rows:
        return []
    mentions: Counter[str] = Counter()
    salience: Counter[str] = Counter()
    names: dict[str, str] = {}
    for r in rows:
        key = str(r.entity_id)
        mentions[key] += 1
        salience[key] += float(r.salience or 0.0)
        names[key] = r.name
    weights = {key: (1.0 + salience[key] / n) * n / len(member_ids) for key, n in mentions.items()}
    strongest = sorted(weights, key=lambda k: (-weights[k], k))[:RELATED_ENTITIES]
    weights = {key: weights[key] for key in strongest}
    originals = [dup for _, dup in members if dup is not None]
    family = select(articles.c.story_id).where(articles.c.duplicate_of.in_(member_ids) | articles.c.id.in_(originals))
    excluded = {story_id} | {s for s in conn.execute(family).scalars() if s is not None}
    return _pick_from_neighbours(conn, weights, names, excluded, member_ids, limit)


def _related_json(items: list[RelatedStory]) -> list[dict[str, Any]]:
    """What `stories.related` stores: the chosen stories in display order with their reasons."""
    return [{"story_id": r.story_id, "shared_tags": r.shared_tags, "score": r.score} for r in items]


def related_for_story(engine: Engine, story_id: int, limit: int = MAX_RELATED) -> list[RelatedStory]:
    """"Читайте также" for every article of a story (what `refresh_story` stores in `stories.related`)."""
    with engine.connect() as conn:
        members = [(r.id, r.duplicate_of) for r in conn.execute(
            select(articles.c.id, articles.c.duplicate_of).where(articles.c.story_id == story_id))]
        return _related_for_members(conn, story_id, members, limit)


def refresh_related(engine: Engine, story_ids: Iterable[int] | None = None,
                    on_progress: Callable[[int], None] | None = None) -> int:
    """Store "Читайте также" for the given stories, or for every story that has none yet (`None`): the backfill
    for stories saved before migration 0005, or a periodic refresh. Returns how many stories were updated."""
    if story_ids is None:
        with engine.connect() as conn:
            ids = list(conn.execute(select(stories.c.id).where(stories.c.related.is_(None))
                                    .order_by(stories.c.id)).scalars())
    else:
        ids = sorted(set(story_ids))
    for start in range(0, len(ids), 200):
        chunk = ids[start:start + 200]
        with engine.begin() as conn:
            members: dict[int, list[tuple[int, int | None]]] = {story_id: [] for story_id in chunk}
            for r in conn.execute(select(articles.c.story_id, articles.c.id, articles.c.duplicate_of)
                                  .where(articles.c.story_id.in_(chunk))):
                members[r.story_id].append((r.id, r.duplicate_of))
            for story_id in chunk:
                chosen = _related_for_members(conn, story_id, members[story_id])
                conn.execute(update(stories).where(stories.c.id == story_id).values(related=_related_json(chosen)))
        if on_progress is not None:
            on_progress(len(chunk))
    return len(ids)


def related_for_article(engine: Engine, article_id: int, limit: int = MAX_RELATED) -> list[RelatedStory]:
    """"Читайте также" for an article: stories sharing its entities, never its own or its duplicates' stories."""
    with engine.connect() as conn:
        me = conn.execute(select(articles.c.story_id, articles.c.duplicate_of)
                          .where(articles.c.id == article_id)).first()
        if me is None:
            return []
        mine = conn.execute(
            select(article_entities.c.entity_id, article_entities.c.salience, entities.c.slug, entities.c.name)
            .join(entities, entities.c.id == article_entities.c.entity_id)
            .where(article_entities.c.article_id == article_id)
        ).all()
        if not mine:
            return []
        weights = {str(r.entity_id): 1.0 + float(r.salience or 0.0) for r in mine}
        names = {str(r.entity_id): r.name for r in mine}
        # Stories of the article itself, of its original and of its copies are never "related".
        family = select(articles.c.story_id).where(
            (articles.c.id == article_id) | (articles.c.duplicate_of == article_id)
            | (articles.c.id == (me.duplicate_of or -1)) | (articles.c.duplicate_of == (me.duplicate_of or -1)))
        excluded = {s for s in conn.execute(family).scalars() if s is not None}
        return _pick_from_neighbours(conn, weights, names, excluded, [article_id], limit)
