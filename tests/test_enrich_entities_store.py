"""Persisting enrichment into a real SQLite database: entity upserts, alias merging, article links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, insert, select

from svodka.enrich.types import Enrichment, EntityTag, Mention
from svodka.store.db import make_engine, upgrade
from svodka.store.entities import article_ids_for_entity, entity_by_slug, save_enrichment, save_enrichments
from svodka.store.schema import article_entities, articles, entities


def _engine(database_url: str) -> Engine:
    engine = make_engine(database_url)
    upgrade(engine)
    return engine


def _article(engine: Engine, number: int) -> int:
    now = datetime(2026, 1, number)
    with engine.begin() as conn:
        result = conn.execute(insert(articles).values(
            url=f"https://example.kz/news/{number}", canonical_url=f"https://example.kz/news/{number}",
            title=f"Новость {number}", text="Текст", fetched_at=now, updated_at=now, published_at=now))
        return int(result.inserted_primary_key[0])


def _tokayev(salience: float, aliases: list[str]) -> EntityTag:
    return EntityTag("Касым-Жомарт Токаев", "PER", "PER:касым-жомарт токаев", "kasym-zhomart-tokaev", salience,
                     [Mention("Токаев", 0, 6, "title")], aliases=aliases, topic="Президенты")


def test_save_enrichment_upserts_entities_and_links(database_url: str) -> None:
    engine = _engine(database_url)
    first, second = _article(engine, 1), _article(engine, 2)
    save_enrichment(engine, first, Enrichment(
        id=first, language="ru", category="society",
        entities=[_tokayev(1.0, ["Токаев"]),
                  EntityTag("Ош", "LOC", "LOC:ош", "osh", 0.5, [Mention("Оше", 3, 6, "text")])],
        tags=["Касым-Жомарт Токаев", "Президенты", "Общество"],
        figures=[{"kind": "money", "text": "$10 млрд", "value": 1e10, "unit": "USD", "sentence": "…"}]))
    save_enrichment(engine, second, Enrichment(
        id=second, language="ru", category="economy",
        entities=[_tokayev(0.7, ["К.-Ж. Токаев"]),
                  # A person whose slug collides with the city's must get a page of its own.
                  EntityTag("Ош", "PER", "PER:ош", "osh", 0.2, [Mention("Ош", 0, 2, "text")])],
        tags=["Касым-Жомарт Токаев", "Экономика"]))

    tokayev = entity_by_slug(engine, "kasym-zhomart-tokaev")
    assert tokayev is not None
    assert tokayev["name"] == "Касым-Жомарт Токаев" and tokayev["type"] == "PER"
    assert tokayev["aliases"] == ["Токаев", "К.-Ж. Токаев"]
    assert tokayev["article_count"] == 2
    assert article_ids_for_entity(engine, tokayev["id"]) == [second, first]
    assert entity_by_slug(engine, "osh")["type"] == "LOC"  # type: ignore[index]
    assert entity_by_slug(engine, "osh-per")["key"] == "PER:ош"  # type: ignore[index]
    assert entity_by_slug(engine, "no-such-entity") is None

    with engine.connect() as conn:
        row = conn.execute(select(articles).where(articles.c.id == first)).one()
        assert row.category == "society" and row.language == "ru"
        assert row.tags == ["Касым-Жомарт Токаев", "Президенты", "Общество"]
        assert row.figures[0]["unit"] == "USD"
        assert row.enriched_at is not None
        links = conn.execute(select(article_entities).where(article_entities.c.article_id == first)).all()
        assert {(link.salience, link.is_tag) for link in links} == {(1.0, True), (0.5, False)}
        assert conn.execute(select(entities.c.key)).scalars().all().count("PER:касым-жомарт токаев") == 1


def test_re_enrichment_replaces_the_article_links(database_url: str) -> None:
    engine = _engine(database_url)
    article = _article(engine, 3)
    save_enrichment(engine, article, Enrichment(id=article, language="ru", entities=[_tokayev(1.0, [])],
                                                tags=["Касым-Жомарт Токаев"]))
    save_enrichment(engine, article, Enrichment(id=article, language="ru", entities=[], tags=[]))
    with engine.connect() as conn:
        assert conn.execute(select(article_entities)).all() == []
        assert conn.execute(select(articles.c.tags)).scalar_one() == []
    # The entity itself stays: other articles may still point at it.
    assert entity_by_slug(engine, "kasym-zhomart-tokaev")["article_count"] == 0  # type: ignore[index]


def test_a_batch_saves_like_one_article_at_a_time(backend_url: str) -> None:
    """`save_enrichments` (a worker's batch): shared entities stored once, with every article's new forms."""
    engine = _engine(backend_url)
    first, second, third = _article(engine, 4), _article(engine, 5), _article(engine, 6)
    save_enrichment(engine, first, Enrichment(id=first, language="ru", entities=[_tokayev(1.0, ["Токаев"])],
                                              tags=["Касым-Жомарт Токаев"]))
    save_enrichments(engine, [
        (second, Enrichment(id=second, language="ru", category="society",
                            entities=[_tokayev(0.9, ["Токаев", "Тоқаев"]),
                                      EntityTag("Астана", "LOC", "LOC:астана", "astana", 0.4,
                                                [Mention("Астане", 0, 6, "text")])],
                            tags=["Касым-Жомарт Токаев"])),
        (third, Enrichment(id=third, language="kk", entities=[_tokayev(0.5, ["Tokayev"])], tags=[])),
    ])
    tokayev = entity_by_slug(engine, "kasym-zhomart-tokaev")
    assert tokayev is not None and tokayev["article_count"] == 3
    assert tokayev["aliases"] == ["Токаев", "Тоқаев", "Tokayev"]
    with engine.connect() as conn:
        links = {(link.article_id, link.is_tag) for link in conn.execute(
            select(article_entities).join(entities, entities.c.id == article_entities.c.entity_id)
            .where(entities.c.key == "PER:касым-жомарт токаев"))}
        assert links == {(first, True), (second, True), (third, False)}
        languages = dict(conn.execute(select(articles.c.id, articles.c.language)).all())
        assert languages[second] == "ru" and languages[third] == "kk"
        assert entity_by_slug(engine, "astana") is not None
