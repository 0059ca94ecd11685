"""Queue depth and lag for `/metrics` and `svodka queue stats`: the ingest items and, on PostgreSQL, the jobs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text

from svodka.store.articles import queue_counts

# How long (s) since its last heartbeat a worker still counts as alive.
ALIVE_WITHIN = 60

_JOB_COUNTS = text("SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY status")
_WAITING_BY_TASK = text("SELECT task_name, count(*) FROM procrastinate_jobs WHERE status = 'todo' GROUP BY task_name")
# Lag: how long the oldest job that could run now has been waiting (since it was deferred or became due).
_LAG = text("""
    SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(COALESCE(j.scheduled_at, e.at))), 0)
      FROM procrastinate_jobs j
      LEFT JOIN procrastinate_events e ON e.job_id = j.id AND e.type = 'deferred'
     WHERE j.status = 'todo' AND (j.scheduled_at IS NULL OR j.scheduled_at <= now())
""")
_WORKERS = text("SELECT count(*) FROM procrastinate_workers "
                "WHERE last_heartbeat > now() - make_interval(secs => :alive)")


def queue_stats(engine: Engine) -> dict[str, Any]:
    """{"backend", "items": {state: n}, and on PostgreSQL "jobs": {status: n}, "waiting_by_task": {task: n},
    "lag_seconds": float, "workers_alive": int}. Job keys are absent on SQLite or before `svodka queue init`."""
    stats: dict[str, Any] = {"backend": engine.dialect.name, "items": queue_counts(engine)}
    if engine.dialect.name != "postgresql":
        return stats
    with engine.connect() as conn:
        if not conn.execute(text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")).scalar_one():
            return stats
        stats["jobs"] = {status: count for status, count in conn.execute(_JOB_COUNTS)}
        stats["waiting_by_task"] = {task: count for task, count in conn.execute(_WAITING_BY_TASK)}
        stats["lag_seconds"] = float(conn.execute(_LAG).scalar_one())
        stats["workers_alive"] = conn.execute(_WORKERS, {"alive": ALIVE_WITHIN}).scalar_one()
    return stats
