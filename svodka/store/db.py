"""Engine creation and migrations. The dialect-specific bits of svodka live here and in `dialect.py`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


# How long an SQLite writer waits for another one's lock before failing with "database is locked".
BUSY_TIMEOUT = 30.0


def _sqlite_pragmas(busy_timeout: float) -> Callable[..., None]:
    def apply(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        # WAL lets the web server read while the crawler writes; busy_timeout rides out short write locks.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    return apply


def make_engine(database_url: str, *, busy_timeout: float = BUSY_TIMEOUT) -> Engine:
    """Create an engine; for SQLite, create the file's folder, switch on WAL and wait `busy_timeout` seconds for
    another writer's lock."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # As many connections as the web server's thread pool (40) has threads: readers wait on SQLite, not the pool.
        pool = {"pool_size": 40, "max_overflow": 24} if url.database and url.database != ":memory:" else {}
        engine = create_engine(url, connect_args={"timeout": busy_timeout, "check_same_thread": False}, **pool)
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout))
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def describe_store_error(error: BaseException) -> str:
    """What went wrong with the database, in words an operator acts on: full disk, a lock held too long, or the
    driver's own message."""
    message = str(getattr(error, "orig", None) or error).strip()
    lowered = message.lower()
    if "full" in lowered or "no space" in lowered:
        return f"the database or its disk is full ({message}): free space, nothing was lost"
    if "locked" in lowered or "busy" in lowered or "lock timeout" in lowered:
        return f"the database is locked by another writer for longer than the busy timeout ({message})"
    return message


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(_alembic_config()).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Apply migrations up to `revision` (idempotent)."""
    config = _alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def ensure_schema(engine: Engine) -> None:
    """Upgrade the database when it is behind the code; a no-op when it is current."""
    if current_revisions(engine) != head_revisions():
        log.info("applying database migrations")
        upgrade(engine)


def open_database(database_url: str) -> Engine:
    """An engine on an up-to-date schema: migrations run implicitly on first use (on PostgreSQL, the job queue's
    schema too, so `svodka worker` and `svodka run` find it)."""
    engine = make_engine(database_url)
    ensure_schema(engine)
    if engine.dialect.name == "postgresql":
        from svodka.queue.app import ensure_queue_schema

        ensure_queue_schema(engine)
    return engine
