"""One response path for every page: HTML from a template or JSON from the same data (datasette's way),
with ETag / Last-Modified and 304 answers."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from svodka.store.read import Page

JSON_TYPE = "application/json"


def wants_json(request: Request) -> bool:
    """JSON when asked with `Accept: application/json` (and not HTML first) or `?format=json`."""
    if request.query_params.get("format") == "json":
        return True
    accept = request.headers.get("accept", "")
    if JSON_TYPE not in accept:
        return False
    html_at = accept.find("text/html")
    return html_at < 0 or accept.find(JSON_TYPE) < html_at


def jsonable(value: Any) -> Any:
    """Plain JSON types from dataclasses, datetimes (ISO 8601, UTC) and containers."""
    if isinstance(value, Page):
        return {"items": jsonable(value.items), "page": value.page, "per_page": value.per_page,
                "total": value.total, "pages": value.pages}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value
        return aware.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


def http_date(value: datetime) -> str:
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return format_datetime(aware.replace(microsecond=0), usegmt=True)


def _not_modified(request: Request, etag: str, last_modified: datetime | None) -> bool:
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {t.strip() for t in if_none_match.split(",")}
        return etag in tags or "*" in tags or etag.removeprefix("W/") in tags
    since = request.headers.get("if-modified-since")
    if since and last_modified is not None:
        try:
            since_at = parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        if since_at.tzinfo is None:
            since_at = since_at.replace(tzinfo=UTC)
        mine = last_modified.replace(tzinfo=UTC) if last_modified.tzinfo is None else last_modified
        return mine.replace(microsecond=0) <= since_at
    return False


def conditional(request: Request, body: bytes, media_type: str, last_modified: datetime | None = None,
                status_code: int = 200, max_age: int = 60) -> Response:
    """The response for `body`, or 304 when the client's ETag / date says it has it already."""
    etag = 'W/"' + hashlib.blake2b(body, digest_size=10).hexdigest() + '"'
    headers = {"ETag": etag, "Vary": "Accept", "Cache-Control": f"public, max-age={max_age}"}
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified)
    if status_code == 200 and _not_modified(request, etag, last_modified):
        return Response(status_code=304, headers=headers)
    return Response(content=body, status_code=status_code, media_type=media_type, headers=headers)


def render(request: Request, template: str, data: dict[str, Any], last_modified: datetime | None = None,
           status_code: int = 200, force_json: bool = False) -> Response:
    """Render `data` as the HTML template or, when JSON is wanted, as JSON of the very same data."""
    if force_json or wants_json(request):
        body = json.dumps(jsonable(data), ensure_ascii=False, separators=(",", ":")).encode()
        return conditional(request, body, JSON_TYPE, last_modified, status_code)
    env = request.app.state.jinja
    html = env.get_template(template).render(request=request, **data)
    return conditional(request, html.encode(), "text/html; charset=utf-8", last_modified, status_code)


def newest(*values: datetime | None) -> datetime | None:
    """The latest of some optional times (for Last-Modified of list pages)."""
    present = [v for v in values if v is not None]
    return max(present) if present else None
