"""The procrastinate App on the same PostgreSQL database as the articles, and its schema.

The queue needs no server of its own: jobs, locks and heartbeats live in `procrastinate_*` tables beside ours.
"""

from __future__ import annotations

import logging

import procrastinate
from procrastinate.schema import SchemaManager
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

# Key of the advisory lock taken while the queue schema is applied, so two processes starting at once do not race.
_SCHEMA_LOCK_KEY = 7_460_215_001


class QueueUnavailable(RuntimeError):
    """The job queue needs PostgreSQL; raised for any other database."""


def is_postgres_url(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "postgresql"


def conninfo_from_url(database_url: str) -> str:
    """A libpq connection URI from a SQLAlchemy URL (`postgresql+psycopg://u:p@h:5432/db` → `postgresql://…`)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise QueueUnavailable(f"the job queue needs PostgreSQL, not {url.get_backend_name()!r} "
                               "(set SVODKA_DATABASE_URL=postgresql+psycopg://…)")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def build_app(database_url: str) -> procrastinate.App:
    """The App with svodka's tasks registered (namespace `svodka`); open it with `app.open_async()` before use."""
    from svodka.queue.tasks import NAMESPACE, build_blueprint

    connector = procrastinate.PsycopgConnector(conninfo=conninfo_from_url(database_url))
    app = procrastinate.App(connector=connector)
    app.add_tasks_from(build_blueprint(), namespace=NAMESPACE)
    return app


def has_queue_schema(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")).scalar_one()


def ensure_queue_schema(engine: Engine) -> bool:
    """Apply procrastinate's schema once on PostgreSQL (idempotent); a no-op on SQLite. Returns True if applied."""
    if engine.dialect.name != "postgresql":
        return False
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK_KEY})
        if conn.execute(text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")).scalar_one():
            return False
        log.info("applying the job queue schema (procrastinate %s)", procrastinate.__version__)
        # The schema is many statements; the raw psycopg cursor runs them in one call within our transaction.
        conn.connection.driver_connection.execute(SchemaManager.get_schema())
    return True
