"""Full-text search over lemmatised articles (SQLite FTS5; see migration 0002).

Indexing stores one lemma per word (`index_terms`, built on `svodka.enrich.lemmas`), so a query word is turned
into all its possible lemmas OR-ed together: "Токаева" finds "Токаев", "Токаеву". Supported syntax: plain words
(all must occur), "quoted phrases", prefixes (`word*`) and exclusions (`-word`). Snippets are highlighted here in
Python, from the original text, because the index only holds lemmas; every piece of source text is HTML-escaped.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html import escape
from typing import Any, Literal

from sqlalchemy import Engine, Row, column, delete, func, insert, literal_column, select, table, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql import Select

from svodka.enrich.lemmas import fold, lemma, lemma_candidates, words
from svodka.store.schema import article_entities, articles, entities, sources

log = logging.getLogger(__name__)

search_docs = table("search_docs", column("article_id"), column("title"), column("lead"), column("body"))
search_fts = table("search_fts", column("rowid"))
# Column weights for bm25: a hit in the title counts most. bm25() is lower-is-better.
_SCORE = literal_column("bm25(search_fts, 10.0, 4.0, 1.0)")
_MATCH = text("search_fts MATCH :match")

_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')
_WORD = re.compile(r"[0-9A-Za-zА-Яа-яЁёЎўҚқҒғҲҳӘәӨөҮүҰұІіҢң'’ʻʼ-]+")
MAX_QUERY_LENGTH = 500
MAX_TERMS = 12
# A phrase of ambiguous words expands into at most this many lemma phrases.
MAX_PHRASE_VARIANTS = 8
# Counting stops here: "more than 1000 results" is all a reader needs, and counting all is slow.
COUNT_CAP = 1000
# Queries matching more articles than this rank only the newest this many (news readers want recent hits).
RANK_WINDOW = 5000

Sort = Literal["relevance", "date"]


@dataclass
class SearchQuery:
    """What a reader asked: the text plus optional filters (source and tag are slugs)."""

    text: str
    date_from: date | None = None
    date_to: date | None = None
    source: str | None = None
    category: str | None = None
    tag: str | None = None
    sort: Sort = "relevance"
    page: int = 1
    per_page: int = 20


@dataclass
class ParsedQuery:
    """The FTS5 MATCH expression and the lemmas/prefixes used to highlight snippets."""

    match: str
    lemmas: set[str] = field(default_factory=set)
    prefixes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.match


@dataclass
class SearchHit:
    article_id: int
    title: str
    title_html: str
    snippet_html: str
    url: str
    published_at: datetime | None
    source_name: str | None
    source_slug: str | None
    category: str | None
    score: float


@dataclass
class SearchResult:
    query: SearchQuery
    hits: list[SearchHit]
    total: int
    total_capped: bool = False
    error: str | None = None


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def parse_query(raw: str) -> ParsedQuery:
    """Turn a reader's query into an FTS5 expression over lemmas; an empty `match` means nothing to search.

    Words are AND-ed; each word is an OR of its possible lemmas; `-word` excludes; `word*` is a prefix.
    """
    raw = (raw or "")[:MAX_QUERY_LENGTH]
    parts: list[str] = []
    excluded: list[str] = []
    parsed = ParsedQuery(match="")
    for phrase, bare in _TOKEN.findall(raw):
        if len(parts) >= MAX_TERMS:
            break
        if phrase:
            tokens = words(phrase)
            if not tokens:
                continue
            options = [sorted(lemma_candidates(w)) for w in tokens]
            variants = [" ".join(v) for v in itertools.islice(itertools.product(*options), MAX_PHRASE_VARIANTS)]
            parsed.lemmas.update(itertools.chain.from_iterable(options))
            parts.append("(" + " OR ".join(_quote(v) for v in variants) + ")")
            continue
        negated = bare.startswith("-") and len(bare) > 1
        prefix = bare.endswith("*")
        tokens = [w for w in words(bare.lstrip("-").rstrip("*")) if w.strip("-'’ʻʼ")]
        for i, word in enumerate(tokens):
            if prefix and i == len(tokens) - 1 and len(word) >= 2:
                stem = fold(word)
                term = _quote(stem) + "*"
                if not negated:
                    parsed.prefixes.append(stem)
            else:
                candidates = sorted(lemma_candidates(word))
                term = "(" + " OR ".join(_quote(c) for c in candidates) + ")"
                if not negated:
                    parsed.lemmas.update(candidates)
            (excluded if negated else parts).append(term)
    # FTS5's NOT is binary: excluded words only make sense after something to search for.
    parsed.match = " AND ".join(parts) + "".join(" NOT " + term for term in excluded) if parts else ""
    return parsed


def _matches(word: str, parsed: ParsedQuery, heads: set[str]) -> bool:
    folded = fold(word)
    if any(folded.startswith(p) for p in parsed.prefixes):
        return True
    # Cheap first check: a form shares its first two letters with its lemma in nearly all Russian words.
    if folded[:2] not in heads:
        return False
    return lemma(word, word[:1].isupper()) in parsed.lemmas or bool(lemma_candidates(word) & parsed.lemmas)


def _heads(parsed: ParsedQuery) -> set[str]:
    return {term[:2] for term in parsed.lemmas}


def highlight(source: str, parsed: ParsedQuery, width: int | None = None) -> tuple[str, bool]:
    """HTML of `source` (escaped) with matching words in <mark>; cut to about `width` chars around the first hit.

    Returns the HTML and whether any word matched.
    """
    heads = _heads(parsed)
    hits = [m for m in _WORD.finditer(source) if _matches(m.group(), parsed, heads)]
    start, end = 0, len(source)
    if width is not None and len(source) > width:
        if hits:
            start = max(0, hits[0].start() - width // 4)
            space = source.rfind(" ", 0, start)
            start = space + 1 if start > 0 and space >= 0 else start
        end = min(len(source), start + width)
        space = source.find(" ", end)
        end = space if 0 <= space < end + 20 else end
    out: list[str] = ["…"] if start > 0 else []
    cursor = start
    for m in hits:
        if m.start() < start:
            continue
        if m.end() > end:
            break
        out.append(escape(source[cursor:m.start()]))
        out.append("<mark>" + escape(m.group()) + "</mark>")
        cursor = m.end()
    out.append(escape(source[cursor:end]))
    if end < len(source):
        out.append("…")
    return "".join(out), bool(hits)


def snippet(lead: str | None, body: str | None, parsed: ParsedQuery, width: int = 260) -> str:
    """A highlighted excerpt: from the lead when it matches, else from the body, else the lead's start."""
    for source in (lead or "", (body or "")[:20_000]):
        if source:
            html, found = highlight(source, parsed, width)
            if found:
                return html
    fallback = lead or body or ""
    return highlight(fallback, ParsedQuery(match=""), width)[0]


