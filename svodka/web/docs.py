"""/docs: Swagger UI served from our own origin, so the API docs work offline and under a CSP without CDNs.

Swagger UI's files come from the `fastapi-offline` wheel (mounted at `/docs/assets`); the page and its start-up
script are ours, because FastAPI's stock page boots Swagger UI with an inline script, which our CSP forbids.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_URL = "/docs/assets"
ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
# Only our own origin: scripts, styles, the spec (fetched by Swagger UI) and its inline data: icons.
DOCS_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            "font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")

router = APIRouter(include_in_schema=False)

_PAGE = """<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — документация API</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" href="{assets}/favicon.png">
</head>
<body>
<div id="swagger-ui" data-openapi="{openapi}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script>
</body>
</html>
"""


def mount_docs(app: FastAPI) -> None:
    """Serve Swagger UI's files and the /docs page (create the app with `docs_url=None`)."""
    if not (ASSETS_DIR / "swagger-ui-bundle.js").is_file():
        raise RuntimeError(f"Swagger UI files are missing from {ASSETS_DIR}: reinstall fastapi-offline")
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="docs-assets")
    app.include_router(router)


@router.get("/docs")
def docs(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    return HTMLResponse(_PAGE.format(title=escape(request.app.title), assets=escape(root + ASSETS_URL),
                                     openapi=escape(root + (request.app.openapi_url or "/openapi.json"))))
