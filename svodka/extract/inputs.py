"""Inputs of `svodka extract`: local `.html` / `.html.gz` files, or URLs fetched through `svodka.fetch`."""

from __future__ import annotations

import asyncio
import gzip
from dataclasses import dataclass
from pathlib import Path

from svodka.settings import Settings


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
            data = gzip.decompress(data)
    except (OSError, EOFError) as exc:
        return PageInput(argument, page_url, error=f"cannot read {argument}: {exc}")
    return PageInput(argument, page_url, html=data)


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
