"""Fuzzing the search query parser with 1,000 queries: what `parse_query` renders is valid syntax for both engines.

Any text a reader (or an attacker) types, with our operators, FTS5's and tsquery's, quotes, junk characters, must
give a ParsedQuery that SQLite FTS5 and PostgreSQL accept: `search()` answers with hits or none, never with the
"could not parse" error, and its highlighted HTML holds no markup but <mark>.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from nasty_inputs import queries
from sqlalchemy import Engine
from web_fixtures import XSS_TITLE, populate

from svodka.store.db import open_database
from svodka.store.search import MAX_TERMS, ParsedQuery, SearchQuery, highlight, parse_query, search, snippet

FUZZ = settings(max_examples=1000, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
_MARKUP = re.compile(r"<(?!/?mark>)")


@pytest.fixture
def engine(backend_url: str):  # type: ignore[no-untyped-def]
    engine = open_database(backend_url)
    populate(engine)
    yield engine
    engine.dispose()


def assert_escaped(html: str) -> None:
    assert not _MARKUP.search(html), html


@FUZZ
@given(text=queries())
def test_parsed_queries_are_well_formed(text: str) -> None:
    parsed = parse_query(text)
    assert isinstance(parsed, ParsedQuery) and isinstance(parsed.match, str) and isinstance(parsed.tsquery, str)
    assert parsed.empty == (parsed.match == "") == (parsed.tsquery == "")
    assert sum(not clause.negated for clause in parsed.clauses) <= MAX_TERMS
    # Quotes are balanced in the FTS5 string: a term can never break out of its quoting.
    assert parsed.match.count('"') % 2 == 0
    for source in (text, XSS_TITLE, "Токаев провёл переговоры"):
        html, _ = highlight(source, parsed, width=60)
        assert_escaped(html)
    assert_escaped(snippet(XSS_TITLE, text, parsed))


@FUZZ
@given(text=queries())
def test_every_query_runs_on_both_backends(engine: Engine, text: str) -> None:
    result = search(engine, SearchQuery(text=text))
    assert result.error is None, (text, parse_query(text).match, parse_query(text).tsquery)
    for hit in result.hits:
        assert_escaped(hit.title_html)
        assert_escaped(hit.snippet_html)
