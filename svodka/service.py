"""Long-running processes: the site alone (`svodka serve`), or the site and the ingest together (`svodka run`):
on SQLite the crawler in this process, on PostgreSQL a job-queue worker (`svodka.queue.worker`)."""

from __future__ import annotations

import asyncio
import logging
import signal

import uvicorn
from sqlalchemy import Engine

from svodka.settings import Settings

log = logging.getLogger(__name__)


def _server(settings: Settings, engine: Engine) -> uvicorn.Server:
    from svodka.web.app import create_app

    config = uvicorn.Config(create_app(settings, engine), host=settings.host, port=settings.port,
                            log_level="warning", proxy_headers=False)
    return uvicorn.Server(config)


def serve_site(settings: Settings, engine: Engine) -> None:
    """Serve the site until interrupted."""
    _server(settings, engine).run()


async def _site_and_crawler(settings: Settings, engine: Engine) -> None:
    from svodka.crawl import Crawler
    from svodka.fetch.client import Fetcher
    from svodka.pipeline import Pipeline

    server = _server(settings, engine)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Graceful shutdown: the crawler finishes its current chunk, the server drains its requests.
        loop.add_signal_handler(signum, lambda: (stop.set(), setattr(server, "should_exit", True)))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    async with Fetcher(settings) as fetcher:
        crawler = Crawler(engine, settings, Pipeline(engine, settings), fetcher)
        log.info("serving on http://%s:%d and crawling", settings.host, settings.port)
        await asyncio.gather(server.serve(), crawler.crawl_forever(stop))


def run_site_and_crawler(settings: Settings, engine: Engine) -> None:
    """The site and the in-process crawler (the SQLite shape), until SIGINT/SIGTERM."""
    asyncio.run(_site_and_crawler(settings, engine))


def run_site_and_ingest(settings: Settings, engine: Engine) -> None:
    """`svodka run`: the site plus a queue worker on PostgreSQL (more workers may run elsewhere), or the site plus
    the crawler in this process on SQLite; until SIGINT/SIGTERM."""
    if engine.dialect.name == "postgresql":
        from svodka.queue.worker import run_site_and_worker

        run_site_and_worker(settings, engine)
    else:
        run_site_and_crawler(settings, engine)
