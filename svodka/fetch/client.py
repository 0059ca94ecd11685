"""The one HTTP client of svodka: polite (robots.txt, per-host limits), bounded (time, size, redirects) and safe.

    async with Fetcher(settings) as fetcher:
        result = await fetcher.fetch(url, etag=feed.etag, last_modified=feed.last_modified)
        if not result.not_modified: ... result.text ...

Every failure is a FetchError subclass with a stable `kind`; see errors.py.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from dataclasses import dataclass
from types import TracebackType

import httpx

from svodka import USER_AGENT
from svodka.fetch.charset import decode_html
from svodka.fetch.decompress import SUPPORTED_ENCODINGS, BoundedDecoder
from svodka.fetch.errors import (
    ConnectionFailed,
    FetchError,
    FetchTimeout,
    HttpStatusError,
    InvalidUrl,
    TooLarge,
    TooManyRedirects,
)
from svodka.fetch.freshness import parse_max_age, parse_retry_after
from svodka.fetch.guard import AddressGuard
from svodka.fetch.politeness import HostGate
from svodka.fetch.robots import ROBOTS_MAX_BYTES, RobotsCache
from svodka.fetch.transport import GuardedTransport
from svodka.settings import Settings

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# One hop (connect, headers and the whole body) must end within this many request timeouts: stops slow trickles.
HOP_DEADLINE_FACTOR = 3
DEFAULT_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,application/rss+xml,*/*;q=0.8"
_TEXT_MARKERS = ("text/", "xml", "json", "html", "javascript")


@dataclass
class FetchResult:
    """A successful fetch (2xx, or 304 with `not_modified`). `url` is what was asked for, `final_url` after redirects.

    `etag` and `last_modified` are verbatim server values to store and send back next time (on a 304 without them,
    the ones we sent are echoed). `retry_after` and `max_age` are seconds or None; `elapsed` is the wall time of the
    whole fetch, politeness waits included. `text`/`encoding` are empty for non-textual content types.
    """

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    text: str
    encoding: str
    etag: str | None
    last_modified: str | None
    not_modified: bool
    retry_after: int | None
    max_age: int | None
    elapsed: float


@dataclass
class _Hop:
    url: httpx.URL
    status: int
    headers: dict[str, str]
    body: bytes


class Fetcher:
    """Async fetcher sharing one httpx.AsyncClient; use as `async with Fetcher(settings) as f:` or call close().

    `guard` overrides the SSRF policy built from `settings.allow_private_networks` (tests inject a resolver);
    `ssl_context` replaces the default certifi-based verification (e.g. to trust a private CA).
    """

    def __init__(self, settings: Settings, *, guard: AddressGuard | None = None, user_agent: str = USER_AGENT,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self.guard = guard or AddressGuard(allow_private=settings.allow_private_networks)
        self._client = httpx.AsyncClient(
            transport=GuardedTransport(self.guard, ssl_context=ssl_context,
                                       max_connections=max(settings.total_concurrency * 2, 10)),
            timeout=httpx.Timeout(settings.request_timeout),
            follow_redirects=False,
            trust_env=False,  # a proxy from the environment would bypass the address check of the real target
            headers={"User-Agent": user_agent, "Accept-Encoding": SUPPORTED_ENCODINGS},
        )
        self._gates: dict[str, HostGate] = {}
        self._global = asyncio.Semaphore(max(1, settings.total_concurrency))
        self.robots = RobotsCache(self._fetch_robots_file)

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    async def close(self) -> None:
        await self._client.aclose()

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
                    accept: str | None = None, check_robots: bool = True) -> FetchResult:
        """GET `url` (conditionally if etag/last_modified are given); raises a FetchError subclass on failure."""
        started = time.monotonic()
        try:
            return await self._fetch(url, etag=etag, last_modified=last_modified, accept=accept,
                                     check_robots=check_robots, started=started,
                                     limit=self.settings.max_response_bytes, truncate=False)
        except FetchError as exc:
            exc.url = exc.url or url
            logger.warning("fetch failed: %s [%s] %s", url, exc.kind, exc.message)
            raise

    async def _fetch(self, url: str, *, etag: str | None, last_modified: str | None, accept: str | None,
                     check_robots: bool, started: float, limit: int, truncate: bool) -> FetchResult:
        current = parse_fetch_url(url)
        headers = {"Accept": accept or DEFAULT_ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for _hop in range(self.settings.max_redirects + 1):
            self.guard.check_literal(current.host)
            if check_robots:
                rules = await self.robots.rules_for(current)
                if not rules.can_fetch(str(current)):
                    raise rules.refusal(str(current))
            hop = await self._request(current, headers, limit=limit, truncate=truncate)
            if hop.status not in REDIRECT_STATUSES:
                return self._result(url, hop, started=started, sent_etag=etag, sent_last_modified=last_modified)
            location = hop.headers.get("location")
            if not location:
                raise HttpStatusError(f"HTTP {hop.status} without Location", url=url, status=hop.status)
            try:
                target = str(current.join(location))
            except (httpx.InvalidURL, ValueError) as exc:
                raise InvalidUrl(f"bad redirect Location {location!r}: {exc}", url=url) from exc
            current = parse_fetch_url(target)
        raise TooManyRedirects(f"more than {self.settings.max_redirects} redirects", url=url)

    def _gate(self, url: httpx.URL) -> HostGate:
        key = f"{url.host}:{url.port or (443 if url.scheme == 'https' else 80)}"
        gate = self._gates.get(key)
        if gate is None:
            gate = self._gates[key] = HostGate(self.settings.per_host_concurrency)
        return gate

    async def _request(self, url: httpx.URL, headers: dict[str, str], *, limit: int, truncate: bool) -> _Hop:
        delay = max(self.settings.per_host_delay, self.robots.crawl_delay(url) or 0.0)
        # Host slot first, global slot second: requests queued for a busy host do not hold global capacity.
        deadline = self.settings.request_timeout * HOP_DEADLINE_FACTOR
        async with self._gate(url).slot(delay), self._global:
            try:
                async with asyncio.timeout(deadline):
                    async with self._client.stream("GET", url, headers=headers) as response:
                        return await self._read(response, limit=limit, truncate=truncate)
            except TimeoutError as exc:
                raise FetchTimeout(f"no complete response within {deadline:g} s", url=str(url)) from exc
            except httpx.TimeoutException as exc:
                raise FetchTimeout(f"timed out: {type(exc).__name__}", url=str(url)) from exc
            except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                raise InvalidUrl(str(exc), url=str(url)) from exc
            except (httpx.HTTPError, OSError) as exc:  # OSError covers ssl.SSLError too
                raise ConnectionFailed(f"{type(exc).__name__}: {exc}", url=str(url)) from exc

    async def _read(self, response: httpx.Response, *, limit: int, truncate: bool) -> _Hop:
        headers = _header_dict(response.headers)
        status = response.status_code
        hop = _Hop(url=response.url, status=status, headers=headers, body=b"")
        if status in REDIRECT_STATUSES or status == 304 or status >= 400:
            return hop  # bodies of these are never used; closing the stream drops the connection instead
        announced = _content_length(headers)
        if announced is not None and announced > limit and not truncate:
            raise TooLarge(f"Content-Length {announced} exceeds {limit} bytes", limit=limit, seen=0)
        decoder = BoundedDecoder(headers.get("content-encoding"), limit)
        try:
            async for chunk in response.aiter_raw():
                decoder.feed(chunk)
            hop.body = decoder.finish()
        except TooLarge:
            if not truncate:
                raise
            hop.body = decoder.truncated()
        return hop

    def _result(self, url: str, hop: _Hop, *, started: float, sent_etag: str | None,
                sent_last_modified: str | None) -> FetchResult:
        retry_after = parse_retry_after(hop.headers.get("retry-after"))
        if hop.status >= 400:
            raise HttpStatusError(f"HTTP {hop.status}", url=url, status=hop.status, retry_after=retry_after)
        not_modified = hop.status == 304
        content_type = hop.headers.get("content-type")
        text, encoding = ("", "")
        if hop.body and _is_textual(content_type):
            text, encoding = decode_html(hop.body, content_type)
        etag = hop.headers.get("etag") or (sent_etag if not_modified else None)
        last_modified = hop.headers.get("last-modified") or (sent_last_modified if not_modified else None)
        return FetchResult(url=url, final_url=str(hop.url), status=hop.status, headers=hop.headers, body=hop.body,
                           text=text, encoding=encoding, etag=etag, last_modified=last_modified,
                           not_modified=not_modified, retry_after=retry_after,
                           max_age=parse_max_age(hop.headers.get("cache-control")),
                           elapsed=time.monotonic() - started)

    async def _fetch_robots_file(self, robots_url: str) -> tuple[int, str]:
        result = await self._fetch(robots_url, etag=None, last_modified=None, accept="text/plain",
                                   check_robots=False, started=time.monotonic(), limit=ROBOTS_MAX_BYTES,
                                   truncate=True)
        # RFC 9309 §2.3: robots.txt is UTF-8.
        return result.status, result.body.decode("utf-8", errors="replace")


def parse_fetch_url(url: str) -> httpx.URL:
    """An absolute http(s) URL with a host, or InvalidUrl."""
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise InvalidUrl(f"not a valid URL: {exc}", url=url) from exc
    if parsed.scheme not in {"http", "https"}:
        raise InvalidUrl(f"only http and https URLs are fetched, not {parsed.scheme or 'a relative URL'!r}", url=url)
    if not parsed.host:
        raise InvalidUrl("URL has no host", url=url)
    # httpx percent-encodes what cannot be in a host name instead of refusing it.
    if "%" in parsed.host or any(c.isspace() for c in parsed.host):
        raise InvalidUrl(f"invalid host {parsed.host!r}", url=url)
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise InvalidUrl(f"invalid port {parsed.port}", url=url)
    return parsed.copy_with(fragment=None)


def _header_dict(headers: httpx.Headers) -> dict[str, str]:
    merged: dict[str, str] = {}
    for name, value in headers.multi_items():
        key = name.lower()
        merged[key] = f"{merged[key]}, {value}" if key in merged else value
    return merged


def _content_length(headers: dict[str, str]) -> int | None:
    value = headers.get("content-length", "").split(",")[0].strip()
    return int(value) if value.isdigit() else None


def _is_textual(content_type: str | None) -> bool:
    if not content_type:
        return True
    lowered = content_type.lower()
    return any(marker in lowered for marker in _TEXT_MARKERS)
