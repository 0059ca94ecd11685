"""The sources registry: feeds to poll and their politeness state."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, func, or_, select, update

from svodka.feeds.slugs import slugify
from svodka.models import Source
from svodka.store.schema import sources

_SOURCE_FIELDS = {f.name for f in fields(Source)}


def _to_source(row: Any) -> Source:
    return Source(**{k: v for k, v in row._mapping.items() if k in _SOURCE_FIELDS})


def _slug_for(conn: Any, site_or_feed_url: str, name: str | None) -> str:
    """A unique slug from the outlet's name when given (replays share one host), else from its host."""
    host = (urlsplit(site_or_feed_url).hostname or "source").lower().removeprefix("www.")
    base = slugify(name or "") or slugify(host) or "source"
    slug, n = base, 1
    while conn.execute(select(sources.c.id).where(sources.c.slug == slug)).first():
        n += 1
        slug = f"{base}-{n}"
    return slug


def add_source(
    engine: Engine,
    feed_url: str,
    *,
    name: str | None = None,
    site_url: str | None = None,
    kind: str = "rss",
    timezone: str | None = None,
    category: str | None = None,
    now: datetime,
) -> tuple[Source, bool]:
    """Register a feed; returns the source and whether it was new (an existing feed URL is left as it is)."""
    with engine.begin() as conn:
        row = conn.execute(select(sources).where(sources.c.feed_url == feed_url)).first()
        if row:
            return _to_source(row), False
        host = urlsplit(site_url or feed_url).hostname or feed_url
        values = {
            "slug": _slug_for(conn, site_url or feed_url, name),
            "name": name or host.removeprefix("www."),
            "site_url": site_url,
            "feed_url": feed_url,
            "kind": kind,
            "timezone": timezone,
            "category": category,
            "active": True,
            "poll_interval": 3600,
            "next_poll_at": now,
            "error_count": 0,
            "consecutive_errors": 0,
            "created_at": now,
        }
        source_id = conn.execute(sources.insert().values(**values)).inserted_primary_key[0]
        row = conn.execute(select(sources).where(sources.c.id == source_id)).one()
        return _to_source(row), True


def list_sources(engine: Engine, *, active_only: bool = False) -> list[Source]:
    query = select(sources).order_by(sources.c.name, sources.c.id)
    if active_only:
        query = query.where(sources.c.active.is_(True))
    with engine.connect() as conn:
        return [_to_source(r) for r in conn.execute(query)]


def get_source(engine: Engine, source_id: int) -> Source | None:
    with engine.connect() as conn:
        row = conn.execute(select(sources).where(sources.c.id == source_id)).first()
    return _to_source(row) if row else None


def remove_source(engine: Engine, source_id: int) -> bool:
    """Deactivate a source (its articles stay)."""
    with engine.begin() as conn:
        done = conn.execute(update(sources).where(sources.c.id == source_id).values(active=False)).rowcount
    return bool(done)


def due_sources(engine: Engine, now: datetime) -> list[Source]:
    """Active sources whose next poll time has come, the most overdue first."""
    query = (
        select(sources)
        .where(sources.c.active.is_(True))
        .where(or_(sources.c.next_poll_at.is_(None), sources.c.next_poll_at <= now))
        .order_by(func.coalesce(sources.c.next_poll_at, now))
    )
    with engine.connect() as conn:
        return [_to_source(r) for r in conn.execute(query)]


def next_due_time(engine: Engine) -> datetime | None:
    with engine.connect() as conn:
        return conn.execute(
            select(func.min(sources.c.next_poll_at)).where(sources.c.active.is_(True))
        ).scalar_one_or_none()


def record_poll_success(
    engine: Engine,
    source_id: int,
    *,
    now: datetime,
    status: int,
    etag: str | None,
    last_modified: str | None,
    interval: int,
    next_poll_at: datetime,
) -> None:
    """A poll answered (200 or 304): store the validators verbatim and reset the error streak."""
    values: dict[str, Any] = {
        "last_polled_at": now,
        "last_success_at": now,
        "last_status": status,
        "last_error": None,
        "consecutive_errors": 0,
        "poll_interval": interval,
        "next_poll_at": next_poll_at,
    }
    if status != 304:
        values.update(etag=etag, last_modified=last_modified)
    with engine.begin() as conn:
        conn.execute(update(sources).where(sources.c.id == source_id).values(**values))


def record_poll_failure(
    engine: Engine, source_id: int, *, now: datetime, error: str, status: int | None, next_poll_at: datetime
) -> None:
    """A poll failed: count it and push the next poll back (the caller computes the backoff)."""
    with engine.begin() as conn:
        conn.execute(
            update(sources)
            .where(sources.c.id == source_id)
            .values(
                last_polled_at=now,
                last_status=status,
                last_error=error[:2000],
                error_count=sources.c.error_count + 1,
                consecutive_errors=sources.c.consecutive_errors + 1,
                next_poll_at=next_poll_at,
            )
        )


def reset_schedule(engine: Engine, now: datetime) -> None:
    """Make every active source due now (used by `crawl --once`)."""
    with engine.begin() as conn:
        conn.execute(update(sources).where(sources.c.active.is_(True)).values(next_poll_at=now))
