"""Errors of the feed stage."""

from __future__ import annotations


class FeedError(ValueError):
    """Base of every error raised by `svodka.feeds`."""


class FeedParseError(FeedError):
    """Nothing usable came out of a body that was supposed to be a feed, sitemap or OPML document."""
