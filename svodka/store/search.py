"""Full-text search over lemmatised articles: SQLite FTS5 (migration 0002) or PostgreSQL tsvector (0004).

Indexing stores one lemma per word (`index_terms`, built on `svodka.enrich.lemmas`), so a query word is turned
into all its possible lemmas OR-ed together: "Токаева" finds "Токаев", "Токаеву". Supported syntax: plain words
(all must occur), "quoted phrases", prefixes (`word*`) and exclusions (`-word`). A query is parsed once into
`Clause`s and rendered for either backend (an FTS5 MATCH string, or a tsquery for `to_tsquery('simple', …)`), both
passed as bound parameters, so the two backends find the same articles. Snippets are highlighted here in Python,
from the original text, because the index only holds lemmas; every piece of source text is HTML-escaped.

Speed at 1M articles: FTS5 keeps prefix indexes of 2–4 letters (migration 0007), and on SQLite the category,
source and date filters are index terms in a `facets` column (`facet_terms`), so a filtered query is one FTS5 match
and never joins every match to `articles`. Ranking looks only at the RANK_WINDOW newest matches; filters left to a
join (a tag; all filters on PostgreSQL) widen that window stepwise until a page is filled.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from html import escape
from typing import Any, Literal

from sqlalchemy import Engine, Row, Text, bindparam, column, delete, func, insert, literal_column, select, table, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.sql import ColumnElement, FromClause, Select

from svodka.enrich.lemmas import fold, lemma, lemma_candidates, words
from svodka.store.schema import article_entities, articles, entities, sources

log = logging.getLogger(__name__)

# `document` (the weighted tsvector) exists on PostgreSQL only; SQLite searches `search_fts` (FTS5) instead.
# `facets` (filter terms, see `facet_terms`) exists on SQLite only.
search_docs = table("search_docs", column("article_id"), column("title"), column("lead"), column("body"),
                    column("document"), column("facets"))
search_fts = table("search_fts", column("rowid"))
# Column weights for bm25: a hit in the title counts most; the filter terms count for nothing. Lower is better.
_SCORE = literal_column("bm25(search_fts, 10.0, 4.0, 1.0, 0.0)")
_MATCH = text("search_fts MATCH :match")
# What a reader's words are matched against: never the filter terms.
_TEXT_COLUMNS = "{title lead body}"
# PostgreSQL: our lemmas are final, so the 'simple' configuration (lower-case, no stemming, no stop words).
_SIMPLE = literal_column("'simple'::regconfig")
_PG_WEIGHTS = literal_column("'{0.1, 0.1, 0.4, 1.0}'::float4[]")

_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')
_WORD = re.compile(r"[0-9A-Za-zА-Яа-яЁёЎўҚқҒғҲҳӘәӨөҮүҰұІіҢң'’ʻʼ-]+")
# A token of the index: letters and digits (FTS5's unicode61 splits on everything else, "_" included).
_LEXEME = re.compile(r"[^\W_]+")
MAX_QUERY_LENGTH = 500
MAX_TERMS = 12
# A phrase of ambiguous words expands into at most this many lemma phrases.
MAX_PHRASE_VARIANTS = 8
# Counting stops here: "more than 1000 results" is all a reader needs, and counting all is slow.
COUNT_CAP = 1000
# Queries matching more articles than this rank only the newest this many (news readers want recent hits).
RANK_WINDOW = 5000
# A filter the index cannot apply (a tag, or the rest on PostgreSQL) looks at this many times more newest matches,
# then at all of them, until a page is filled: a rare filter on a common word does not rank every match at once.
WINDOW_GROWTH = 10
# A date range turns into at most this many day/month/year terms; a longer list is filtered by joining instead.
MAX_DATE_TERMS = 200
_PLAIN_FACET = re.compile(r"[a-z0-9]+")

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
    """The query as clauses, rendered as an FTS5 MATCH expression and a tsquery, and the lemmas/prefixes used to
    highlight snippets."""

    match: str
    lemmas: set[str] = field(default_factory=set)
    prefixes: list[str] = field(default_factory=list)
    clauses: list[Clause] = field(default_factory=list)
    tsquery: str = ""

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
    # Relevance, lower is better on both backends (bm25 on SQLite, minus ts_rank_cd on PostgreSQL).
    score: float


@dataclass
class SearchResult:
    query: SearchQuery
    hits: list[SearchHit]
    total: int
    total_capped: bool = False
    error: str | None = None


@dataclass(frozen=True)
class Clause:
    """One AND-ed part of a query: any one of `options` must occur (each a run of lemmas in order, i.e. a phrase
    when longer than one); with `prefix`, the last word of the (single) option is a prefix; `negated` excludes."""

    options: tuple[tuple[str, ...], ...]
    prefix: bool = False
    negated: bool = False


def lexemes(text: str) -> list[str]:
    """The tokens both indexes see in a lemma string: runs of letters and digits (what FTS5's unicode61 tokenizer
    keeps), so "касым-жомарт" is two tokens on SQLite and on PostgreSQL alike."""
    return _LEXEME.findall(text)


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _fts5_clause(clause: Clause) -> str:
    if clause.prefix:
        return _quote(" ".join(clause.options[0])) + "*"
    return "(" + " OR ".join(_quote(" ".join(option)) for option in clause.options) + ")"


def _tsquery_option(option: tuple[str, ...], prefix: bool) -> str:
    # Lexemes are letters and digits only, so quoting cannot be broken out of; quotes are doubled all the same.
    tokens = ["'" + token.replace("'", "''") + "'" for token in lexemes(" ".join(option))]
    if prefix:
        tokens[-1] += ":*"
    return " <-> ".join(tokens)


def _tsquery_clause(clause: Clause) -> str:
    inner = " | ".join("(" + _tsquery_option(option, clause.prefix) + ")" for option in clause.options)
    return ("!" if clause.negated else "") + "(" + inner + ")"


def render_fts5(clauses: list[Clause]) -> str:
    """The FTS5 MATCH expression for the clauses ("" when nothing positive is left to search for)."""
    positive = [_fts5_clause(c) for c in clauses if not c.negated]
    # FTS5's NOT is binary: excluded words only make sense after something to search for.
    return " AND ".join(positive) + "".join(" NOT " + _fts5_clause(c) for c in clauses if c.negated) if positive else ""


def render_tsquery(clauses: list[Clause]) -> str:
    """The same query as text for PostgreSQL's `to_tsquery('simple', …)` (`&`, `|`, `!`, `<->`, `:*`)."""
    if not any(not c.negated for c in clauses):
        return ""
    return " & ".join(_tsquery_clause(c) for c in sorted(clauses, key=lambda c: c.negated))


