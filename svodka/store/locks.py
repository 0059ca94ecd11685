"""Locks that serialise work across worker processes: story assignment must see every earlier assignment, and
two refreshes of one story's summary must not interleave.

On PostgreSQL a transaction-scoped advisory lock (released at commit, rollback, or when a killed worker's connection
drops, so a crash never leaves it held); on SQLite, which runs in one process, a process-local lock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, select, text

from svodka.store.schema import stories

# Advisory lock keys are one 64-bit number per purpose, shared by every process on the database.
STORY_ASSIGNMENT_KEY = 7_460_215_002

_local_lock = threading.Lock()
# SQLite runs in one process: its story refreshes take turns on this lock instead of on row locks.
_refresh_lock = threading.Lock()
_held = threading.local()


@contextmanager
def story_assignment_lock(engine: Engine) -> Iterator[None]:
    """Hold the story-assignment lock for the block; blocks until no other thread or process holds it.

    Re-entrant within one thread (a nested block is a no-op), so a caller already holding it cannot deadlock itself.
    """
    if getattr(_held, "depth", 0):
        _held.depth += 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": STORY_ASSIGNMENT_KEY})
            _held.depth = 1
            try:
                yield
            finally:
                _held.depth = 0
    else:
        with _local_lock:
            _held.depth = 1
            try:
                yield
            finally:
                _held.depth = 0


@contextmanager
def story_row_lock(engine: Engine, story_id: int) -> Iterator[Connection]:
    """A transaction holding the lock of one story's row (PostgreSQL `FOR UPDATE`; on SQLite a process-local lock).

    Another transaction asking for the same story waits until this one commits, then reads what it wrote. A story
    without a row (folded into another) locks nothing.
    """
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(select(stories.c.id).where(stories.c.id == story_id).with_for_update())
            yield conn
    else:
        with _refresh_lock, engine.begin() as conn:
            yield conn
