"""Per-client rate limiting of search and the JSON API: token buckets in this process, answered with 429.

An in-process bucket rather than the `limits` package: `limits` offers fixed and moving windows (not a token
bucket, which allows a burst then a steady rate) and a storage layer we do not need with one server process.
With several server processes each keeps its own buckets, so a client gets the limit once per process.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# Paths whose cost is a search; everything else under /api/ counts against the API bucket.
SEARCH_PATHS = ("/search", "/search/feed.xml", "/search/feed.atom", "/api/search")
MAX_CLIENTS = 50_000


@dataclass
class Limit:
    """`per_minute` requests a minute on average after a burst of `burst`; per_minute 0 means no limit."""

    per_minute: int
    burst: int

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0


class TokenBuckets:
    """One bucket per client key. `take` answers 0 when the request may go on, else the seconds to wait."""

    def __init__(self, limit: Limit, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = MAX_CLIENTS) -> None:
        self.capacity = float(max(1, limit.burst))
        self.rate = limit.per_minute / 60.0
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, time of last update)

    def take(self, key: str) -> int:
        now = self.clock()
        tokens, last = self._buckets.pop(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        wait = 0 if tokens >= 1 else max(1, math.ceil((1 - tokens) / self.rate))
        if not wait:
            tokens -= 1
        self._buckets[key] = (tokens, now)  # re-inserted last: the dict stays ordered by last use
        if len(self._buckets) > self.max_clients:
            self._forget_idle()
        return wait

    def _forget_idle(self) -> None:
        """Drop the least recently seen half: an idle client's bucket is (nearly) full again anyway."""
        for key in list(self._buckets)[: len(self._buckets) // 2]:
            del self._buckets[key]


def parse_networks(value: str) -> list[Network]:
    """`"10.0.0.1, 192.168.0.0/16"` as networks; a malformed entry is an error at start-up, not a silent hole."""
    return [ipaddress.ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip()]


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


def client_key(scope: Scope, trusted: list[Network]) -> str:
    """The client's address: the peer's, or, when the peer is a trusted proxy, the nearest untrusted address in
    X-Forwarded-For (read right to left, since a client can put anything at the left end)."""
    peer = (scope.get("client") or ("unknown", 0))[0]
    address = _address(peer)
    if address is None or not any(address in net for net in trusted):
        return peer
    forwarded = b",".join(v for k, v in scope.get("headers", []) if k.lower() == b"x-forwarded-for")
    hops = [_address(h) for h in forwarded.decode("latin-1").split(",") if h.strip()]
    for hop in reversed(hops):
        if hop is None:
            break  # a malformed hop: everything left of it is untrustworthy; the last good hop stands
        address = hop
        if not any(hop in net for net in trusted):
            break
    return str(address)


class RateLimitMiddleware:
    """Pure ASGI: counts search and /api/ requests per client, answers `reject(request, retry_after)` over limit."""

    def __init__(self, app: ASGIApp, search: Limit, api: Limit, trusted_proxies: str,
                 reject: Callable[[Request, int], Response]) -> None:
        self.app = app
        self.search = TokenBuckets(search) if search.enabled else None
        self.api = TokenBuckets(api) if api.enabled else None
        self.trusted = parse_networks(trusted_proxies)
        self.reject = reject

    def _buckets_for(self, path: str) -> TokenBuckets | None:
        if path in SEARCH_PATHS:
            return self.search
        if path.startswith("/api/"):
            return self.api
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        buckets = self._buckets_for(scope["path"]) if scope["type"] == "http" else None
        if buckets is not None:
            wait = buckets.take(client_key(scope, self.trusted))
            if wait:
                await self.reject(Request(scope), wait)(scope, receive, send)
                return
        await self.app(scope, receive, send)