# --- indexing ----------------------------------------------------------------------------------------------


def _is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def index_terms(text: str) -> str:
    """The lemmas to index for a text, space-separated.

    Unlike `lemmatize`, a capitalised word opening a sentence is read as a name too: headlines start with names
    ("Токаев провёл…"), and the common reading of "Токаев" is a plural of "токай". Queries always include the
    name reading among their candidates, so nothing is lost for common words.
    """
    return " ".join(lemma(w, w[:1].isupper()) for w in words(text))


def _lemma_row(article_id: int, title: str | None, lead: str | None, body: str | None) -> dict[str, object]:
    return {"article_id": article_id, "title": index_terms(title or ""), "lead": index_terms(lead or ""),
            "body": index_terms(body or "")}


def index_articles(engine: Engine, article_ids: Iterable[int]) -> int:
    """(Re)index the given articles; ids that no longer exist are dropped from the index. Returns how many."""
    if not _is_sqlite(engine):
        # TODO(postgres): update the tsvector column once the PostgreSQL search lands.
        return 0
    ids = sorted(set(article_ids))
    done = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        with engine.connect() as conn:
            rows = conn.execute(select(articles.c.id, articles.c.title, articles.c.lead, articles.c.text)
                                .where(articles.c.id.in_(chunk))).all()
        lemma_rows = [_lemma_row(r.id, r.title, r.lead, r.text) for r in rows]
        with engine.begin() as conn:
            conn.execute(delete(search_docs).where(search_docs.c.article_id.in_(chunk)))
            if lemma_rows:
                conn.execute(insert(search_docs), lemma_rows)
        done += len(lemma_rows)
    return done


def index_article(engine: Engine, article_id: int) -> bool:
    """(Re)index one article after it was saved or enriched; False when it does not exist (or not SQLite)."""
    return index_articles(engine, [article_id]) == 1


def reindex_all(engine: Engine, batch: int = 500) -> int:
    """Rebuild the whole index from the articles table; returns the number of articles indexed."""
    if not _is_sqlite(engine):
        return 0
    with engine.begin() as conn:
        conn.execute(delete(search_docs))
    total, last_id = 0, 0
    while True:
        with engine.connect() as conn:
            ids = list(conn.execute(select(articles.c.id).where(articles.c.id > last_id)
                                    .order_by(articles.c.id).limit(batch)).scalars())
        if not ids:
            return total
        total += index_articles(engine, ids)
        last_id = ids[-1]


def indexed_count(engine: Engine) -> int:
    if not _is_sqlite(engine):
        return 0
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(search_docs)).scalar_one())


# --- querying ----------------------------------------------------------------------------------------------


