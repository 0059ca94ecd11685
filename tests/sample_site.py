"""The article pages and RSS feeds that crawl and fault tests serve from their local sites.

Each test writes its own paragraphs: near-duplicate detection would fold pages whose texts are alike.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime


def article_page(title: str, paragraphs: list[str], published: datetime | None = None, *,
                 byline: str | None = None, related: bool = False) -> str:
    """A news article page: title and og:title, the publication time, the headline, a byline, the paragraphs."""
    head = f'<meta property="og:title" content="{title}">'
    if published is not None:
        head += f'<meta property="article:published_time" content="{published.isoformat()}">'
    body = f'<div class="byline">{byline}</div>' if byline else ""
    body += "".join(f"<p>{p}</p>" for p in paragraphs)
    if related:
        body += '<div class="related">Читайте также: <a href="/x">Другое</a></div>'
    return (f'<html lang="ru"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
            f"<body><article><h1>{title}</h1>{body}</article></body></html>")


def rss_feed(base: str, items: list[tuple[str, str, datetime]], *, title: str = "Тест",
             ttl: int | None = None) -> str:
    """An RSS 2.0 feed of (path, title, published) items under `base`."""
    entries = "".join(f"<item><title>{item_title}</title><link>{base}{path}</link>"
                      f"<pubDate>{format_datetime(published)}</pubDate></item>"
                      for path, item_title, published in items)
    ttl_tag = f"<ttl>{ttl}</ttl>" if ttl else ""
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>{base}/</link>{ttl_tag}{entries}</channel></rss>")
