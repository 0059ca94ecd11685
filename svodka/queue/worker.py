"""`svodka worker`: one process running the ingest tasks from the PostgreSQL job queue; `svodka run` on PostgreSQL.

Run as many workers as the machines allow; each sends a heartbeat, and the periodic `svodka:sweep_stalled_work`
job (`svodka.queue.sweep`) re-queues the running jobs of workers whose heartbeat stopped (a crash, kill -9, a lost
machine), so nothing is lost. A worker ingests the pages of its running jobs in batches (`svodka.queue.batching`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from sqlalchemy import Engine

from svodka.queue.app import build_app, ensure_queue_schema
from svodka.queue.batching import MAX_BATCH, IngestBatcher
from svodka.queue.tasks import IngestContext, ingest_and_close_items
from svodka.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerOptions:
    # Jobs run at once in one process: their fetches overlap, and their pages are ingested in batches of up to this
    # many (`IngestBatcher`: a quarter less CPU per article than one by one); a batch fills while the last one runs.
    concurrency: int = 16
    heartbeat_interval: float = 10.0
    # A worker silent this long is taken for dead and its running jobs are queued again.
    stalled_after: float = 30.0
    # Finished jobs are deleted so the jobs table stays small; failed ones stay for inspection.
    delete_succeeded: bool = True


def database_url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def load_models() -> None:
    """Load the enrichment and lemmatisation models of this process (seconds of CPU, once) by enriching a sample."""
    from svodka.enrich.lemmas import lemma
    from svodka.enrich.tagger import Enricher
    from svodka.enrich.types import EnrichInput

    sample = EnrichInput(id="warm-up", title="Токаев посетил Ташкент",
                         text="Инвестиции составят $10 млрд к 2030 году, сообщили в Министерстве энергетики.")
    try:
        with Enricher() as enricher:
            enricher.enrich(sample)
        lemma("Министерстве", proper=True)
    except Exception as error:  # noqa: BLE001 - a broken optional model shows up per article later, not here
        log.warning("models not loaded ahead: %s", error)


async def run_worker_async(settings: Settings, engine: Engine, options: WorkerOptions | None = None) -> None:
    """Run ingest jobs until cancelled (SIGINT/SIGTERM stop it gracefully: running jobs finish first)."""
    from svodka.crawl import Crawler
    from svodka.fetch.client import Fetcher
    from svodka.pipeline import Pipeline

    options = options or WorkerOptions()
    await asyncio.to_thread(ensure_queue_schema, engine)
    # Before taking jobs: the first batch would otherwise wait seconds for the models, holding its jobs meanwhile.
    await asyncio.to_thread(load_models)
    app = build_app(database_url_of(engine))
    async with Fetcher(settings) as fetcher, app.open_async():
        pipeline = Pipeline(engine, settings)
        # Articles a killed process left half-ingested (older than any other worker's in-flight batch).
        resumed = await asyncio.to_thread(pipeline.resume_incomplete, older_than=timedelta(minutes=2))
        if resumed:
            log.info("finished %d half-ingested articles", resumed)
        batcher = IngestBatcher(partial(ingest_and_close_items, engine, pipeline),
                                max_batch=min(options.concurrency, MAX_BATCH))
        ingest = IngestContext(engine, settings, Crawler(engine, settings, pipeline, fetcher), pipeline, batcher,
                               stalled_after=options.stalled_after)
        try:
            await app.run_worker_async(
                concurrency=options.concurrency,
                additional_context={"ingest": ingest},
                update_heartbeat_interval=options.heartbeat_interval,
                stalled_worker_timeout=options.stalled_after,
                delete_jobs="successful" if options.delete_succeeded else "never",
                install_signal_handlers=False,
            )
        finally:
            await batcher.close()
            pipeline.close()


async def _until_signalled(main: asyncio.Task, on_stop: list) -> None:  # type: ignore[type-arg]
    """Await `main` with SIGINT/SIGTERM calling the `on_stop` callbacks (which end it gracefully)."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, lambda: [stop() for stop in on_stop])
    with contextlib.suppress(asyncio.CancelledError):
        await main
    log.info("stopped")


def run_worker(settings: Settings, engine: Engine, options: WorkerOptions | None = None) -> None:
    """`svodka worker`: run until SIGINT/SIGTERM."""
    async def main() -> None:
        worker = asyncio.create_task(run_worker_async(settings, engine, options))
        # Cancelling procrastinate's worker stops it gracefully: running jobs finish first.
        await _until_signalled(worker, [worker.cancel])

    asyncio.run(main())


async def _site_and_worker(settings: Settings, engine: Engine, options: WorkerOptions | None) -> None:
    import uvicorn

    from svodka.web.app import create_app

    config = uvicorn.Config(create_app(settings, engine), host=settings.host, port=settings.port,
                            log_level="warning", proxy_headers=False)
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    log.info("serving on http://%s:%d and running a queue worker", settings.host, settings.port)
    serve = asyncio.create_task(server.serve())
    worker = asyncio.create_task(run_worker_async(settings, engine, options))

    def stop() -> None:
        server.should_exit = True
        worker.cancel()

    async def both() -> None:
        # When either ends (a signal, or the worker loses its database), the other is stopped too.
        done, _ = await asyncio.wait({serve, worker}, return_when=asyncio.FIRST_COMPLETED)
        stop()
        await asyncio.gather(serve, worker, return_exceptions=True)
        for task in done:
            if not task.cancelled() and task.exception():
                raise task.exception()  # type: ignore[misc]

    await _until_signalled(asyncio.create_task(both()), [stop])


def run_site_and_worker(settings: Settings, engine: Engine, options: WorkerOptions | None = None) -> None:
    """`svodka run` on PostgreSQL: the site and one queue worker in this process, until SIGINT/SIGTERM."""
    asyncio.run(_site_and_worker(settings, engine, options))
