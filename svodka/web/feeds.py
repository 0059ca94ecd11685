"""Feeds out: RSS 2.0 by default, Atom with `?format=atom` or the `.atom` twin of each URL."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from svodka.store import read
from svodka.store.search import search
from svodka.web import views
from svodka.web.feeds_out import FeedItem, FeedMeta, atom, feed_updated, rss
from svodka.web.respond import conditional

router = APIRouter(include_in_schema=False)
FEED_SIZE = 30


def _absolute(request: Request, path: str) -> str:
    return str(request.base_url).rstrip("/") + path


def _article_items(request: Request, cards: list[read.ArticleCard]) -> list[FeedItem]:
    return [FeedItem(title=c.title, link=_absolute(request, f"/article/{c.id}"),
                     guid=_absolute(request, f"/article/{c.id}"), published=c.published_at, updated=c.updated_at,
                     summary=c.lead, categories=[views.category_label(c.category)] if c.category else [],
                     author=c.outlet)
            for c in cards]


def _respond(request: Request, atom_twin: bool, title: str, page_path: str, description: str,
             items: list[FeedItem]) -> Response:
    as_atom = atom_twin or request.query_params.get("format") == "atom"
    self_url = str(request.url)
    meta = FeedMeta(title=title, link=_absolute(request, page_path), self_url=self_url, description=description)
    if as_atom:
        body, media = atom(meta, items), "application/atom+xml; charset=utf-8"
    else:
        body, media = rss(meta, items), "application/rss+xml; charset=utf-8"
    return conditional(request, body, media, feed_updated(items) if items else None, max_age=300)


def _top(request: Request, atom_twin: bool) -> Response:
    engine = request.app.state.engine
    top = read.top_stories(engine, 1, FEED_SIZE)
    if top.items:
        items = [FeedItem(title=s.title, link=_absolute(request, f"/story/{s.id}"),
                          guid=_absolute(request, f"/story/{s.id}"), published=s.first_seen,
                          updated=s.updated_at or s.last_seen, summary=s.lead,
                          categories=[views.category_label(s.category)] if s.category else [])
                 for s in top.items]
    else:
        items = _article_items(request, read.latest_articles(engine, 1, FEED_SIZE).items)
    return _respond(request, atom_twin, "Сводка: главное", "/", "Главные сюжеты дня", items)


@router.get("/feed.xml")
def top_rss(request: Request) -> Response:
    return _top(request, False)


@router.get("/feed.atom")
def top_atom(request: Request) -> Response:
    return _top(request, True)


def _category(request: Request, name: str, atom_twin: bool) -> Response:
    views.category_data(request.app.state.engine, name, 1)  # raises the helpful 404 for unknown names
    cards = read.latest_articles(request.app.state.engine, 1, FEED_SIZE, category=name).items
    label = views.category_label(name)
    return _respond(request, atom_twin, f"Сводка: {label}", f"/category/{name}", f"Новости рубрики «{label}»",
                    _article_items(request, cards))


@router.get("/category/{name}/feed.xml")
def category_rss(request: Request, name: str) -> Response:
    return _category(request, name, False)


@router.get("/category/{name}/feed.atom")
def category_atom(request: Request, name: str) -> Response:
    return _category(request, name, True)


def _tag(request: Request, slug: str, atom_twin: bool) -> Response:
    engine = request.app.state.engine
    tag = read.get_tag(engine, slug, 1, 1)
    if tag is None:
        raise views.NotFound(f"Тега «{slug[:80]}» нет", [("/tags", "Все теги")])
    cards = read.latest_articles(engine, 1, FEED_SIZE, entity_slug=slug).items
    return _respond(request, atom_twin, f"Сводка: {tag.tag.name}", f"/tag/{slug}", f"Новости о теме «{tag.tag.name}»",
                    _article_items(request, cards))


@router.get("/tag/{slug}/feed.xml")
def tag_rss(request: Request, slug: str) -> Response:
    return _tag(request, slug, False)


@router.get("/tag/{slug}/feed.atom")
def tag_atom(request: Request, slug: str) -> Response:
    return _tag(request, slug, True)


def _search(request: Request, atom_twin: bool) -> Response:
    query = views.search_query(request, per_page=FEED_SIZE)
    query.sort, query.page = "date", 1  # a saved search as a feed: the newest matches first
    result = search(request.app.state.engine, query)
    items = [FeedItem(title=h.title, link=_absolute(request, f"/article/{h.article_id}"),
                      guid=_absolute(request, f"/article/{h.article_id}"), published=h.published_at,
                      summary=None, author=h.source_name) for h in result.hits]
    return _respond(request, atom_twin, f"Сводка: поиск «{query.text}»", f"/search?q={quote(query.text)}",
                    f"Новые статьи по запросу «{query.text}»", items)


@router.get("/search/feed.xml")
def search_rss(request: Request) -> Response:
    return _search(request, False)


@router.get("/search/feed.atom")
def search_atom(request: Request) -> Response:
    return _search(request, True)
