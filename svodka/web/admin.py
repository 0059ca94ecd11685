"""Admin actions (add/remove a source, trigger a crawl), behind `Authorization: Bearer <admin_token>`.

With no token configured the whole section answers 404, as if it did not exist.
"""

from __future__ import annotations

import hmac
import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from svodka.store.schema import sources

router = APIRouter(prefix="/admin", tags=["admin"])


def require_admin(request: Request) -> None:
    """Let the request through only with the right bearer token (constant-time comparison)."""
    token = request.app.state.settings.admin_token
    if not token:
        raise HTTPException(404)
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise HTTPException(401, "Нужен токен администратора", headers={"WWW-Authenticate": "Bearer"})


Admin = Annotated[None, Depends(require_admin)]


class NewSource(BaseModel):
    feed_url: str = Field(pattern=r"^https?://", max_length=2000)
    name: str = Field(min_length=1, max_length=500)
    slug: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9._-]{0,199}$")
    site_url: str | None = Field(default=None, pattern=r"^https?://", max_length=2000)
    kind: str = Field(default="rss", pattern=r"^(rss|atom|sitemap|html)$")
    timezone: str | None = None
    category: str | None = None


def _slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:200] or "source"


@router.post("/sources", status_code=201, summary="Добавить источник")
def add_source(request: Request, body: NewSource, _: Admin) -> dict[str, object]:
    row = body.model_dump()
    row["slug"] = body.slug or _slugify(body.name)
    row.update(active=True, poll_interval=3600, error_count=0, consecutive_errors=0,
               created_at=datetime.now(UTC).replace(tzinfo=None))
    try:
        with request.app.state.engine.begin() as conn:
            new_id = conn.execute(sources.insert().values(**row)).inserted_primary_key[0]
    except IntegrityError:
        raise HTTPException(409, "Источник с таким адресом ленты или slug уже есть") from None
    return {"id": new_id, "slug": row["slug"]}


@router.delete("/sources/{slug}", summary="Удалить источник")
def remove_source(request: Request, slug: str, _: Admin) -> dict[str, object]:
    with request.app.state.engine.begin() as conn:
        removed = conn.execute(delete(sources).where(sources.c.slug == slug)).rowcount
    if not removed:
        raise HTTPException(404)
    return {"removed": slug}


@router.post("/crawl", summary="Запустить обход")
def trigger_crawl(request: Request, _: Admin, slug: str | None = None) -> dict[str, object]:
    """Make sources due now; the crawler's scheduler picks them up on its next tick."""
    stmt = update(sources).where(sources.c.active.is_(True)).values(next_poll_at=datetime.now(UTC).replace(tzinfo=None))
    with request.app.state.engine.begin() as conn:
        if slug is not None:
            if conn.execute(select(sources.c.id).where(sources.c.slug == slug)).first() is None:
                raise HTTPException(404)
            stmt = stmt.where(sources.c.slug == slug)
        due = conn.execute(stmt).rowcount
    return {"due": due}
