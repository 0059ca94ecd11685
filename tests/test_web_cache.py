"""The page cache: repeated requests are served from memory, and any commit (ours or another process's) retires
every cached page at once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update
from web_fixtures import make_site

from svodka.store.db import make_engine
from svodka.store.schema import articles


def _cached_count(client) -> float:  # type: ignore[no-untyped-def]
    for line in client.get("/metrics").text.splitlines():
        if line.startswith('svodka_http_request_duration_seconds_count{method="GET",route="cached"}'):
            return float(line.split()[-1])
    return 0.0


def test_repeated_pages_come_from_the_cache(tmp_path: Path) -> None:
    client, _, _ = make_site(tmp_path)
    first = client.get("/article/1")
    second = client.get("/article/1")
    assert second.content == first.content and second.headers["etag"] == first.headers["etag"]
    assert second.headers["content-security-policy"] == first.headers["content-security-policy"]
    assert _cached_count(client) == 1
    assert client.get("/article/1", headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    # JSON is a different entry, not the HTML from the cache.
    assert client.get("/article/1", headers={"Accept": "application/json"}).json()["page"]["article"]["id"] == 1
    assert client.head("/article/1").content == b""


def test_a_commit_anywhere_retires_cached_pages(tmp_path: Path) -> None:
    client, engine, _ = make_site(tmp_path)
    assert "Токаев провёл переговоры" in client.get("/article/1").text
    with engine.begin() as conn:
        conn.execute(update(articles).where(articles.c.id == 1).values(title="Новый заголовок"))
    assert "Новый заголовок" in client.get("/article/1").text
    # Another engine stands for another process (the crawler) writing to the same file.
    other = make_engine(str(engine.url))
    with other.begin() as conn:
        conn.execute(update(articles).where(articles.c.id == 1).values(title="Ещё новее"))
    other.dispose()
    assert "Ещё новее" in client.get("/article/1").text


def test_private_and_operational_paths_are_not_cached(tmp_path: Path) -> None:
    client, _, _ = make_site(tmp_path, admin_token="t")
    for _ in range(2):
        client.get("/healthz")
        client.get("/article/1", headers={"Authorization": "Bearer t"})
        client.get("/article/1", headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert _cached_count(client) == 0
    assert client.get("/no-such-page").status_code == 404
    assert client.get("/no-such-page").status_code == 404
    assert _cached_count(client) == 0  # errors are never cached


def test_cache_can_be_switched_off(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from svodka.settings import Settings
    from svodka.web.app import create_app

    make_site(tmp_path)
    url = f"sqlite:///{tmp_path / 'site.db'}"
    client = TestClient(create_app(Settings(database_url=url), page_cache_entries=0))
    client.get("/")
    client.get("/")
    assert _cached_count(client) == 0


def test_host_header_cannot_poison_the_cache(tmp_path: Path) -> None:
    client, _, _ = make_site(tmp_path)
    poisoned = client.get("/feed.xml", headers={"Host": "evil.example"})
    assert b"http://evil.example/" in poisoned.content
    assert b"evil.example" not in client.get("/feed.xml").content
