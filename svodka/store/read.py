"""Read-side queries for the site, feeds and JSON API. Each returns plain dataclasses, never rows.

Every list is bounded (pages of at most `MAX_PER_PAGE`) and every lookup of a missing id or slug returns None,
so the web layer can answer 404 instead of failing.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, and_, bindparam, func, literal, select
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql import Select

from svodka.store.schema import article_entities, articles, entities, feed_items, sources, stories, story_merges

log = logging.getLogger(__name__)

MAX_PER_PAGE = 100
# Readers see an article only once every ingest stage has run on it (see migration 0006); half-ingested ones,
# in flight or left by a crash, stay hidden until `Pipeline.ingest` or `Pipeline.resume_incomplete` finishes them.
VISIBLE = articles.c.ingested_at.is_not(None)
# How many in-flight (not yet visible) article ids a count looks at to subtract them; normally a handful.
PENDING_SCAN = 2000
MAX_PAGE = 10_000
# How many of an entity's newest articles (by id) a tag page sorts by date.
TAG_WINDOW = 600


@dataclass
class TagRef:
    """A link to a tag page (entity) or a category page (type "category")."""

    slug: str
    name: str
    type: str = "topic"


@dataclass
class ArticleCard:
    id: int
    title: str
    lead: str | None
    url: str
    published_at: datetime | None
    updated_at: datetime | None
    outlet: str
    source_name: str | None
    source_slug: str | None
    category: str | None
    story_id: int | None
    duplicate_of: int | None
    # Copies of this article folded under it on the story page.
    copies: list[ArticleCard] = field(default_factory=list)


@dataclass
class StoryCard:
    id: int
    title: str
    lead: str | None
    category: str | None
    first_seen: datetime | None
    last_seen: datetime | None
    article_count: int
    source_count: int
    score: float
    breaking: bool
    updated_at: datetime | None
    tags: list[TagRef] = field(default_factory=list)


@dataclass
class RelatedCard(StoryCard):
    """A "Читайте также" story with its reason: the names of the tags it shares with the article."""

    shared_tags: list[str] = field(default_factory=list)


@dataclass
class Page:
    """One page of a longer list."""

    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


@dataclass
class Figure:
    """A key figure of an article ("5 млрд тенге — объём инвестиций")."""

    value: str
    label: str | None = None


@dataclass
class ArticlePage:
    article: ArticleCard
    authors: list[str]
    image_url: str | None
    image_caption: str | None
    photo_credit: str | None
    blocks: list[dict[str, str]]
    text: str
    figures: list[Figure]
    tags: list[TagRef]
    origin_url: str | None
    related: list[RelatedCard]
    other_outlets: list[ArticleCard]
    story: StoryCard | None


@dataclass
class TimelineItem:
    at: datetime | None
    outlet: str
    title: str
    article_id: int


@dataclass
class OutletGroup:
    outlet: str
    source_slug: str | None
    articles: list[ArticleCard]


@dataclass
class StoryPage:
    story: StoryCard
    groups: list[OutletGroup]
    timeline: list[TimelineItem]


@dataclass
class DayCount:
    day: str
    count: int


@dataclass
class TagPage:
    tag: TagRef
    aliases: list[str]
    articles: Page
    stories: list[StoryCard]
    mentions: list[DayCount]
    related: list[tuple[TagRef, int]]
    updated_at: datetime | None


@dataclass
class SourceInfo:
    id: int
    slug: str
    name: str
    site_url: str | None
    feed_url: str
    kind: str
    category: str | None
    active: bool
    last_polled_at: datetime | None
    last_success_at: datetime | None
    last_status: int | None
    last_error: str | None
    error_count: int
    consecutive_errors: int
    # When the feed is polled next (pushed back by the error backoff) and its usual interval in seconds.
    next_poll_at: datetime | None = None
    poll_interval: int | None = None


@dataclass
class SourcePage:
    source: SourceInfo
    feeds: list[SourceInfo]
    articles: Page


def clamp_page(page: int, per_page: int) -> tuple[int, int]:
    """Page and page size within sane bounds (huge numbers become the last allowed page, not an error)."""
    return max(1, min(page, MAX_PAGE)), max(1, min(per_page, MAX_PER_PAGE))


# --- articles ------------------------------------------------------------------------------------------------

_CARD_COLUMNS = (
    articles.c.id, articles.c.title, articles.c.lead, articles.c.url, articles.c.published_at,
    articles.c.updated_at, articles.c.origin, articles.c.category, articles.c.story_id, articles.c.duplicate_of,
    sources.c.name.label("source_name"), sources.c.slug.label("source_slug"),
)
_WITH_SOURCE = articles.outerjoin(sources, sources.c.id == articles.c.source_id)


def _card_select() -> Select[Any]:
    return select(*_CARD_COLUMNS).select_from(_WITH_SOURCE)


def outlet_name(origin: Any, source_name: str | None, url: str) -> str:
    """Who reported it: the original outlet of a rewrite, else the source, else the URL's host."""
    if isinstance(origin, dict) and origin.get("name"):
        return str(origin["name"])
    if source_name:
        return source_name
    return urlsplit(url).hostname or url