def _clause(options: Iterable[tuple[str, ...]], *, prefix: bool = False, negated: bool = False) -> Clause | None:
    """A clause of the options that still hold a token once punctuation is dropped (None when none does)."""
    kept = tuple(o for o in options if lexemes(" ".join(o)))
    return Clause(kept, prefix, negated) if kept else None


def parse_query(raw: str) -> ParsedQuery:
    """Turn a reader's query into `Clause`s over lemmas and their FTS5 and tsquery forms; an empty `match` means
    nothing to search. Words are AND-ed; each word is an OR of its possible lemmas; `-word` excludes; `word*` is a
    prefix; a "quoted phrase" is an OR of (at most MAX_PHRASE_VARIANTS) lemma sequences.
    """
    raw = (raw or "")[:MAX_QUERY_LENGTH]
    parsed = ParsedQuery(match="")
    clauses: list[Clause] = []
    for phrase, bare in _TOKEN.findall(raw):
        if sum(not c.negated for c in clauses) >= MAX_TERMS:
            break
        if phrase:
            options = [sorted(lemma_candidates(w)) for w in words(phrase)]
            if not options:
                continue
            variants = itertools.islice(itertools.product(*options), MAX_PHRASE_VARIANTS)
            if (found := _clause(variants)) is not None:
                parsed.lemmas.update(itertools.chain.from_iterable(options))
                clauses.append(found)
            continue
        negated = bare.startswith("-") and len(bare) > 1
        prefix = bare.endswith("*")
        tokens = [w for w in words(bare.lstrip("-").rstrip("*")) if w.strip("-'’ʻʼ")]
        for i, word in enumerate(tokens):
            if prefix and i == len(tokens) - 1 and len(word) >= 2:
                stem = fold(word)
                found = _clause([(stem,)], prefix=True, negated=negated)
                if found is not None and not negated:
                    parsed.prefixes.append(stem)
            else:
                candidates = sorted(lemma_candidates(word))
                found = _clause([(c,) for c in candidates], negated=negated)
                if found is not None and not negated:
                    parsed.lemmas.update(candidates)
            # One bare token can hold many words ("0:0:0:…"): MAX_TERMS bounds words, and as many exclusions.
            if found is not None and sum(c.negated == negated for c in clauses) < MAX_TERMS:
                clauses.append(found)
    parsed.clauses = clauses
    parsed.match = render_fts5(clauses)
    parsed.tsquery = render_tsquery(clauses)
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
    # Lazily: once the cut is known, words past its end are never looked at (bodies run to 20k characters).
    found = (m for m in _WORD.finditer(source) if _matches(m.group(), parsed, heads))
    first = next(found, None)
    hits = itertools.chain([first], found) if first is not None else iter(())
    start, end = 0, len(source)
    if width is not None and len(source) > width:
        if first is not None:
            start = max(0, first.start() - width // 4)
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
    return "".join(out), first is not None


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


def _is_sqlite(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "sqlite"


def index_terms(text: str) -> str:
    """The lemmas to index for a text, space-separated.

    Unlike `lemmatize`, a capitalised word opening a sentence is read as a name too: headlines start with names
    ("Токаев провёл…"), and the common reading of "Токаев" is a plural of "токай". Queries always include the
    name reading among their candidates, so nothing is lost for common words.
    """
    return " ".join(lemma(w, w[:1].isupper()) for w in words(text))


def _pg_terms(text: str) -> str:
    # PostgreSQL's parser would read "касым-жомарт" as three tokens (the compound and its parts), FTS5 as two:
    # giving it plain letter-and-digit runs makes both count the same tokens at the same positions.
    return " ".join(lexemes(index_terms(text)))


def lemma_rows(rows: Iterable[Any], *, postgres: bool) -> list[dict[str, object]]:
    """search_docs rows for (id, title, lead, text) article rows."""
    terms = _pg_terms if postgres else index_terms
    return [{"article_id": r.id, "title": terms(r.title or ""), "lead": terms(r.lead or ""),
             "body": terms(r.text or "")} for r in rows]


def _write_index_rows(conn: Connection, chunk: list[int], rows: list[dict[str, object]]) -> None:
    if _is_sqlite(conn):
        conn.execute(delete(search_docs).where(search_docs.c.article_id.in_(chunk)))
        if rows:
            conn.execute(insert(search_docs), rows)
        return
    # Two workers may index one article at once: an upsert never trips over the other's row.
    if rows:
        stmt = pg_insert(search_docs).values(rows)
        conn.execute(stmt.on_conflict_do_update(
            index_elements=["article_id"],
            set_={"title": stmt.excluded.title, "lead": stmt.excluded.lead, "body": stmt.excluded.body}))
    present = [r["article_id"] for r in rows]
    conn.execute(delete(search_docs).where(search_docs.c.article_id.in_(chunk),
                                           search_docs.c.article_id.not_in(present)))


def index_articles(engine: Engine, article_ids: Iterable[int]) -> int:
    """(Re)index the given articles; ids that no longer exist are dropped from the index. Returns how many."""
    ids = sorted(set(article_ids))
    postgres = not _is_sqlite(engine)
    done = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        with engine.connect() as conn:
            rows = conn.execute(select(articles.c.id, articles.c.title, articles.c.lead, articles.c.text)
                                .where(articles.c.id.in_(chunk))).all()
        index_rows = lemma_rows(rows, postgres=postgres)
        try:
            with engine.begin() as conn:
                _write_index_rows(conn, chunk, index_rows)
        except IntegrityError:
            # An article deleted between the read and the write (PostgreSQL's foreign key): index the rest.
            with engine.connect() as conn:
                alive = set(conn.execute(select(articles.c.id).where(articles.c.id.in_(chunk))).scalars())
            index_rows = [r for r in index_rows if r["article_id"] in alive]
            with engine.begin() as conn:
                _write_index_rows(conn, chunk, index_rows)
        done += len(index_rows)
    return done


def index_article(engine: Engine, article_id: int) -> bool:
    """(Re)index one article after it was saved or enriched; False when it does not exist."""
    return index_articles(engine, [article_id]) == 1


def reindex_all(engine: Engine, batch: int = 500) -> int:
    """Rebuild the whole index from the articles table; returns the number of articles indexed."""
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
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(search_docs)).scalar_one())


