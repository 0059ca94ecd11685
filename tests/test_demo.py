"""The demo path: a local replay of news sites crawled through the real fetch → extract → pipeline path."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from svodka.demo.replay import ReplayServer, load_corpus
from svodka.demo.run import run_demo
from svodka.settings import Settings
from svodka.store import articles as store_articles
from svodka.store import sources as store_sources


def test_demo_crawls_the_replay_into_the_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = dataclasses.replace(Settings(), database_url=f"sqlite:///{tmp_path / 'demo.db'}")
    engine = run_demo(settings, limit=24, serve=False, port=0)
    stored = list(store_articles.iter_articles(engine))
    assert len(stored) == 24
    sources = store_sources.list_sources(engine)
    assert len(sources) == 4 and all(s.last_status == 200 and s.error_count == 0 for s in sources)
    assert all(a["authors"] and a["credits"] and a["published"] for a in stored)
    assert all("Читайте также" not in a["text"] and "Поделиться" not in a["text"] for a in stored)
    # Rewrites credit their original outlet, as the replayed pages say.
    assert any(a["source"] and a["source"]["name"] in {"prosud.kz", "ТАСС", "Интерфакс", "kun.uz"} for a in stored)


def test_replay_serves_feeds_and_pages_offline():
    import httpx

    corpus = load_corpus(datetime.now(UTC), limit=8)
    with ReplayServer(corpus) as server:
        name, feed_url, site_url, zone = server.feeds()[0]
        feed = httpx.get(feed_url)
        assert feed.status_code == 200 and "<rss" in feed.text
        article = next(iter(corpus.articles.values()))
        page = httpx.get(f"{server.base_url}/{article.site}/{article.slug}.html")
        assert page.status_code == 200 and "Фото:" in page.text and 'lang="ru"' in page.text
        assert httpx.get(f"{server.base_url}/nope").status_code == 404
