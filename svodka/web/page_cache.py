"""A page cache that is never stale: rendered 200 responses are reused only while the database is unchanged.

SQLite's `PRAGMA data_version`, read on a connection of our own that never writes, changes whenever any other
connection or process commits. Every entry remembers the version it was rendered at, so one commit anywhere
(a crawled article, an admin edit) retires every entry at once. Entries also expire after `ttl` seconds, because
relative dates ("Сегодня, 11:45") age. Other databases get no cache (no equally cheap change counter).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import Engine

# Paths whose answers must always be fresh or are cheap anyway.
UNCACHED_PREFIXES = ("/admin", "/metrics", "/healthz", "/ping", "/static", "/docs", "/openapi.json")


@dataclass
class CachedPage:
    version: int
    stored_at: float
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes | None


class PageCache:
    """An LRU of rendered pages keyed by (path, query string, Accept, Host), valid for one data version."""

    def __init__(self, engine: Engine, max_entries: int = 1000, ttl: float = 60.0,
                 max_body: int = 512 * 1024) -> None:
        self.max_entries = max_entries
        self.ttl = ttl
        self.max_body = max_body
        self.entries: OrderedDict[tuple[str, bytes, bytes, bytes], CachedPage] = OrderedDict()
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        database = engine.url.database
        if engine.dialect.name == "sqlite" and database and database != ":memory:":
            self._conn = sqlite3.connect(database, check_same_thread=False, isolation_level=None)

    @property
    def enabled(self) -> bool:
        return self._conn is not None and self.max_entries > 0

    def version(self) -> int | None:
        """The database's change counter as this process sees it; None when unavailable."""
        if self._conn is None:
            return None
        try:
            with self._lock:
                return int(self._conn.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            return None

    def get(self, key: tuple[str, bytes, bytes, bytes], version: int) -> CachedPage | None:
        entry = self.entries.get(key)
        if entry is None:
            return None
        if entry.version != version or time.monotonic() - entry.stored_at > self.ttl:
            self.entries.pop(key, None)
            return None
        self.entries.move_to_end(key)
        return entry

    def put(self, key: tuple[str, bytes, bytes, bytes], version: int, status: int, headers: list[tuple[bytes, bytes]],
            body: bytes) -> None:
        if len(body) > self.max_body:
            return
        etag = next((v for k, v in headers if k.lower() == b"etag"), None)
        self.entries[key] = CachedPage(version=version, stored_at=time.monotonic(), status=status,
                                       headers=headers, body=body, etag=etag)
        self.entries.move_to_end(key)
        while len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def cacheable(method: str, path: str, headers: dict[bytes, bytes]) -> bool:
    """Plain GETs of public pages; requests with credentials or date-conditional ones go to the app."""
    if method != "GET" or path.startswith(UNCACHED_PREFIXES):
        return False
    return b"authorization" not in headers and b"if-modified-since" not in headers
