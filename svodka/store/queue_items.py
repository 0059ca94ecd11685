"""Single-item reads of the ingest queue (`feed_items`) for the job-queue tasks, which work one item at a time."""

from __future__ import annotations

from sqlalchemy import Engine, select

from svodka.models import QueueItem
from svodka.store.schema import feed_items

# Item states still waiting for a fetch; "done" and "failed" are final.
PENDING_STATES = ("new", "retry")


def pending_item_ids(engine: Engine, source_id: int) -> list[int]:
    """Ids of the source's items still to fetch, oldest first."""
    query = (select(feed_items.c.id).where(feed_items.c.source_id == source_id)
             .where(feed_items.c.state.in_(PENDING_STATES)).order_by(feed_items.c.id))
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def get_queue_item(engine: Engine, item_id: int) -> tuple[QueueItem, str] | None:
    """The item and its state, or None when it does not exist (e.g. its source was deleted)."""
    with engine.connect() as conn:
        row = conn.execute(select(feed_items).where(feed_items.c.id == item_id)).first()
    if row is None:
        return None
    item = QueueItem(id=row.id, source_id=row.source_id, url=row.url, title=row.title, published=row.published,
                     categories=list(row.categories or []), attempts=row.attempts)
    return item, row.state
