"""The data behind each page, shared by the HTML pages and the JSON API so the two never drift.

Each builder takes the engine and parsed parameters and returns `(data, last_modified)`; a missing thing raises
`NotFound` with a message and a few links that help the reader on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from fastapi import Request
from sqlalchemy import Engine

from svodka.store import read
from svodka.store.search import SearchQuery, search
from svodka.web.respond import newest

# The enrichment stage's categories (svodka.enrich.category.CATEGORY_NAMES_RU) plus common rubric names.
CATEGORY_LABELS = {
    "society": "Общество", "economy": "Экономика", "technology": "Технологии", "sports": "Спорт",
    "entertainment": "Культура", "science": "Наука", "other": "Другое", "not_news": "Не новость",
    "politics": "Политика", "world": "В мире", "incidents": "Происшествия", "sport": "Спорт",
    "culture": "Культура", "health": "Здоровье", "education": "Образование", "business": "Бизнес",
}


def category_label(name: str | None) -> str:
    if not name:
        return ""
    return CATEGORY_LABELS.get(name, name[:1].upper() + name[1:])


@dataclass
class StoryMoved(Exception):
    """The story was folded into another one: its old URL redirects there."""

    story_id: int


@dataclass
class NotFound(Exception):
    """A 404 that helps: what was not found and where to go instead."""

    message: str
    links: list[tuple[str, str]] = field(default_factory=list)


def int_param(request: Request, name: str, default: int, low: int = 1, high: int = read.MAX_PAGE) -> int:
    """An integer query parameter; malformed or out-of-range values fall back or clamp, never fail."""
    raw = request.query_params.get(name)
    try:
        value = int(raw) if raw is not None else default
    except ValueError:
        return default
    return max(low, min(value, high))


# Dates a news search can mean; anything beyond is clamped (date.max + 1 day would overflow the search's end bound).
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2999, 12, 31)


def clamp_date(value: date | None) -> date | None:
    return None if value is None else max(EARLIEST_DATE, min(value, LATEST_DATE))


def date_param(request: Request, name: str) -> date | None:
    raw = request.query_params.get(name) or ""
    try:
        return clamp_date(date.fromisoformat(raw.strip())) if raw.strip() else None
    except ValueError:
        return None


def parse_id(raw: str, what: str) -> int:
    """A numeric id from the path, or NotFound (so /article/abc is a helpful 404, not a 422)."""
    try:
        value = int(raw)
    except ValueError:
        raise NotFound(f"{what} с номером «{raw[:60]}» не существует", [("/", "На главную")]) from None
    if not 0 < value < 2**62:
        raise NotFound(f"{what} с номером «{raw[:60]}» не существует", [("/", "На главную")])
    return value


def _check_page(listing: read.Page, base: str) -> None:
    if listing.page > 1 and listing.page > listing.pages:
        raise NotFound(f"Страницы {listing.page} нет: всего страниц {listing.pages}",
                       [(base, "Первая страница"), ("/", "На главную")])


def home_data(engine: Engine, page: int) -> tuple[dict[str, Any], datetime | None]:
    """Top stories by importance with per-category blocks; the latest articles when there are no stories yet."""
    top = read.top_stories(engine, page, 20)
    latest = None
    if top.total == 0:
        latest = read.latest_articles(engine, page, 20)
        _check_page(latest, "/")
    else:
        _check_page(top, "/")
    blocks: dict[str, list[read.StoryCard]] = {}
    cats = read.categories(engine)
    if page == 1 and top.total:
        # The two lead stories are not repeated in their category's block.
        blocks = read.category_blocks(engine, [name for name, _ in cats][:8], exclude={s.id for s in top.items[:2]})
    changed = newest(*(s.updated_at or s.last_seen for s in top.items),
                     *(a.updated_at for a in (latest.items if latest else [])))
    data = {"stories": top, "latest": latest, "blocks": blocks, "categories": [name for name, _ in cats]}
    return data, changed


def article_data(engine: Engine, article_id: int) -> tuple[dict[str, Any], datetime | None]:
    page = read.get_article(engine, article_id)
    if page is None:
        raise NotFound(f"Статьи №{article_id} нет: возможно, она удалена", [("/", "На главную"),
                                                                          ("/search", "Поиск")])
    shown = [page.story, *page.related, *page.other_outlets]
    return {"page": page}, newest(page.article.updated_at, *(item.updated_at for item in shown if item))


def story_data(engine: Engine, story_id: int) -> tuple[dict[str, Any], datetime | None]:
    page = read.get_story(engine, story_id)
    if page is None and (kept := read.merged_into(engine, story_id)) is not None:
        raise StoryMoved(kept)
    if page is None:
        raise NotFound(f"Сюжета №{story_id} нет: сюжеты объединяются и пересобираются",
                       [("/", "Главные сюжеты"), ("/search", "Поиск")])
    return {"page": page}, newest(page.story.updated_at, *(a.updated_at for g in page.groups for a in g.articles))


def tag_data(engine: Engine, slug: str, page: int) -> tuple[dict[str, Any], datetime | None]:
    tag = read.get_tag(engine, slug, page)
    if tag is None:
        raise NotFound(f"Тега «{slug[:80]}» нет", [("/tags", "Все теги"), (f"/search?q={quote(slug[:80])}", "Искать")])
    _check_page(tag.articles, f"/tag/{slug}")
    return {"page": tag}, newest(tag.updated_at, *(a.updated_at for a in tag.articles.items))


def tags_data(engine: Engine, page: int) -> tuple[dict[str, Any], datetime | None]:
    listing = read.list_tags(engine, page, 100)
    _check_page(listing, "/tags")
    return {"tags": listing}, None


def category_data(engine: Engine, name: str, page: int) -> tuple[dict[str, Any], datetime | None]:
    known = {n for n, _ in read.categories(engine)}
    if name not in known and name not in CATEGORY_LABELS:
        raise NotFound(f"Рубрики «{name[:80]}» нет",
                       [(f"/category/{n}", category_label(n)) for n in sorted(known)] or [("/", "На главную")])
    listing = read.latest_articles(engine, page, 20, category=name)
    _check_page(listing, f"/category/{name}")
    stories = read.top_stories(engine, 1, 6, category=name) if page == 1 else None
    data = {"name": name, "label": category_label(name), "articles": listing, "stories": stories}
    return data, newest(*(a.updated_at for a in listing.items))


def source_data(engine: Engine, slug: str, page: int) -> tuple[dict[str, Any], datetime | None]:
    info = read.get_source(engine, slug, page)
    if info is None:
        raise NotFound(f"Источника «{slug[:80]}» нет", [("/sources", "Все источники")])
    _check_page(info.articles, f"/source/{slug}")
    return {"page": info}, newest(info.source.last_polled_at, *(a.updated_at for a in info.articles.items))


def sources_data(engine: Engine) -> tuple[dict[str, Any], datetime | None]:
    items = read.all_sources(engine)
    return {"sources": items}, newest(*(s.last_polled_at for s in items))


def search_query(request: Request, per_page: int = 20) -> SearchQuery:
    """The search form's parameters, tolerant of anything malformed."""
    params = request.query_params
    sort = "date" if params.get("sort") == "date" else "relevance"
    return SearchQuery(
        text=(params.get("q") or "")[:500], date_from=date_param(request, "from"), date_to=date_param(request, "to"),
        source=params.get("source") or None, category=params.get("category") or None, tag=params.get("tag") or None,
        sort=sort, page=int_param(request, "page", 1, high=500), per_page=per_page,
    )


def search_data(engine: Engine, query: SearchQuery) -> tuple[dict[str, Any], datetime | None]:
    result = search(engine, query)
    pages = max(1, -(-result.total // query.per_page))
    listing = read.Page(items=result.hits, page=query.page, per_page=query.per_page, total=result.total)
    if result.total and query.page > pages:
        raise NotFound(f"Страницы {query.page} нет: всего страниц {pages}", [("/search", "Новый поиск")])
    data = {"query": query, "results": listing, "total_capped": result.total_capped, "error": result.error,
            "sources": [(s.slug, s.name) for s in read.all_sources(engine)],
            "categories": [name for name, _ in read.categories(engine)]}
    return data, None
