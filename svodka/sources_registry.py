"""Registering sources: from a feed or site URL (with feed discovery) and from OPML."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from svodka.feeds.discovery import candidate_feed_urls, discover_feed_links, looks_like_feed
from svodka.feeds.opml import read_opml, write_opml
from svodka.feeds.parse import FeedParseError, parse_feed
from svodka.fetch.client import Fetcher
from svodka.fetch.errors import FetchError
from svodka.models import FeedLink, Source
from svodka.store import sources as store_sources

log = logging.getLogger(__name__)


class DiscoveryError(Exception):
    """No feed could be found at or under the given URL."""


@dataclass
class FoundFeed:
    url: str
    kind: str
    title: str | None


async def find_feed(fetcher: Fetcher, url: str) -> FoundFeed:
    """The feed at `url`, or the first feed the page links to, or one at a common path of its site."""
    try:
        result = await fetcher.fetch(url)
    except FetchError as error:
        raise DiscoveryError(f"{url}: {error}") from error
    if looks_like_feed(result.body):
        parsed = parse_feed(result.body, result.final_url)
        return FoundFeed(result.final_url, parsed.kind, parsed.title)
    candidates = discover_feed_links(result.text, result.final_url)
    candidates += candidate_feed_urls(result.final_url)
    for candidate in dict.fromkeys(candidates):
        try:
            found = await fetcher.fetch(candidate)
            if looks_like_feed(found.body):
                parsed = parse_feed(found.body, found.final_url)
                return FoundFeed(found.final_url, parsed.kind, parsed.title)
        except (FetchError, FeedParseError) as error:
            log.debug("no feed at %s: %s", candidate, error)
    raise DiscoveryError(f"no RSS/Atom feed or sitemap found at {url}")


async def add_source_from_url(
    engine: Engine, fetcher: Fetcher, url: str, *, name: str | None = None, timezone: str | None = None
) -> tuple[Source, bool]:
    found = await find_feed(fetcher, url)
    return store_sources.add_source(
        engine, found.url, name=name or found.title, site_url=None if found.url == url else url,
        kind=found.kind, timezone=timezone, now=datetime.now(UTC).replace(tzinfo=None))


def import_opml(engine: Engine, data: bytes) -> tuple[int, int]:
    """Add every feed of an OPML document; returns (added, already known)."""
    added = known = 0
    now = datetime.now(UTC).replace(tzinfo=None)
    for link in read_opml(data):
        _, created = store_sources.add_source(engine, link.feed_url, name=link.title, site_url=link.site_url,
                                              timezone=link.timezone, category=link.category, now=now)
        added += created
        known += not created
    return added, known


def export_opml(engine: Engine) -> bytes:
    links = [FeedLink(feed_url=s.feed_url, title=s.name, site_url=s.site_url, timezone=s.timezone,
                      category=s.category) for s in store_sources.list_sources(engine, active_only=True)]
    return write_opml(links, title="svodka sources")
