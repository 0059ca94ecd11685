"""The site's pages. Each answers HTML, or JSON of the same data with `Accept: application/json`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from svodka.web import views
from svodka.web.respond import render

router = APIRouter(include_in_schema=False)


def _engine(request: Request) -> Engine:
    return request.app.state.engine


@router.get("/")
def home(request: Request) -> Response:
    page = views.int_param(request, "page", 1)
    return render(request, "home.html", *views.home_data(_engine(request), page))


def _article_page(request: Request, article_id: str) -> Response:
    data, changed = views.article_data(_engine(request), views.parse_id(article_id, "Статьи"))
    return render(request, "article.html", data, changed)


@router.get("/article/{article_id}")
async def article(request: Request, article_id: str) -> Response:
    # The most visited page: a few primary-key lookups (under a millisecond on SQLite, whose reads never wait on
    # a network), cheaper to run right here than to hand over to a worker thread and fight it for the GIL.
    if _engine(request).dialect.name == "sqlite":
        return _article_page(request, article_id)
    return await run_in_threadpool(_article_page, request, article_id)


@router.get("/story/{story_id}")
def story(request: Request, story_id: str) -> Response:
    data, changed = views.story_data(_engine(request), views.parse_id(story_id, "Сюжета"))
    return render(request, "story.html", data, changed)


@router.get("/tags")
def tags(request: Request) -> Response:
    return render(request, "tags.html", *views.tags_data(_engine(request), views.int_param(request, "page", 1)))


@router.get("/tag/{slug}")
def tag(request: Request, slug: str) -> Response:
    page = views.int_param(request, "page", 1)
    return render(request, "tag.html", *views.tag_data(_engine(request), slug, page))


@router.get("/category/{name}")
def category(request: Request, name: str) -> Response:
    page = views.int_param(request, "page", 1)
    return render(request, "category.html", *views.category_data(_engine(request), name, page))


@router.get("/sources")
def sources(request: Request) -> Response:
    return render(request, "sources.html", *views.sources_data(_engine(request)))


@router.get("/source/{slug}")
def source(request: Request, slug: str) -> Response:
    page = views.int_param(request, "page", 1)
    return render(request, "source.html", *views.source_data(_engine(request), slug, page))


@router.get("/search")
def search(request: Request) -> Response:
    return render(request, "search.html", *views.search_data(_engine(request), views.search_query(request)))