# --- filter terms (SQLite) -------------------------------------------------------------------------------


def facet_terms(category: str | None, source_id: int | None, published_at: datetime | None) -> str:
    """An article's filter terms, as migration 0007's triggers store them in `search_docs.facets` (bulk loaders
    that bypass the triggers write this): "c<category>" (plain lower-case ASCII names only), "s<source id>",
    "y<yyyy> m<yyyymm> d<yyyymmdd>" of the publication date; "" when there is none."""
    terms = []
    if category and _PLAIN_FACET.fullmatch(category):
        terms.append("c" + category)
    if source_id is not None:
        terms.append(f"s{source_id}")
    if published_at is not None:
        y, m, d = published_at.year, published_at.month, published_at.day
        terms += [f"y{y:04d}", f"m{y:04d}{m:02d}", f"d{y:04d}{m:02d}{d:02d}"]
    return " ".join(terms)


def _day_after(day: date) -> date | None:
    return None if day == date.max else day + timedelta(days=1)


def date_range_terms(first: date, last: date) -> list[str] | None:
    """Filter terms that together cover the days `first`..`last` exactly: whole years as "y…", whole months as
    "m…", the days at either end as "d…" (at most about 80 plus the years). None when more than MAX_DATE_TERMS."""
    terms: list[str] = []
    day: date | None = first
    while day is not None and day <= last:
        if len(terms) >= MAX_DATE_TERMS:
            return None
        year_end = date(day.year, 12, 31)
        month_end = (date(day.year, day.month + 1, 1) - timedelta(days=1)) if day.month < 12 else year_end
        if day.month == 1 and day.day == 1 and year_end <= last:
            terms.append(f"y{day.year:04d}")
            day = _day_after(year_end)
        elif day.day == 1 and month_end <= last:
            terms.append(f"m{day.year:04d}{day.month:02d}")
            day = _day_after(month_end)
        else:
            terms.append(f"d{day.year:04d}{day.month:02d}{day.day:02d}")
            day = _day_after(day)
    return terms


