"""The application factory: routes, templates, security headers, metrics and error pages."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from svodka.settings import Settings, get_settings
from svodka.store.db import ensure_schema, make_engine
from svodka.web import charts, timefmt
from svodka.web.docs import DOCS_CSP, mount_docs
from svodka.web.metrics import Metrics
from svodka.web.page_cache import CachedPage, PageCache, cacheable
from svodka.web.ratelimit import Limit, RateLimitMiddleware
from svodka.web.respond import wants_json
from svodka.web.sanitize import clean_html
from svodka.web.views import NotFound, StoryMoved, category_label

HERE = Path(__file__).parent
log = logging.getLogger(__name__)

CSP = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; " \
      "img-src 'self' https: http: data:; style-src 'self'; form-action 'self'"
# Request headers beyond this are refused with 431 (as nginx does by default): the server's parser (httptools)
# has no limit of its own.
MAX_HEADER_BYTES = 32 * 1024
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SiteMiddleware:
    """Pure ASGI (cheaper than BaseHTTPMiddleware): security headers on every response, HEAD as GET without a
    body, the page cache (see `page_cache`), latency per route for /metrics, and 431 for oversized headers."""

    def __init__(self, app: ASGIApp, metrics: Metrics, cache: PageCache) -> None:
        self.app = app
        self.metrics = metrics
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        if sum(len(k) + len(v) for k, v in scope.get("headers", [])) > MAX_HEADER_BYTES:
            response = _error_response(Request(scope), 431, "Слишком большие заголовки запроса",
                                       [("/", "На главную")])
            await _with_security_headers(response)(scope, receive, send)
            return
        csp = DOCS_CSP if scope["path"] == "/docs" else CSP
        head = scope.get("method") == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        request_headers = dict(scope.get("headers", []))
        key: tuple[str, bytes, bytes, bytes] | None = None
        version = None
        if self.cache.enabled and cacheable(scope["method"], scope["path"], request_headers):
            version = self.cache.version()
            if version is not None:
                # Host is part of the key: feeds carry absolute links, and one Host must not poison another's.
                key = (scope["path"], scope.get("query_string", b""), request_headers.get(b"accept", b""),
                       request_headers.get(b"host", b""))
                hit = self.cache.get(key, version)
                if hit is not None:
                    await self._replay(hit, request_headers, csp, head, send)
                    self.metrics.observe("GET", "cached", time.perf_counter() - started)
                    return
        status = 0
        response_headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def send_with_headers(message: Message) -> None:
            nonlocal status, response_headers
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                status, response_headers = message["status"], list(headers)
                headers.append((b"content-security-policy", csp.encode()))
                headers.extend(SECURITY_HEADERS)
                message["headers"] = headers
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if head:
                    message = {**message, "body": b""}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            self.metrics.observe(scope.get("method", "GET"), path, time.perf_counter() - started)
        if key is not None and version is not None and status == 200:
            self.cache.put(key, version, 200, response_headers, b"".join(chunks))

    @staticmethod
    async def _replay(hit: CachedPage, request_headers: dict[bytes, bytes], csp: str, head: bool,
                      send: Send) -> None:
        extra = [(b"content-security-policy", csp.encode()), *SECURITY_HEADERS]
        if_none_match = request_headers.get(b"if-none-match")
        if hit.etag is not None and if_none_match is not None and hit.etag in [
                t.strip() for t in if_none_match.split(b",")]:
            keep = [(k, v) for k, v in hit.headers if k.lower() in {b"etag", b"vary", b"cache-control",
                                                                   b"last-modified"}]
            await send({"type": "http.response.start", "status": 304, "headers": keep + extra})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": hit.status, "headers": hit.headers + extra})
        await send({"type": "http.response.body", "body": b"" if head else hit.body})


def _plural(n: int, one: str, few: str, many: str) -> str:
    """Russian plural form for n: 1 источник, 2 источника, 5 источников."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def safe_url(value: str | None) -> str:
    """Only http(s) links from sources reach a page; anything else (javascript:, data:, …) becomes "#"."""
    value = (value or "").strip()
    return value if urlsplit(value).scheme.lower() in {"http", "https"} else "#"


def make_jinja(settings: Settings) -> Environment:
    """Templates with autoescape on for everything, and the site's filters."""
    zone = timefmt.site_zone(settings.site_timezone)
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    env.filters["reltime"] = lambda v: timefmt.relative_time(v, zone)
    env.filters["isotime"] = lambda v: timefmt.iso_local(v, zone)
    env.filters["category_label"] = category_label
    env.filters["rich"] = lambda v: Markup(clean_html(v or ""))
    env.filters["chart"] = lambda days, label="": Markup(charts.mentions_chart(days, label=label))
    env.filters["plural"] = lambda n, one, few, many: f"{n} {_plural(int(n), one, few, many)}"
    env.filters["safe_url"] = safe_url
    env.filters["without_page"] = lambda params: urlencode([(k, v) for k, v in params.multi_items() if k != "page"])
    env.globals["site_name"] = "Сводка"
    return env


