"""Feeds in: RSS/Atom/RDF and sitemap parsing, OPML, feed discovery, URL canonicalisation and slugs.

Pure functions over bytes and strings; the fetcher and the store are wired to them elsewhere.

- `parse.parse_feed(body, url, max_items=200)` -> ParsedFeed (sitemaps via `sitemap.parse_sitemap`)
- `opml.read_opml(data)` / `opml.write_opml(links, title)`
- `discovery.discover_feed_links(html, base_url)`, `discovery.looks_like_feed(body)`, `COMMON_FEED_PATHS`
- `urls.canonicalize_url(url)`, `urls.host_of(url)`, `slugs.slugify(text)`
- `errors.FeedError` (base) and `errors.FeedParseError`

Submodules are imported directly so that, say, `slugify` does not pull in feedparser.
"""
