"""The few statements that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def insert_ignore(conn: Connection, table: Table, rows: list[dict[str, Any]], key: str) -> int:
    """Insert rows, skipping those whose unique `key` exists already; returns how many were inserted."""
    if not rows:
        return 0
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(rows).on_conflict_do_nothing(index_elements=[key])
    # rowcount is -1 on psycopg for multi-row inserts; RETURNING counts exactly on both backends.
    return len(conn.execute(stmt.returning(table.c[key])).all())


def upsert(conn: Connection, table: Table, row: dict[str, Any], key: str, update: list[str]) -> None:
    """Insert a row or update the `update` columns of the row with the same unique `key`."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(row)
    stmt = stmt.on_conflict_do_update(index_elements=[key], set_={c: stmt.excluded[c] for c in update})
    conn.execute(stmt)