def _card(row: Row[Any]) -> ArticleCard:
    return ArticleCard(
        id=row.id, title=row.title or "(без заголовка)", lead=row.lead, url=row.url,
        published_at=row.published_at, updated_at=row.updated_at,
        outlet=outlet_name(row.origin, row.source_name, row.url),
        source_name=row.source_name, source_slug=row.source_slug, category=row.category,
        story_id=row.story_id, duplicate_of=row.duplicate_of,
    )


def _without_pending(conn: Connection, count_stmt: Select[Any], article_id: Any) -> Select[Any]:
    """`count_stmt` minus the rows of articles still in flight (`article_id` is the counted rows' article id).

    The in-flight ones are a handful found through the ingested_at index, so the count keeps its index-only plan
    instead of reading every counted article's row to check it.
    """
    pending = list(conn.execute(select(articles.c.id).where(articles.c.ingested_at.is_(None))
                                .limit(PENDING_SCAN)).scalars())
    if not pending:
        return count_stmt
    return select(count_stmt.scalar_subquery() - count_stmt.where(article_id.in_(pending)).scalar_subquery())


def _paged(conn: Connection, stmt: Select[Any], count_stmt: Select[Any], page: int, per_page: int) -> Page:
    page, per_page = clamp_page(page, per_page)
    total = int(conn.execute(count_stmt).scalar_one())
    rows = conn.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=[_card(r) for r in rows], page=page, per_page=per_page, total=total)


def latest_articles(engine: Engine, page: int = 1, per_page: int = 20, *, category: str | None = None,
                    entity_slug: str | None = None, source_ids: list[int] | None = None) -> Page:
    """Newest articles, optionally of one category, one entity or some sources."""
    conditions = []
    if category is not None:
        conditions.append(articles.c.category == category)
    if entity_slug is not None:
        entity_id = select(entities.c.id).where(entities.c.slug == entity_slug).scalar_subquery()
        conditions.append(articles.c.id.in_(select(article_entities.c.article_id)
                                            .where(article_entities.c.entity_id == entity_id)))
    if source_ids is not None:
        conditions.append(articles.c.source_id.in_(source_ids))
    where = and_(True, *conditions)
    stmt = _card_select().where(where, VISIBLE).order_by(articles.c.published_at.desc(), articles.c.id.desc())
    with engine.connect() as conn:
        count_stmt = _without_pending(conn, select(func.count()).select_from(articles).where(where), articles.c.id)
        return _paged(conn, stmt, count_stmt, page, per_page)


FIGURE_KINDS_RU = {"money": "сумма", "quantity": "количество", "percent": "доля", "target_date": "срок"}


def _figures(raw: Any) -> list[Figure]:
    """Key figures from articles.figures, whatever shape enrichment stored (dicts or strings)."""
    result = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, str) and item.strip():
            result.append(Figure(value=item.strip()))
        elif isinstance(item, dict):
            value = item.get("text") or item.get("value") or item.get("amount")
            if value is None:
                continue
            label = item.get("label") or FIGURE_KINDS_RU.get(str(item.get("kind")))
            result.append(Figure(value=str(value), label=str(label) if label else None))
    return result[:8]


def _blocks(raw: Any) -> list[dict[str, str]]:
    result = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, dict) and isinstance(item.get("text"), str) and item["text"].strip():
            result.append({"kind": str(item.get("kind") or "paragraph"), "text": item["text"]})
    return result


