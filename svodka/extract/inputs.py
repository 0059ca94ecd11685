"""Inputs of `svodka extract`: local `.html` / `.html.gz` files, or URLs fetched through `svodka.fetch`."""

from __future__ import annotations

import asyncio
import zlib
from dataclasses import dataclass
from pathlib import Path

from svodka.settings import Settings

# No news page unpacks to more than this; a gzip bomb would (and would take the memory with it).
MAX_PAGE_BYTES = 64 * 1024 * 1024


@dataclass
class PageInput:
    """One page to extract, or the error that kept it from being read."""

    argument: str
    url: str
    html: str | bytes | None = None
    error: str | None = None


def is_url(argument: str) -> bool:
    return argument.startswith(("http://", "https://"))


def read_file(argument: str, url: str | None = None) -> PageInput:
    """Read a local page; gzip is detected by content. Its URL is `url` or the file's file:// URI."""
    path = Path(argument)
    page_url = url or path.resolve().as_uri()
    if not path.is_file():
        return PageInput(argument, page_url, error=f"no such file: {argument}")
    try:
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gunzip_page(data)
    except (OSError, EOFError, ValueError, zlib.error) as exc:
        return PageInput(argument, page_url, error=f"cannot read {argument}: {exc}")
    return PageInput(argument, page_url, html=data)


def gunzip_page(data: bytes, limit: int = MAX_PAGE_BYTES) -> bytes:
    """The unpacked bytes of a gzipped page. Raises ValueError for a truncated file or one that unpacks to more
    than `limit` bytes (a gzip bomb: 10 MB of zeros packs into 10 KB), zlib.error for corrupt data."""
    unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
    data = unpacker.decompress(data, limit + 1)
    if len(data) > limit:
        raise ValueError(f"unpacks to more than {limit} bytes")
    if not unpacker.eof:
        raise ValueError("truncated gzip data")
    return data


def fetch_urls(urls: list[str], settings: Settings) -> list[PageInput]:
    """Fetch pages politely with the project's Fetcher (SSRF guard, robots.txt, size limits)."""
    from svodka.fetch import Fetcher, FetchError

    async def run() -> list[PageInput]:
        async with Fetcher(settings) as fetcher:
            async def one(url: str) -> PageInput:
                try:
                    result = await fetcher.fetch(url, accept="text/html,application/xhtml+xml")
                except FetchError as exc:
                    return PageInput(url, url, error=f"fetch failed ({exc.kind}): {exc.message}")
                return PageInput(url, result.final_url or url, html=result.text or result.body)

            return list(await asyncio.gather(*(one(url) for url in urls)))

    return asyncio.run(run())
