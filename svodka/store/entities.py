"""Persisting enrichment: canonical entities, an article's entity links, and its category/tags/figures.

SQLAlchemy Core over the tables of `schema.py`, portable SQL only (SQLite and PostgreSQL). Entities are keyed by
`EntityTag.entity_id` ("PER:касым-жомарт токаев"); their aliases accumulate across articles.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from svodka.enrich.types import Enrichment, EntityTag
from svodka.store.schema import article_entities, articles, entities

MAX_ALIASES = 50
KEY_LENGTH = 300


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _free_slug(conn: Connection, slug: str, entity_type: str) -> str:
    """`slug`, or a variant no other entity uses ("ош" the city and "Ош" a person must not share a page)."""
    candidates = [slug, f"{slug}-{entity_type.lower()}"] + [f"{slug}-{entity_type.lower()}-{n}" for n in range(2, 50)]
    for candidate in candidates:
        candidate = candidate[:KEY_LENGTH]
        if conn.execute(select(entities.c.id).where(entities.c.slug == candidate)).first() is None:
            return candidate
    raise ValueError(f"no free slug for {slug!r}")


def _upsert_entity(engine: Engine, tag: EntityTag, forms: list[str]) -> int:
    """The database id of the entity, inserted when new; its aliases gain `forms`."""
    key = tag.entity_id[:KEY_LENGTH]
    for _attempt in range(3):
        with engine.begin() as conn:
            row = conn.execute(select(entities.c.id, entities.c.aliases).where(entities.c.key == key)).first()
            if row is not None:
                known = list(row.aliases or [])
                merged = known + [f for f in forms if f not in known]
                if len(merged) != len(known) and len(known) < MAX_ALIASES:
                    conn.execute(update(entities).where(entities.c.id == row.id)
                                 .values(aliases=merged[:MAX_ALIASES]))
                return int(row.id)
        try:
            with engine.begin() as conn:
                result = conn.execute(insert(entities).values(
                    key=key,
                    slug=_free_slug(conn, tag.slug or "entity", tag.type),
                    name=tag.name,
                    type=tag.type,
                    aliases=forms[:MAX_ALIASES],
                    created_at=_now(),
                ))
                return int(result.inserted_primary_key[0])
        except IntegrityError:
            # Another writer inserted the same key or slug meanwhile: read it back on the next attempt.
            continue
    raise RuntimeError(f"could not store entity {key!r}")


def _entity_ids(engine: Engine, tags: list[EntityTag]) -> dict[str, int]:
    """Database ids of the tags' entities by key: known ones read in one query, new ones inserted, and aliases
    extended only where the tags bring a form not stored yet (after a warm-up, most batches write no entity)."""
    first: dict[str, EntityTag] = {}
    forms: dict[str, list[str]] = {}
    for tag in tags:
        key = tag.entity_id[:KEY_LENGTH]
        first.setdefault(key, tag)
        known = forms.setdefault(key, [])
        known.extend(a for a in tag.aliases if a and a != tag.name and a not in known)
    ids: dict[str, int] = {}
    with engine.connect() as conn:
        stored = conn.execute(select(entities.c.id, entities.c.key, entities.c.aliases)
                              .where(entities.c.key.in_(list(first)))).all() if first else []
    for row in stored:
        aliases = list(row.aliases or [])
        if len(aliases) >= MAX_ALIASES or all(f in aliases for f in forms[row.key]):
            ids[row.key] = int(row.id)
    # In key order, so two workers writing the same entities never wait for each other in a cycle.
    for key in sorted(set(first) - set(ids)):
        ids[key] = _upsert_entity(engine, first[key], forms[key])
    return ids


def save_enrichment(engine: Engine, article_id: int, enrichment: Enrichment) -> None:
    """Store an article's enrichment: upsert its entities, replace its entity links, set its enrichment columns."""
    save_enrichments(engine, [(article_id, enrichment)])


def save_enrichments(engine: Engine, items: list[tuple[int, Enrichment]]) -> None:
    """`save_enrichment` for a batch of articles: entities first, then every article's links and enrichment
    columns in one transaction."""
    if not items:
        return
    ids = _entity_ids(engine, [tag for _, enrichment in items for tag in enrichment.entities])
    link_rows: list[dict[str, Any]] = []
    for article_id, enrichment in items:
        links: dict[int, EntityTag] = {}
        for tag in enrichment.entities:
            entity_id = ids[tag.entity_id[:KEY_LENGTH]]
            if entity_id not in links or tag.salience > links[entity_id].salience:
                links[entity_id] = tag
        tags = set(enrichment.tags)
        link_rows += [{"article_id": article_id, "entity_id": entity_id, "salience": float(tag.salience),
                       "mentions": max(1, len(tag.mentions)), "is_tag": tag.name in tags}
                      for entity_id, tag in links.items()]
    now = _now()
    with engine.begin() as conn:
        conn.execute(delete(article_entities).where(article_entities.c.article_id.in_([a for a, _ in items])))
        if link_rows:
            conn.execute(insert(article_entities), link_rows)
        for article_id, enrichment in items:
            values: dict[str, Any] = {"category": enrichment.category, "tags": list(enrichment.tags),
                                      "figures": list(enrichment.figures), "enriched_at": now}
            if enrichment.language:
                values["language"] = enrichment.language
            conn.execute(update(articles).where(articles.c.id == article_id).values(**values))


def entity_by_slug(engine: Engine, slug: str) -> dict[str, Any] | None:
    """The entity behind a tag page (id, key, slug, name, type, aliases, article_count), or None."""
    with engine.connect() as conn:
        row = conn.execute(select(entities).where(entities.c.slug == slug)).first()
        if row is None:
            return None
        count = conn.execute(select(func.count()).select_from(article_entities)
                             .where(article_entities.c.entity_id == row.id)).scalar_one()
    entity = dict(row._mapping)
    entity["aliases"] = list(entity.get("aliases") or [])
    entity["article_count"] = int(count)
    return entity


def article_ids_for_entity(engine: Engine, entity_id: int, limit: int = 50, offset: int = 0) -> list[int]:
    """Ids of the articles mentioning an entity, newest first (by publication time, then id)."""
    query = (
        select(articles.c.id)
        .join(article_entities, article_entities.c.article_id == articles.c.id)
        .where(article_entities.c.entity_id == entity_id)
        .order_by(articles.c.published_at.desc().nulls_last(), articles.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    with engine.connect() as conn:
        return [int(r.id) for r in conn.execute(query)]
