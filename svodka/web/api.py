"""The JSON API under /api/: the same data builders as the pages (see `views`), always as JSON."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from svodka.store import read
from svodka.store.search import SearchQuery
from svodka.web import views
from svodka.web.respond import newest, render

router = APIRouter(prefix="/api", tags=["api"])
PageParam = Annotated[int, Query(ge=1, le=read.MAX_PAGE, description="Номер страницы")]
PerPageParam = Annotated[int, Query(ge=1, le=read.MAX_PER_PAGE, description="Размер страницы")]
# Ids beyond SQLite's 64-bit integers would overflow the query instead of simply finding nothing.
IdParam = Annotated[int, Path(ge=1, lt=2**62, description="Номер")]


def _json(request: Request, data: dict[str, Any], changed: datetime | None = None) -> Response:
    return render(request, "", data, changed, force_json=True)


@router.get("/articles", summary="Последние статьи")
def articles(request: Request, page: PageParam = 1, per_page: PerPageParam = 20, category: str | None = None,
             tag: str | None = None, source: str | None = None) -> Response:
    engine = request.app.state.engine
    source_ids = None
    if source is not None:
        info = read.get_source(engine, source, 1, 1)
        source_ids = [f.id for f in info.feeds] if info else []
    listing = read.latest_articles(engine, page, per_page, category=category, entity_slug=tag, source_ids=source_ids)
    return _json(request, {"articles": listing}, newest(*(a.updated_at for a in listing.items)))


@router.get("/articles/{article_id}", summary="Статья")
def article(request: Request, article_id: IdParam) -> Response:
    return _json(request, *views.article_data(request.app.state.engine, article_id))


@router.get("/stories", summary="Главные сюжеты")
def stories(request: Request, page: PageParam = 1, per_page: PerPageParam = 20,
            category: str | None = None) -> Response:
    listing = read.top_stories(request.app.state.engine, page, per_page, category=category)
    return _json(request, {"stories": listing}, newest(*(s.updated_at for s in listing.items)))


@router.get("/stories/{story_id}", summary="Сюжет")
def story(request: Request, story_id: IdParam) -> Response:
    return _json(request, *views.story_data(request.app.state.engine, story_id))


@router.get("/tags", summary="Теги (сущности)")
def tags(request: Request, page: PageParam = 1) -> Response:
    return _json(request, *views.tags_data(request.app.state.engine, page))


@router.get("/tags/{slug}", summary="Тег")
def tag(request: Request, slug: str, page: PageParam = 1) -> Response:
    return _json(request, *views.tag_data(request.app.state.engine, slug, page))


@router.get("/categories", summary="Рубрики")
def categories(request: Request) -> Response:
    items = [{"name": n, "label": views.category_label(n), "articles": c}
             for n, c in read.categories(request.app.state.engine)]
    return _json(request, {"categories": items})


@router.get("/sources", summary="Источники")
def sources(request: Request) -> Response:
    return _json(request, *views.sources_data(request.app.state.engine))


@router.get("/sources/{slug}", summary="Источник")
def source(request: Request, slug: str, page: PageParam = 1) -> Response:
    return _json(request, *views.source_data(request.app.state.engine, slug, page))


@router.get("/search", summary="Поиск")
def search(request: Request, q: Annotated[str, Query(max_length=500, description="Запрос")] = "",
           date_from: Annotated[date | None, Query(alias="from")] = None,
           date_to: Annotated[date | None, Query(alias="to")] = None,
           source: str | None = None, category: str | None = None, tag: str | None = None,
           sort: Literal["relevance", "date"] = "relevance", page: Annotated[int, Query(ge=1, le=500)] = 1,
           per_page: PerPageParam = 20) -> Response:
    query = SearchQuery(text=q, date_from=views.clamp_date(date_from), date_to=views.clamp_date(date_to),
                        source=source, category=category, tag=tag,
                        sort=sort, page=page, per_page=per_page)
    data, _ = views.search_data(request.app.state.engine, query)
    data.pop("sources", None)
    data.pop("categories", None)
    return _json(request, data)