def _facet_match(conn: Connection, query: SearchQuery) -> tuple[list[str], SearchQuery] | None:
    """The query's filters that the index applies itself, as FTS5 expressions over the `facets` column, and the
    query with only the filters left to join for. None when a filter matches no article at all."""
    terms: list[str] = []
    rest = query
    if query.category and _PLAIN_FACET.fullmatch(query.category):
        terms.append(_quote("c" + query.category))
        rest = replace(rest, category=None)
    if query.source:
        source_id = conn.execute(select(sources.c.id).where(sources.c.slug == query.source)).scalar()
        if source_id is None:
            return None
        terms.append(_quote(f"s{source_id}"))
        rest = replace(rest, source=None)
    if query.date_from or query.date_to:
        first, last = query.date_from, query.date_to
        if first is None or last is None:
            # An open end is bounded by the oldest/newest article, so the terms cover only days that exist.
            low, high = conn.execute(select(func.min(articles.c.published_at),
                                            func.max(articles.c.published_at))).one()
            if low is None or high is None:
                return None
            first, last = first or low.date(), last or high.date()
        if first > last:
            return None
        days = date_range_terms(first, last)
        if days is not None:
            terms.append("(" + " OR ".join(_quote(t) for t in days) + ")")
            rest = replace(rest, date_from=None, date_to=None)
    return terms, rest


# --- querying ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Index:
    """One backend's full-text index as query pieces: what to select from, the article id column, the match
    condition and the relevance score (lower is better on both), plus the bound parameters they need."""

    source: FromClause
    id: ColumnElement[Any]
    match: ColumnElement[Any]
    score: ColumnElement[Any]
    params: dict[str, str]