# The article page's statements, built once: constructing a SELECT costs more than running it by primary key.
_ARTICLE_TAGS = (
    select(entities.c.slug, entities.c.name, entities.c.type)
    .join(article_entities, article_entities.c.entity_id == entities.c.id)
    .where(article_entities.c.article_id == bindparam("article_id"))
    .order_by(article_entities.c.is_tag.desc(), article_entities.c.salience.desc(), entities.c.name)
    .limit(8)
)
_ARTICLE_ROW = (select(*_CARD_COLUMNS, articles.c.authors, articles.c.image, articles.c.credits, articles.c.blocks,
                       articles.c.text, articles.c.figures)
                .select_from(_WITH_SOURCE).where(articles.c.id == bindparam("article_id"), VISIBLE))
_OTHER_OUTLETS = (_card_select().where(articles.c.story_id == bindparam("story_id"),
                                       articles.c.id != bindparam("article_id"), VISIBLE)
                  .order_by(articles.c.published_at).limit(50))


def _article_tags(conn: Connection, article_id: int, category: str | None) -> list[TagRef]:
    rows = conn.execute(_ARTICLE_TAGS, {"article_id": article_id}).all()
    tags = [TagRef(slug=r.slug, name=r.name, type=r.type) for r in rows]
    if category:
        tags.append(TagRef(slug=category, name=category, type="category"))
    return tags


# How many "Читайте также" stories the article page shows.
RELATED_ON_PAGE = 5


def get_article(engine: Engine, article_id: int) -> ArticlePage | None:
    """Everything the article page shows, or None when there is no such article.

    One connection, a handful of primary-key or indexed lookups: "Читайте также" comes precomputed from
    `stories.related` (written by `store.stories.refresh_story`); only a story that has none yet is computed live.
    """
    with engine.connect() as conn:
        row = conn.execute(_ARTICLE_ROW, {"article_id": article_id}).first()
        if row is None:
            return None
        card = _card(row)
        tags = _article_tags(conn, article_id, row.category)
        own = conn.execute(_OWN_STORY, {"story_id": card.story_id}).first() if card.story_id else None
        picks = _stored_related(own.related) if own is not None else None
        related: list[RelatedCard] = []
        if picks is not None:
            related_rows = _rows_in_order(conn, [story_id for story_id, _ in picks[:RELATED_ON_PAGE]])
            story_cards = _story_rows_to_cards(conn, [own, *related_rows])
            story, related = story_cards[0], _related_cards(story_cards[1:], dict(picks))
        else:
            story = _story_rows_to_cards(conn, [own])[0] if own is not None else None
        others = _other_outlets(conn, card, article_id) if card.story_id else []
    if picks is None:
        related = related_stories(engine, article_id, card.story_id, RELATED_ON_PAGE)
    image = row.image if isinstance(row.image, dict) else {}
    credits = [c for c in (row.credits or []) if isinstance(c, str) and c.strip()]
    origin = row.origin if isinstance(row.origin, dict) else {}
    return ArticlePage(
        article=card, authors=[a for a in (row.authors or []) if isinstance(a, str)],
        image_url=image.get("url"), image_caption=image.get("caption"),
        photo_credit=image.get("credit") or (credits[0] if credits else None),
        blocks=_blocks(row.blocks), text=row.text or "", figures=_figures(row.figures), tags=tags,
        origin_url=origin.get("url"), related=related, other_outlets=others, story=story,
    )


def _other_outlets(conn: Connection, card: ArticleCard, article_id: int, limit: int = 10) -> list[ArticleCard]:
    """The first article of each other outlet in the article's story."""
    seen = {card.outlet}
    others: list[ArticleCard] = []
    for other in conn.execute(_OTHER_OUTLETS, {"story_id": card.story_id, "article_id": article_id}):
        other_card = _card(other)
        if other_card.outlet not in seen:
            seen.add(other_card.outlet)
            others.append(other_card)
            if len(others) >= limit:
                break
    return others


def _stored_related(raw: Any) -> list[tuple[int, list[str]]] | None:
    """(story id, shared tag names) from stories.related; None when it was never computed or is malformed."""
    if not isinstance(raw, list):
        return None
    picks = []
    for item in raw:
        if isinstance(item, dict) and isinstance(item.get("story_id"), int):
            shared = item.get("shared_tags")
            picks.append((item["story_id"], [str(t) for t in shared] if isinstance(shared, list) else []))
    return picks


