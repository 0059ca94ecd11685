"""Scale-out on PostgreSQL: the ingest stages as procrastinate tasks run by `svodka worker` processes.

`app.build_app(url)` builds the queue, `tasks` holds the tasks, `worker` runs them, `batching` ingests the pages of a
worker's running jobs together, `sweep` recovers what dead workers left, `stats.queue_stats(engine)` reports queue
depth and lag for `/metrics`.
"""

from svodka.queue.stats import queue_stats

__all__ = ["queue_stats"]
