"""The sweep for work a crash left behind, run by the periodic task `svodka:sweep_stalled_work`.

Two kinds of leftovers:
- stalled jobs: a worker died (kill -9, OOM, a lost machine) while running them, so they stay "doing" and keep
  their locks. procrastinate finds them by the dead worker's stale heartbeat (`JobManager.get_stalled_jobs`) and
  `retry_job` puts them back in the queue;
- stranded items: queue items still waiting for a fetch with no job at all (a poll died between recording new items
  and queueing their page jobs). They get a page job again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import procrastinate
from procrastinate.exceptions import UniqueViolation
from procrastinate.jobs import Status
from sqlalchemy import Engine, text

log = logging.getLogger(__name__)

# Items waiting without a job for longer than this are stranded (a poll records items and queues their jobs within
# seconds, so younger ones may still get theirs).
STRANDED_AFTER = timedelta(minutes=2)

# Waiting items with no job waiting, running or failed (a failed job is kept for inspection: not retried forever).
_STRANDED = text("""
    SELECT i.id FROM feed_items i
     WHERE i.state IN ('new', 'retry') AND COALESCE(i.fetched_at, i.discovered_at) < :before
       AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs j
                        WHERE j.lock = 'item-' || i.id AND j.status IN ('todo', 'doing', 'failed'))
     ORDER BY i.id LIMIT :limit
""")


async def retry_stalled_jobs(app: procrastinate.App, stalled_after: float) -> int:
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


def stranded_item_ids(engine: Engine, now: datetime, older_than: timedelta = STRANDED_AFTER,
                      limit: int = 1000) -> list[int]:
    """Ids of queue items waiting since before `now - older_than` with no page job (PostgreSQL only)."""
    with engine.connect() as conn:
        return list(conn.execute(_STRANDED, {"before": now - older_than, "limit": limit}).scalars())