def _related_cards(cards: list[StoryCard], shared: dict[int, list[str]]) -> list[RelatedCard]:
    return [RelatedCard(**{f.name: getattr(c, f.name) for f in fields(StoryCard)}, shared_tags=shared.get(c.id, []))
            for c in cards]


# --- stories ---------------------------------------------------------------------------------------------------

_STORY_COLUMNS = (stories.c.id, stories.c.title, stories.c.lead, stories.c.category, stories.c.first_seen,
                  stories.c.last_seen, stories.c.article_count, stories.c.source_count, stories.c.score,
                  stories.c.breaking, stories.c.tags, stories.c.updated_at)
_STORIES_BY_ID = select(*_STORY_COLUMNS).where(stories.c.id.in_(bindparam("ids", expanding=True)))
_OWN_STORY = select(*_STORY_COLUMNS, stories.c.related).where(stories.c.id == bindparam("story_id"))


def _resolve_tags(conn: Connection, raw_lists: list[Any], per_story: int = 4) -> list[list[TagRef]]:
    """stories.tags (slugs, names or {slug, name} dicts) resolved against the entities table in one query."""
    wanted: set[str] = set()
    for raw in raw_lists:
        for item in raw if isinstance(raw, list) else []:
            if isinstance(item, str):
                wanted.add(item)
            elif isinstance(item, dict) and not item.get("name"):
                wanted.update(str(item[k]) for k in ("slug", "key") if item.get(k))
    known: dict[str, TagRef] = {}
    if wanted:
        rows = conn.execute(select(entities.c.slug, entities.c.key, entities.c.name, entities.c.type).where(
            entities.c.slug.in_(wanted) | entities.c.key.in_(wanted) | entities.c.name.in_(wanted))).all()
        for r in rows:
            ref = TagRef(slug=r.slug, name=r.name, type=r.type)
            for k in (r.slug, r.key, r.name):
                known[k] = ref
    result = []
    for raw in raw_lists:
        refs: list[TagRef] = []
        for item in raw if isinstance(raw, list) else []:
            if isinstance(item, str) and item in known:
                refs.append(known[item])
            elif isinstance(item, dict) and item.get("slug") and item.get("name"):
                refs.append(TagRef(slug=str(item["slug"]), name=str(item["name"]), type=str(item.get("type", "topic"))))
            elif isinstance(item, dict):
                key = item.get("slug") or item.get("key")
                if key in known:
                    refs.append(known[key])
        result.append(refs[:per_story])
    return result


def _story_rows_to_cards(conn: Connection, rows: list[Row[Any]]) -> list[StoryCard]:
    tag_lists = _resolve_tags(conn, [r.tags for r in rows])
    return [
        StoryCard(id=r.id, title=r.title or "(без заголовка)", lead=r.lead, category=r.category,
                  first_seen=r.first_seen, last_seen=r.last_seen, article_count=r.article_count or 0,
                  source_count=r.source_count or 0, score=r.score or 0.0, breaking=bool(r.breaking),
                  updated_at=r.updated_at, tags=tags)
        for r, tags in zip(rows, tag_lists, strict=True)
    ]


