"""`svodka demo`: crawl a local replay of news sites through the real pipeline, then serve the site."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, func, select

from svodka.crawl import Crawler, CrawlStats
from svodka.demo.replay import ReplayServer, load_corpus
from svodka.fetch.client import Fetcher
from svodka.pipeline import Pipeline
from svodka.settings import Settings
from svodka.store import schema
from svodka.store import sources as store_sources
from svodka.store.db import open_database

log = logging.getLogger(__name__)
DEMO_DATABASE = Path("var/demo.db")


def demo_settings(settings: Settings, database_url: str) -> Settings:
    """The replay runs on 127.0.0.1, so private addresses are allowed for this run only; no politeness delay."""
    return dataclasses.replace(settings, database_url=database_url, allow_private_networks=True,
                               per_host_delay=0.0, per_host_concurrency=4)


async def crawl_replay(engine: Engine, settings: Settings, server: ReplayServer) -> CrawlStats:
    now = datetime.now(UTC).replace(tzinfo=None)
    for name, feed_url, site_url, zone in server.feeds():
        store_sources.add_source(engine, feed_url, name=name, site_url=site_url, timezone=zone, now=now)
    async with Fetcher(settings) as fetcher:
        crawler = Crawler(engine, settings, Pipeline(engine, settings), fetcher)
        return await crawler.crawl_once()


def print_summary(engine: Engine, stats: CrawlStats, console: Console) -> None:
    table = Table("outlet", "articles", "stories", "last poll status", title="Stored by the demo crawl")
    with engine.connect() as conn:
        rows = conn.execute(
            select(schema.sources.c.name, func.count(schema.articles.c.id),
                   func.count(func.distinct(schema.articles.c.story_id)), schema.sources.c.last_status)
            .join(schema.articles, schema.articles.c.source_id == schema.sources.c.id, isouter=True)
            .group_by(schema.sources.c.id).order_by(schema.sources.c.name)
        ).all()
        entities = conn.execute(select(func.count()).select_from(schema.entities)).scalar_one()
        stories = conn.execute(select(func.count()).select_from(schema.stories)).scalar_one()
    for name, count, story_count, status in rows:
        table.add_row(name, str(count), str(story_count), str(status))
    console.print(table)
    console.print(f"feeds polled: {stats.feeds_polled}, pages fetched: {stats.pages_fetched}, "
                  f"failed: {stats.pages_failed}, articles stored: {stats.articles_stored}, "
                  f"entities: {entities}, stories: {stories}")


def run_demo(settings: Settings, *, limit: int | None, serve: bool, port: int, fresh: bool = True) -> Engine:
    """Build the demo database from the replay and (optionally) serve the site until interrupted."""
    console = Console(stderr=True)
    database_url = settings.database_url
    if database_url == Settings().database_url:
        database_url = f"sqlite:///{DEMO_DATABASE}"
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{DEMO_DATABASE}{suffix}").unlink(missing_ok=True)
    settings = demo_settings(settings, database_url)
    engine = open_database(database_url)
    corpus = load_corpus(datetime.now(UTC), limit=limit)
    console.print(f"replaying {len(corpus.articles)} articles as 4 local news sites…")
    with ReplayServer(corpus) as server:
        stats = asyncio.run(crawl_replay(engine, settings, server))
    print_summary(engine, stats, console)
    if serve:
        from svodka.service import serve_site

        console.print(f"serving the site on http://{settings.host}:{port} (Ctrl-C to stop)")
        serve_site(dataclasses.replace(settings, port=port), engine)
    return engine