def _filtered(stmt: Select[Any], query: SearchQuery) -> Select[Any]:
    if query.date_from:
        stmt = stmt.where(articles.c.published_at >= datetime.combine(query.date_from, datetime.min.time()))
    if query.date_to:
        end = datetime.combine(query.date_to, datetime.min.time()) + timedelta(days=1)
        stmt = stmt.where(articles.c.published_at < end)
    if query.source:
        stmt = stmt.where(articles.c.source_id.in_(select(sources.c.id).where(sources.c.slug == query.source)))
    if query.category:
        stmt = stmt.where(articles.c.category == query.category)
    if query.tag:
        tagged = (select(article_entities.c.article_id)
                  .join(entities, entities.c.id == article_entities.c.entity_id)
                  .where(entities.c.slug == query.tag))
        stmt = stmt.where(articles.c.id.in_(tagged))
    return stmt


def search(engine: Engine, query: SearchQuery) -> SearchResult:
    """Run a search: one page of hits with highlighted snippets, and the (capped) number of all hits.

    Bad syntax gives an empty result with `error` set, never an exception.
    """
    parsed = parse_query(query.text)
    if parsed.empty:
        return SearchResult(query=query, hits=[], total=0)
    if not _is_sqlite(engine):
        return SearchResult(query=query, hits=[], total=0, error="Поиск пока работает только с SQLite")
    per_page = max(1, min(query.per_page, 100))
    offset = (max(1, query.page) - 1) * per_page
    params = {"match": parsed.match}
    try:
        with engine.connect() as conn:
            # A word found in half of all articles: only its RANK_WINDOW newest matches (by id, i.e. arrival)
            # are ranked and filtered, so the cost stays flat however common the word is.
            floor = conn.execute(select(search_fts.c.rowid).where(_MATCH).order_by(search_fts.c.rowid.desc())
                                 .limit(1).offset(RANK_WINDOW - 1), params).scalar()
            ranked, total = _ranked_page(conn, query, params, floor, per_page, offset)
            if floor is not None and len(ranked) < per_page and _has_filters(query):
                # Filters left too little inside the window: look at every match (slower, but complete).
                ranked, total = _ranked_page(conn, query, params, None, per_page, offset)
            details = {r.id: r for r in conn.execute(
                select(articles.c.id, articles.c.title, articles.c.lead, articles.c.text, articles.c.url,
                       articles.c.published_at, articles.c.category, sources.c.name, sources.c.slug)
                .select_from(articles.outerjoin(sources, sources.c.id == articles.c.source_id))
                .where(articles.c.id.in_([r.id for r in ranked])))}
    except OperationalError as exc:
        log.info("search failed for %r: %s", query.text, exc)
        return SearchResult(query=query, hits=[], total=0, error="Не удалось разобрать запрос")
    hits = []
    for r in ranked:
        d = details.get(r.id)
        if d is None:
            continue
        title = d.title or ""
        hits.append(SearchHit(
            article_id=d.id, title=title, title_html=highlight(title, parsed)[0],
            snippet_html=snippet(d.lead, d.text, parsed), url=d.url, published_at=d.published_at,
            source_name=d.name, source_slug=d.slug, category=d.category, score=float(r.score),
        ))
    return SearchResult(query=query, hits=hits, total=min(total, COUNT_CAP), total_capped=total > COUNT_CAP)


def _has_filters(query: SearchQuery) -> bool:
    return any((query.date_from, query.date_to, query.source, query.category, query.tag))


def _ranked_page(conn: Connection, query: SearchQuery, params: dict[str, str], floor: int | None, per_page: int,
                 offset: int) -> tuple[list[Row[Any]], int]:
    """One page of (id, score) rows and the number of matches (capped), within rowid >= floor when given.

    "By date" means newest arrivals first: FTS5 walks its rowids (article ids) backwards and stops early.
    """
    window = [search_fts.c.rowid >= floor] if floor is not None else []
    order = _SCORE if query.sort == "relevance" else search_fts.c.rowid.desc()
    if _has_filters(query):
        joined = search_fts.join(articles, articles.c.id == search_fts.c.rowid)
        stmt = _filtered(select(search_fts.c.rowid.label("id"), _SCORE.label("score")).select_from(joined)
                         .where(_MATCH, *window), query)
        counted = _filtered(select(literal_column("1")).select_from(joined).where(_MATCH, *window), query)
    else:
        # Nothing needed from the articles table: no join until the page is known.
        stmt = select(search_fts.c.rowid.label("id"), _SCORE.label("score")).where(_MATCH, *window)
        counted = select(literal_column("1")).select_from(search_fts).where(_MATCH, *window)
    rows = list(conn.execute(stmt.order_by(order, search_fts.c.rowid.desc()).limit(per_page).offset(offset),
                             params).all())
    count_stmt = select(func.count()).select_from(counted.limit(COUNT_CAP + 1).subquery())
    return rows, int(conn.execute(count_stmt, params).scalar_one())
