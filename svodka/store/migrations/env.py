"""Alembic environment: runs on the connection svodka hands over (see svodka.store.db.upgrade)."""

from __future__ import annotations

from alembic import context

from svodka.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `svodka db upgrade`")
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