def _index_for(conn: Connection, parsed: ParsedQuery, query: SearchQuery) -> tuple[_Index, SearchQuery] | None:
    """The index query for the backend, and the query with the filters still to apply by joining `articles`
    (on SQLite the index applies category, source and dates itself). None when no article can match."""
    if _is_sqlite(conn):
        planned = _facet_match(conn, query)
        if planned is None:
            return None
        facets, rest = planned
        match = f"{_TEXT_COLUMNS} : ({parsed.match})" + "".join(f" AND facets : {f}" for f in facets)
        return _Index(search_fts, search_fts.c.rowid, _MATCH, _SCORE, {"match": match}), rest
    # The query text is a bound parameter; to_tsquery only ever sees our quoted lexemes and operators.
    tsquery = func.to_tsquery(_SIMPLE, bindparam("tsquery", type_=Text()))
    # ts_rank_cd's weights are {D, C, B, A}: body 1, lead 4, title 10, as the bm25 weights on SQLite.
    score = -func.ts_rank_cd(_PG_WEIGHTS, search_docs.c.document, tsquery, 1)
    return _Index(search_docs, search_docs.c.article_id, search_docs.c.document.op("@@")(tsquery), score,
                  {"tsquery": parsed.tsquery}), query


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
    per_page = max(1, min(query.per_page, 100))
    offset = (max(1, query.page) - 1) * per_page
    try:
        with engine.connect() as conn:
            planned = _index_for(conn, parsed, query)
            if planned is None:
                return SearchResult(query=query, hits=[], total=0)
            ranked, total = _windowed_page(conn, *planned, per_page, offset)
            details = {r.id: r for r in conn.execute(
                select(articles.c.id, articles.c.title, articles.c.lead, articles.c.text, articles.c.url,
                       articles.c.published_at, articles.c.category, sources.c.name, sources.c.slug)
                .select_from(articles.outerjoin(sources, sources.c.id == articles.c.source_id))
                # An article indexed just before a crash stays hidden until the pipeline resumes it.
                .where(articles.c.id.in_([r.id for r in ranked]), articles.c.ingested_at.is_not(None)))}
    except DBAPIError as exc:
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


def _windowed_page(conn: Connection, index: _Index, rest: SearchQuery, per_page: int,
                   offset: int) -> tuple[list[Row[Any]], int]:
    """One page of (id, score) rows and the capped number of matches, ranked among the RANK_WINDOW newest matches
    (by id, i.e. arrival) so the cost stays flat however common a word is. When filters left to join (`rest`)
    leave the page short, the window grows WINDOW_GROWTH-fold, up to every match."""
    if rest.sort == "date" and not _has_filters(rest):
        # Newest first already stops after a page (and the count at COUNT_CAP): a window would add nothing.
        return _ranked_page(conn, index, rest, None, per_page, offset)
    newest = select(index.id).select_from(index.source).where(index.match).order_by(index.id.desc())
    if not _has_filters(rest):
        # The window's ids themselves (a few thousand integers): their number is the count, so the matches are
        # walked twice (window, ranking) instead of three times (a rare phrase of common words walks them all).
        ids = conn.execute(newest.limit(RANK_WINDOW), index.params).scalars().all()
        floor = ids[-1] if len(ids) == RANK_WINDOW else None
        return _ranked_page(conn, index, rest, floor, per_page, offset, known_total=len(ids))
    window = RANK_WINDOW
    while True:
        floor = conn.execute(newest.limit(1).offset(window - 1), index.params).scalar()
        ranked, total = _ranked_page(conn, index, rest, floor, per_page, offset)
        if floor is None or len(ranked) >= per_page:
            return ranked, total
        window *= WINDOW_GROWTH


def _ranked_page(conn: Connection, index: _Index, query: SearchQuery, floor: int | None, per_page: int,
                 offset: int, known_total: int | None = None) -> tuple[list[Row[Any]], int]:
    """One page of (id, score) rows and the number of matches (capped; `known_total` when the caller counted
    them), within id >= floor when given; the query's filters are applied by joining `articles`.

    "By date" means newest arrivals first: the index walks its article ids backwards and stops early.
    """
    window = [index.id >= floor] if floor is not None else []
    # By date, the id alone: FTS5 then walks its doclists backwards and stops after a page (a second ORDER BY term,
    # even the same one, makes SQLite sort every match).
    order = [index.score, index.id.desc()] if query.sort == "relevance" else [index.id.desc()]
    if _has_filters(query):
        joined = index.source.join(articles, articles.c.id == index.id)
        stmt = _filtered(select(index.id.label("id"), index.score.label("score")).select_from(joined)
                         .where(index.match, *window), query)
        counted = _filtered(select(literal_column("1")).select_from(joined).where(index.match, *window), query)
    else:
        # Nothing needed from the articles table: no join until the page is known.
        stmt = select(index.id.label("id"), index.score.label("score")).select_from(index.source).where(
            index.match, *window)
        counted = select(literal_column("1")).select_from(index.source).where(index.match, *window)
    rows = list(conn.execute(stmt.order_by(*order).limit(per_page).offset(offset),
                             index.params).all())
    if known_total is not None:
        return rows, known_total
    count_stmt = select(func.count()).select_from(counted.limit(COUNT_CAP + 1).subquery())
    return rows, int(conn.execute(count_stmt, index.params).scalar_one())