def _error_response(request: Request, status: int, message: str, links: list[tuple[str, str]],
                    **extra: Any) -> Response:
    """The Russian error page, or the same as JSON for the API and JSON clients (`extra` goes into the JSON)."""
    if wants_json(request) or request.url.path.startswith(("/api/", "/admin/")):
        return JSONResponse({"error": message, "status": status, "links": [{"href": h, "title": t} for h, t in links],
                             **extra}, status_code=status)
    html = request.app.state.jinja.get_template("error.html").render(
        request=request, status=status, message=message, links=links)
    return HTMLResponse(html, status_code=status)


def _with_security_headers(response: Response) -> Response:
    """For answers given outside `SiteMiddleware` (the 500 page, the rate limiter's 429)."""
    response.headers["content-security-policy"] = CSP
    for key, value in SECURITY_HEADERS:
        response.headers[key.decode()] = value.decode()
    return response


def _too_many_requests(request: Request, retry_after: int) -> Response:
    seconds = _plural(retry_after, "секунду", "секунды", "секунд")
    message = f"Слишком много запросов с вашего адреса. Повторите через {retry_after} {seconds}."
    response = _error_response(request, 429, message, [("/", "На главную")], retry_after=retry_after)
    response.headers["retry-after"] = str(retry_after)
    return _with_security_headers(response)


def create_app(settings: Settings | None = None, engine: Engine | None = None,
               page_cache_entries: int = 1000) -> FastAPI:
    """Build the site for a database (migrated on the way); `engine` overrides `settings.database_url`.

    `page_cache_entries=0` switches the page cache off.
    """
    settings = settings or get_settings()
    engine = engine or make_engine(settings.database_url)
    ensure_schema(engine)
    app = FastAPI(title="Сводка API", version="1", docs_url=None, redoc_url=None, openapi_url="/openapi.json",
                  description="Новости СМИ Казахстана, Узбекистана и СНГ: статьи, сюжеты, теги, источники, поиск.")
    metrics = Metrics(engine)
    app.state.settings = settings
    app.state.engine = engine
    app.state.jinja = make_jinja(settings)
    app.state.metrics = metrics
    app.state.page_cache = PageCache(engine, max_entries=page_cache_entries)
    app.add_middleware(SiteMiddleware, metrics=metrics, cache=app.state.page_cache)
    # Outermost, so cached pages count too: a client over its limit gets nothing, however cheap.
    app.add_middleware(RateLimitMiddleware, reject=_too_many_requests, trusted_proxies=settings.trusted_proxies,
                       search=Limit(settings.rate_limit_search, settings.rate_limit_search_burst),
                       api=Limit(settings.rate_limit_api, settings.rate_limit_api_burst))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    mount_docs(app)

    @app.exception_handler(StoryMoved)
    async def _story_moved(request: Request, exc: StoryMoved) -> Response:
        # /story/7 or /api/stories/7 of a story folded into 5: the same kind of URL for 5, permanently.
        target = request.url.path.rsplit("/", 1)[0] + f"/{exc.story_id}"
        return RedirectResponse(target, status_code=301)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        return _error_response(request, 404, exc.message, exc.links)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return _error_response(request, 404, "Такой страницы нет",
                                   [("/", "На главную"), ("/search", "Поиск"), ("/sources", "Источники")])
        message = exc.detail if isinstance(exc.detail, str) else "Ошибка запроса"
        response = _error_response(request, exc.status_code, message, [("/", "На главную")])
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> Response:
        detail: Any = json.loads(json.dumps(exc.errors(), default=str))
        if request.url.path.startswith("/api/") or wants_json(request):
            return JSONResponse({"error": "Неверные параметры запроса", "status": 400, "detail": detail},
                                status_code=400)
        return _error_response(request, 400, "Неверные параметры запроса", [("/", "На главную")])

    @app.exception_handler(Exception)
    async def _server_error(request: Request, exc: Exception) -> Response:
        # Starlette calls this outside every other middleware, then re-raises for the server's own log.
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        try:
            response = _error_response(request, 500, "На сервере что-то сломалось. Мы уже знаем и чиним; "
                                                     "попробуйте обновить страницу чуть позже.", [("/", "На главную")])
        except Exception:  # noqa: BLE001 - the error page itself failed (a broken template): plain text then
            response = Response("500: внутренняя ошибка сервера", status_code=500,
                                media_type="text/plain; charset=utf-8")
        return _with_security_headers(response)

    from svodka.web import admin, api, feeds, ops, pages

    app.include_router(ops.router)
    # Routes are tried in order and each try costs: the pages people read most come right after the probes.
    app.include_router(pages.router)
    app.include_router(feeds.router)
    app.include_router(api.router)
    app.include_router(admin.router)
    return app
