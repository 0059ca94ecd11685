"""Fuzzing the feed stage: parse_feed, sitemaps, OPML import and feed dates with 1,000 malformed inputs each.

Every input must give either a documented error (FeedError, whose message says what went wrong) or a well-formed
best-effort result; no other exception, no expanded entity, no read file, no request to the canary server.
"""

from __future__ import annotations

import math
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from nasty_inputs import CANARY, FEED_SEEDS, SECRET_LINE, XML_SEEDS, dates, documents
from pytest_httpserver import HTTPServer

from svodka.feeds.dates import sort_key, to_iso8601
from svodka.feeds.errors import FeedError
from svodka.feeds.opml import read_opml
from svodka.feeds.parse import parse_feed
from svodka.feeds.sitemap import parse_sitemap
from svodka.models import FeedEntry, FeedLink, ParsedFeed

FUZZ = settings(max_examples=1000, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture, HealthCheck.large_base_example])
FEED_URL = "https://news.example.kz/rss"
KINDS = {"rss", "atom", "rdf", "sitemap", "sitemapindex"}




def assert_inert(result: object) -> None:
    """No entity was expanded and no local file leaked into the result."""
    dumped = repr(result)
    assert "lollol" not in dumped and "aaaaaaaaaaaaaaaaaaaa" * 50 not in dumped
    if SECRET_LINE:
        assert SECRET_LINE not in dumped


def assert_iso_or_none(value: str | None) -> None:
    if value is not None:
        assert isinstance(value, str)
        parsed = datetime.fromisoformat(value)
        assert 1990 <= parsed.year <= 2100, value


def assert_http(value: str | None, *, optional: bool = True) -> None:
    if value is None:
        assert optional
        return
    assert isinstance(value, str), value
    parts = urlsplit(value)
    assert parts.scheme.lower() in ("http", "https") and parts.hostname, value


def assert_text(value: str | None) -> None:
    """None or a trimmed, non-empty string without NUL (which PostgreSQL refuses in text columns)."""
    assert value is None or (isinstance(value, str) and value.strip() == value and value != "")
    assert value is None or "\x00" not in value


def assert_parsed_feed(feed: ParsedFeed, max_items: int) -> None:
    assert isinstance(feed, ParsedFeed)
    assert feed.kind in KINDS
    assert_text(feed.title)
    assert_http(feed.site_url)
    assert feed.ttl_minutes is None or (isinstance(feed.ttl_minutes, int) and feed.ttl_minutes > 0)
    assert len(feed.entries) <= max_items and len(feed.children) <= max_items
    for child in feed.children:
        assert_http(child, optional=False)
    assert len({entry.url for entry in feed.entries}) == len(feed.entries) or feed.kind == "sitemap"
    for entry in feed.entries:
        assert isinstance(entry, FeedEntry)
        assert_http(entry.url, optional=False)
        assert_http(entry.image_url)
        assert_iso_or_none(entry.published)
        for text in (entry.title, entry.summary):
            assert_text(text)
        assert all(isinstance(item, str) and item for item in entry.categories + entry.authors)
    assert_inert(feed)


def _with_canary(body: bytes, canary: str) -> bytes:
    return body.replace(CANARY, canary.encode())


@pytest.fixture
def canary(httpserver: HTTPServer) -> str:
    """The URL of a local server no parser may request (hostile documents name it in entities and DTDs)."""
    return httpserver.url_for("/")


@FUZZ
@given(body=documents(FEED_SEEDS), max_items=st.sampled_from([1, 3, 200]),
       content_type=st.sampled_from([None, "application/rss+xml; charset=windows-1251", "text/xml; charset=bogus",
                                     "application/xml; charset=utf-16", "text/html"]))
def test_parse_feed_gives_a_feed_or_a_feed_error(canary: str, httpserver: HTTPServer, body: bytes, max_items: int,
                                                 content_type: str | None) -> None:
    try:
        feed = parse_feed(_with_canary(body, canary), FEED_URL, max_items=max_items, content_type=content_type)
    except FeedError as error:
        assert str(error)
        event("FeedError")
    else:
        assert_parsed_feed(feed, max_items)
        event(f"a {feed.kind} with entries" if feed.entries or feed.children else f"an empty {feed.kind}")
    assert not httpserver.log, "a feed made the parser contact the network"


@FUZZ
@given(body=documents(FEED_SEEDS[3:] + FEED_SEEDS[:1]), max_items=st.sampled_from([1, 200]))
def test_parse_sitemap_gives_a_sitemap_or_a_feed_error(canary: str, httpserver: HTTPServer, body: bytes,
                                                       max_items: int) -> None:
    try:
        feed = parse_sitemap(_with_canary(body, canary), max_items=max_items)
    except FeedError as error:
        assert str(error)
        event("FeedError")
    else:
        event("entries" if feed.entries or feed.children else "empty")
        assert feed.kind in ("sitemap", "sitemapindex")
        assert_parsed_feed(feed, max_items)
    assert not httpserver.log


@FUZZ
@given(body=documents(XML_SEEDS[-1:] * 3 + XML_SEEDS[:1]))
def test_read_opml_gives_links_or_a_feed_error(canary: str, httpserver: HTTPServer, body: bytes) -> None:
    try:
        links = read_opml(_with_canary(body, canary))
    except FeedError as error:
        assert str(error)
        event("FeedError")
    else:
        event("links" if links else "no links")
        assert isinstance(links, list)
        for link in links:
            assert isinstance(link, FeedLink)
            assert_http(link.feed_url, optional=False)
            assert_http(link.site_url)
            for text in (link.title, link.timezone, link.category):
                assert text is None or (isinstance(text, str) and text)
        assert_inert(links)
    assert not httpserver.log


@FUZZ
@given(raw=dates("feed"))
def test_feed_dates_are_iso_in_range_or_none(raw: str) -> None:
    value = to_iso8601(raw)
    assert_iso_or_none(value)
    event("a date" if value else "None")
    key = sort_key(value)
    assert isinstance(key, float) and (math.isfinite(key) or value is None)
    assert sort_key(raw) is not None  # any string, even one that is no date, orders somewhere