def _rows_in_order(conn: Connection, ids: list[int | None]) -> list[Row[Any]]:
    """Story rows (card columns) for the given ids, in that order, missing ids skipped."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return []
    rows = {r.id: r for r in conn.execute(_STORIES_BY_ID, {"ids": wanted})}
    return [rows[i] for i in wanted if i in rows]


def _story_cards(conn: Connection, ids: list[int | None]) -> list[StoryCard]:
    return _story_rows_to_cards(conn, _rows_in_order(conn, ids))


def story_cards(engine: Engine, ids: list[int]) -> list[StoryCard]:
    """Story cards for the given ids, in that order (missing ids skipped)."""
    with engine.connect() as conn:
        return _story_cards(conn, list(ids))


def top_stories(engine: Engine, page: int = 1, per_page: int = 20, *, category: str | None = None) -> Page:
    """Stories by importance (stories.score), optionally of one category."""
    page, per_page = clamp_page(page, per_page)
    where = and_(True, stories.c.category == category) if category is not None else and_(True)
    with engine.connect() as conn:
        total = int(conn.execute(select(func.count()).select_from(stories).where(where)).scalar_one())
        rows = conn.execute(select(*_STORY_COLUMNS).where(where)
                            .order_by(stories.c.score.desc(), stories.c.id.desc())
                            .limit(per_page).offset((page - 1) * per_page)).all()
        return Page(items=_story_rows_to_cards(conn, rows), page=page, per_page=per_page, total=total)


_CATEGORIES: dict[str, tuple[float, list[tuple[str, int]]]] = {}
# Counting articles per category scans the table; the list changes slowly, so every page reuses it a while.
CATEGORIES_TTL = 60.0


def categories(engine: Engine) -> list[tuple[str, int]]:
    """Categories that have articles, with their article counts, largest first (cached for CATEGORIES_TTL s)."""
    key = str(engine.url)
    cached = _CATEGORIES.get(key)
    if cached is not None and time.monotonic() - cached[0] < CATEGORIES_TTL:
        return cached[1]
    with engine.connect() as conn:
        rows = conn.execute(select(articles.c.category, func.count()).where(articles.c.category.is_not(None), VISIBLE)
                            .group_by(articles.c.category).order_by(func.count().desc())).all()
    value = [(r[0], int(r[1])) for r in rows]
    _CATEGORIES[key] = (time.monotonic(), value)
    return value


def category_blocks(engine: Engine, names: list[str], per_category: int = 4,
                    exclude: set[int] | None = None) -> dict[str, list[StoryCard]]:
    """The top stories of each category, leaving out `exclude` (shown above already); empty blocks are dropped."""
    result: dict[str, list[StoryCard]] = {}
    skip = list(exclude or ())
    with engine.connect() as conn:
        for name in names:
            rows = conn.execute(select(*_STORY_COLUMNS).where(stories.c.category == name, stories.c.id.not_in(skip))
                                .order_by(stories.c.score.desc()).limit(per_category)).all()
            if rows:
                result[name] = _story_rows_to_cards(conn, rows)
    return result


def merged_into(engine: Engine, story_id: int) -> int | None:
    """The story a folded story now lives in (following later merges of that one), or None if it was never folded."""
    kept = None
    with engine.connect() as conn:
        for _ in range(32):  # chains are short; the bound guards against a cycle in bad data
            row = conn.execute(select(story_merges.c.keep_id).where(story_merges.c.folded_id == story_id)
                               .order_by(story_merges.c.seq.desc()).limit(1)).first()
            if row is None:
                break
            kept = story_id = row.keep_id
    return kept


def get_story(engine: Engine, story_id: int) -> StoryPage | None:
    """A story with its articles grouped by outlet (copies folded under their original) and a timeline."""
    with engine.connect() as conn:
        cards = _story_cards(conn, [story_id])
        if not cards:
            return None
        rows = conn.execute(_card_select().where(articles.c.story_id == story_id, VISIBLE)
                            .order_by(articles.c.published_at, articles.c.id).limit(500)).all()
    members = [_card(r) for r in rows]
    by_id = {c.id: c for c in members}
    originals: list[ArticleCard] = []
    for card in members:
        original = by_id.get(card.duplicate_of) if card.duplicate_of else None
        if original is not None and original is not card and original.duplicate_of is None:
            original.copies.append(card)
        else:
            originals.append(card)
    groups: dict[str, OutletGroup] = {}
    for card in originals:
        # A rewrite's original outlet is not one of our sources: no source page to link to.
        slug = card.source_slug if card.outlet == card.source_name else None
        group = groups.setdefault(card.outlet, OutletGroup(outlet=card.outlet, source_slug=slug, articles=[]))
        group.articles.append(card)
    timeline = [TimelineItem(at=c.published_at, outlet=c.outlet, title=c.title, article_id=c.id) for c in members]
    ordered = sorted(groups.values(), key=lambda g: (-len(g.articles), g.outlet))
    return StoryPage(story=cards[0], groups=ordered, timeline=timeline)


def related_stories(engine: Engine, article_id: int, own_story: int | None,
                    limit: int = RELATED_ON_PAGE) -> list[RelatedCard]:
    """"Читайте также" computed live: the stories stage's choice (`store.stories.related_for_article`); should
    that fail, the stories sharing the most entities with the article. The article page uses this only for
    stories whose choice was not stored yet (`stories.related` is NULL)."""
    try:
        from svodka.store.stories import related_for_article

        picks = [(item.story_id, item.shared_tags) for item in related_for_article(engine, article_id, limit)]
    except Exception:  # noqa: BLE001 - a failing neighbour must not take the article page down
        log.exception("related_for_article failed for article %s; using shared entities", article_id)
        picks = [(story_id, []) for story_id in _stories_sharing_entities(engine, article_id, limit + 1)]
    picks = [(story_id, shared) for story_id, shared in picks if story_id != own_story][:limit]
    with engine.connect() as conn:
        return _related_cards(_story_cards(conn, [story_id for story_id, _ in picks]), dict(picks))


def _stories_sharing_entities(engine: Engine, article_id: int, limit: int) -> list[int]:
    mine = select(article_entities.c.entity_id).where(article_entities.c.article_id == article_id)
    # Only recent co-mentions: bounded work even for entities seen in thousands of articles.
    neighbours = (select(article_entities.c.article_id).where(article_entities.c.entity_id.in_(mine),
                                                             article_entities.c.article_id != article_id)
                  .order_by(article_entities.c.article_id.desc()).limit(400).subquery())
    with engine.connect() as conn:
        return list(conn.execute(
            select(articles.c.story_id)
            .where(articles.c.id.in_(select(neighbours.c.article_id)), articles.c.story_id.is_not(None), VISIBLE)
            .group_by(articles.c.story_id).order_by(func.count().desc(), articles.c.story_id.desc()).limit(limit)
        ).scalars())


# --- tags (entities) ---------------------------------------------------------------------------------------------


def get_tag(engine: Engine, slug: str, page: int = 1, per_page: int = 20, days: int = 30) -> TagPage | None:
    """An entity's page: name, aliases, latest articles and stories, mentions per day, co-occurring entities."""
    with engine.connect() as conn:
        entity = conn.execute(select(entities).where(entities.c.slug == slug)).first()
        if entity is None:
            return None
        own_articles = select(article_entities.c.article_id).where(article_entities.c.entity_id == entity.id)
        count = _without_pending(conn, select(func.count()).select_from(article_entities)
                                 .where(article_entities.c.entity_id == entity.id), article_entities.c.article_id)
        page, per_page = clamp_page(page, per_page)
        # Only the entity's newest articles by id are sorted by date: ids follow ingestion, so the newest by date
        # are among them, and a tag with 50k articles costs what one with 50 does.
        window = own_articles.order_by(article_entities.c.article_id.desc()).limit(page * per_page + TAG_WINDOW)
        stmt = (_card_select().where(articles.c.id.in_(window), VISIBLE)
                .order_by(articles.c.published_at.desc(), articles.c.id.desc()))
        listing = _paged(conn, stmt, count, page, per_page)
        if page == 1:
            last_seen = listing.items[0].published_at if listing.items else None
        else:
            last_seen = conn.execute(select(func.max(articles.c.published_at))
                                     .where(articles.c.id.in_(window), VISIBLE)).scalar_one()
        mentions: list[DayCount] = []
        if last_seen is not None:
            since = (last_seen - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
            day = func.date(articles.c.published_at)
            if listing.total <= TAG_WINDOW * 4:
                # A rarer entity: walk its own articles.
                mentioned = articles.c.id.in_(own_articles)
            else:
                # A famous one: walk the date range (an index scan) probing the primary key, so the cost is the
                # site's volume over `days`, not the entity's fame.
                mentioned = (select(literal(1)).where(article_entities.c.article_id == articles.c.id,
                                                      article_entities.c.entity_id == entity.id).exists())
            per_day = dict(conn.execute(select(day, func.count()).where(articles.c.published_at >= since, mentioned,
                                                                        VISIBLE)
                                        .group_by(day)).all())
            mentions = [DayCount(day=(since + timedelta(days=i)).date().isoformat(),
                                 count=int(per_day.get((since + timedelta(days=i)).date().isoformat(), 0)))
                        for i in range(days)]
        recent = own_articles.order_by(article_entities.c.article_id.desc()).limit(300)
        other = article_entities.alias("other")
        co_rows = conn.execute(
            select(entities.c.slug, entities.c.name, entities.c.type, func.count().label("n"))
            .select_from(other.join(entities, entities.c.id == other.c.entity_id))
            .where(other.c.article_id.in_(recent), other.c.entity_id != entity.id)
            .group_by(entities.c.id).order_by(func.count().desc(), entities.c.name).limit(10)
        ).all()
        story_ids = list(conn.execute(
            select(articles.c.story_id).where(articles.c.id.in_(recent.limit(60)), articles.c.story_id.is_not(None),
                                              VISIBLE)
            .group_by(articles.c.story_id).order_by(func.max(articles.c.published_at).desc()).limit(6)
        ).scalars())
        story_list = _story_cards(conn, list(story_ids))
    aliases = [a for a in (entity.aliases or []) if isinstance(a, str) and a != entity.name]
    return TagPage(
        tag=TagRef(slug=entity.slug, name=entity.name, type=entity.type), aliases=aliases[:20], articles=listing,
        stories=story_list, mentions=mentions,
        related=[(TagRef(slug=r.slug, name=r.name, type=r.type), int(r.n)) for r in co_rows],
        updated_at=last_seen,
    )


def list_tags(engine: Engine, page: int = 1, per_page: int = 50) -> Page:
    """Entities by number of articles mentioning them."""
    page, per_page = clamp_page(page, per_page)
    with engine.connect() as conn:
        total = int(conn.execute(select(func.count()).select_from(entities)).scalar_one())
        n = func.count(article_entities.c.article_id)
        rows = conn.execute(
            select(entities.c.slug, entities.c.name, entities.c.type, n.label("n"))
            .select_from(entities.outerjoin(article_entities, article_entities.c.entity_id == entities.c.id))
            .group_by(entities.c.id).order_by(n.desc(), entities.c.name)
            .limit(per_page).offset((page - 1) * per_page)
        ).all()
    items = [{"slug": r.slug, "name": r.name, "type": r.type, "articles": int(r.n)} for r in rows]
    return Page(items=items, page=page, per_page=per_page, total=total)


# --- sources ---------------------------------------------------------------------------------------------------


def _source(row: Row[Any]) -> SourceInfo:
    return SourceInfo(
        id=row.id, slug=row.slug, name=row.name, site_url=row.site_url, feed_url=row.feed_url, kind=row.kind,
        category=row.category, active=bool(row.active), last_polled_at=row.last_polled_at,
        last_success_at=row.last_success_at, last_status=row.last_status, last_error=row.last_error,
        error_count=row.error_count or 0, consecutive_errors=row.consecutive_errors or 0,
        next_poll_at=row.next_poll_at, poll_interval=row.poll_interval,
    )


def all_sources(engine: Engine) -> list[SourceInfo]:
    with engine.connect() as conn:
        return [_source(r) for r in conn.execute(select(sources).order_by(sources.c.name, sources.c.id))]


def get_source(engine: Engine, slug: str, page: int = 1, per_page: int = 20) -> SourcePage | None:
    """An outlet: its feeds (rows of the same outlet name or site), health and latest articles."""
    with engine.connect() as conn:
        row = conn.execute(select(sources).where(sources.c.slug == slug)).first()
        if row is None:
            return None
        same_outlet = sources.c.name == row.name
        if row.site_url:
            same_outlet = same_outlet | (sources.c.site_url == row.site_url)
        feeds = [_source(r) for r in conn.execute(select(sources).where(same_outlet).order_by(sources.c.id))]
    listing = latest_articles(engine, page, per_page, source_ids=[f.id for f in feeds])
    return SourcePage(source=_source(row), feeds=feeds, articles=listing)


# --- counters for /metrics and /healthz ------------------------------------------------------------------------


def article_count(engine: Engine) -> int:
    """Articles readers can see (in-flight ones are not counted)."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(articles).where(VISIBLE)).scalar_one())


def source_errors(engine: Engine) -> list[tuple[str, int]]:
    with engine.connect() as conn:
        return [(r.slug, int(r.error_count or 0)) for r in conn.execute(select(sources.c.slug, sources.c.error_count))]


def queue_lag_seconds(engine: Engine, now: datetime) -> tuple[int, float]:
    """How many announced URLs wait to be fetched, and the age in seconds of the oldest one."""
    with engine.connect() as conn:
        row = conn.execute(select(func.count(), func.min(feed_items.c.discovered_at))
                           .where(feed_items.c.state.in_(["new", "retry"]))).one()
    waiting, oldest = int(row[0]), row[1]
    return waiting, max(0.0, (now - oldest).total_seconds()) if oldest else 0.0

