"""Fuzzing extraction: extract_article, page dates and Russian relative times with 1,000 malformed inputs each.

A page gives an Article whose fields have the documented types, or NotAnArticle; a date gives an aware moment in a
sane range, or None. Nothing else may escape.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from nasty_inputs import HTML_SEEDS, XML_SEEDS, dates, documents
from pytest_httpserver import HTTPServer

from svodka.extract.article import NotAnArticle, extract_article
from svodka.extract.dates import to_iso
from svodka.extract.relative_time import resolve_relative_time
from svodka.models import Article, Block, Image, SourceRef

FUZZ = settings(max_examples=1000, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture, HealthCheck.large_base_example])
FETCHED_AT = datetime(2024, 11, 25, 12, 0, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Almaty")
BLOCK_KINDS = {"heading", "paragraph", "quote", "list"}


def _optional_text(value: object) -> None:
    assert value is None or (isinstance(value, str) and "\x00" not in value), repr(value)


def _moment(value: str | None) -> None:
    """None or an ISO 8601 string with an offset, in the years a news page can have."""
    if value is None:
        return
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None and 1990 <= parsed.year <= 2100, value


def assert_article(article: Article, url: str) -> None:
    assert isinstance(article, Article) and article.url == url
    assert isinstance(article.text, str) and "\x00" not in article.text
    for value in (article.canonical_url, article.title, article.lead, article.section, article.language):
        _optional_text(value)
    _moment(article.published)
    _moment(article.modified)
    for block in article.blocks:
        assert isinstance(block, Block) and block.kind in BLOCK_KINDS and isinstance(block.text, str)
    for names in (article.authors, article.credits, article.site_tags):
        assert isinstance(names, list) and all(isinstance(name, str) and name for name in names)
    if article.image is not None:
        assert isinstance(article.image, Image) and isinstance(article.image.url, str)
    if article.source is not None:
        assert isinstance(article.source, SourceRef) and isinstance(article.source.name, str)
    article.to_dict()  # what `svodka extract` prints


@FUZZ
@given(page=documents(HTML_SEEDS * 3 + XML_SEEDS[:1]), as_text=st.booleans(),
       timezone=st.sampled_from([None, "Asia/Tashkent", "UTC"]))
def test_extract_article_gives_an_article_or_not_an_article(httpserver: HTTPServer, page: bytes, as_text: bool,
                                                            timezone: str | None) -> None:
    url = "https://news.example.kz/news/1"
    html: str | bytes = page.decode("utf-8", "replace") if as_text else page
    try:
        article = extract_article(html, url, fetched_at=FETCHED_AT, timezone=timezone)
    except NotAnArticle as error:
        assert error.reason and error.url == url
        event(f"NotAnArticle: {error.reason}")
    else:
        assert_article(article, url)
        event("an article with text" if article.text else "an article without text")
    assert not httpserver.log


@FUZZ
@given(raw=dates("machine"))
def test_machine_dates_are_aware_and_in_range_or_none(raw: str) -> None:
    value = to_iso(raw, ZONE)
    _moment(value)
    event("a date" if value else "None")


@FUZZ
@given(text=dates("relative"), now=st.datetimes(min_value=datetime(1995, 1, 1), max_value=datetime(2090, 1, 1),
                                      timezones=st.sampled_from([UTC, ZONE, None])))
def test_relative_times_resolve_to_an_aware_moment_or_none(text: str, now: datetime) -> None:
    found = resolve_relative_time(text, now, ZONE)
    event("a moment" if found else "None")
    assert found is None or (isinstance(found, datetime) and found.tzinfo is not None)
    if found is not None:
        assert 1900 <= found.year <= 2100
