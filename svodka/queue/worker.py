"""`svodka worker`: one process running the ingest tasks from the PostgreSQL job queue; `svodka run` on PostgreSQL.

Run as many workers as the machines allow; each sends a heartbeat, and every worker re-queues the running jobs of
workers whose heartbeat stopped (a crash, kill -9, a lost machine), so nothing is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass

import procrastinate
from procrastinate.exceptions import UniqueViolation
from procrastinate.jobs import Status
from sqlalchemy import Engine

from svodka.queue.app import build_app, ensure_queue_schema
from svodka.queue.tasks import IngestContext
from svodka.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerOptions:
    # Jobs run at once in one process: page fetches overlap their network waits; ingest runs in threads.
    concurrency: int = 4
    heartbeat_interval: float = 10.0
    # A worker silent this long is taken for dead and its running jobs are queued again.
    stalled_after: float = 30.0
    # Finished jobs are deleted so the jobs table stays small; failed ones stay for inspection.
    delete_succeeded: bool = True


def database_url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


async def recover_stalled_jobs(app: procrastinate.App, stalled_after: float) -> int:
    """Queue again the jobs left "doing" by workers whose heartbeat is older than `stalled_after` s.

    A stalled job whose work was queued again meanwhile (same queueing lock, e.g. a poll re-deferred its pages) is
    dropped instead: retrying it would clash with the waiting twin, and leaving it "doing" would hold its lock forever.
    Returns how many jobs were re-queued or dropped.
    """
    recovered = 0
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after):
        try:
            try:
                await app.job_manager.retry_job(job)
                log.warning("re-queued job %s (%s) of a stalled worker", job.id, job.task_name)
            except UniqueViolation:
                await app.job_manager.finish_job_by_id_async(job.id, status=Status.ABORTED, delete_job=True)
                log.warning("dropped job %s (%s) of a stalled worker: the same work is queued again", job.id,
                            job.task_name)
        except Exception as error:  # noqa: BLE001 - another worker handled it first: nothing to do
            log.debug("stalled job %s not recovered: %s", job.id, error)
            continue
        recovered += 1
    return recovered


async def _recover_forever(app: procrastinate.App, stalled_after: float) -> None:
    while True:
        try:
            await recover_stalled_jobs(app, stalled_after)
        except Exception:  # noqa: BLE001 - a database hiccup must not stop the worker; try again next round
            log.exception("stalled-job recovery failed")
        await asyncio.sleep(max(stalled_after / 2, 0.5))


async def run_worker_async(settings: Settings, engine: Engine, options: WorkerOptions | None = None) -> None:
    """Run ingest jobs until cancelled (SIGINT/SIGTERM stop it gracefully: running jobs finish first)."""
    from svodka.crawl import Crawler
    from svodka.fetch.client import Fetcher
    from svodka.pipeline import Pipeline

    options = options or WorkerOptions()
    await asyncio.to_thread(ensure_queue_schema, engine)
    app = build_app(database_url_of(engine))
    async with Fetcher(settings) as fetcher, app.open_async():
        pipeline = Pipeline(engine, settings)
        ingest = IngestContext(engine, settings, Crawler(engine, settings, pipeline, fetcher), pipeline)
        recovery = asyncio.create_task(_recover_forever(app, options.stalled_after))
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
            recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await recovery


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
