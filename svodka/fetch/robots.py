"""robots.txt per RFC 9309, parsed by protego, fetched once per origin and cached.

Outcomes of fetching /robots.txt: 2xx → parse the rules; 4xx (except 429) → "unavailable", everything allowed;
5xx, 429 or unreachable → "unreachable", everything disallowed for a while, or the last good copy kept if we have one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from protego import Protego

from svodka.fetch.errors import (
    BlockedAddress,
    ConnectionFailed,
    FetchError,
    FetchTimeout,
    HttpStatusError,
    RobotsDisallowed,
    TooManyRedirects,
)

logger = logging.getLogger(__name__)

# The product token we match in robots.txt (RFC 9309 §2.2.1): our User-Agent's first word.
ROBOTS_TOKEN = "svodka"
ROBOTS_TTL = 24 * 3600
# After a 5xx or network failure we keep "disallow all" (or the last good rules) this long, then try again.
ROBOTS_ERROR_TTL = 3600
# RFC 9309 §2.5: parse at least 500 KiB; anything beyond is ignored.
ROBOTS_MAX_BYTES = 512 * 1024
# A Crawl-delay larger than this is treated as this, so a typo cannot silence a source for hours per request.
MAX_CRAWL_DELAY = 600.0

# robots.txt URL -> (status, text); raises FetchError on failure.
RobotsFetch = Callable[[str], Awaitable[tuple[int, str]]]


@dataclass
class RobotsRules:
    """What we know about one origin's robots.txt."""

    parser: Protego | None
    # "allow" (no usable file), "disallow" (server/network trouble) or "rules" (use the parser).
    mode: str
    expires_at: float
    # Why robots.txt could not be read (mode "disallow"), to tell "site down" from "site says no".
    failure: FetchError | None = None

    def can_fetch(self, url: str) -> bool:
        if self.mode == "allow":
            return True
        if self.mode == "disallow" or self.parser is None:
            return False
        return bool(self.parser.can_fetch(url, ROBOTS_TOKEN))

    def refusal(self, url: str) -> FetchError:
        """The error to raise for a URL that can_fetch() refused."""
        if isinstance(self.failure, ConnectionFailed | FetchTimeout):
            return type(self.failure)(f"robots.txt unreachable: {self.failure.message}", url=url)
        if self.failure is not None:
            return RobotsDisallowed(f"robots.txt unavailable ({self.failure.message}), not fetching for now", url=url)
        return RobotsDisallowed(f"robots.txt disallows {url}", url=url)

    def crawl_delay(self) -> float | None:
        if self.mode != "rules" or self.parser is None:
            return None
        delay = self.parser.crawl_delay(ROBOTS_TOKEN)
        return None if delay is None else min(float(delay), MAX_CRAWL_DELAY)


def origin_of(url: httpx.URL) -> str:
    """scheme://host:port — the scope of one robots.txt (RFC 9309 §2.3)."""
    return f"{url.scheme}://{url.host}:{url.port or (443 if url.scheme == 'https' else 80)}"


class RobotsCache:
    """Answers "may svodka fetch this URL?", fetching each origin's robots.txt at most once per TTL."""

    def __init__(self, fetch_robots: RobotsFetch, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch_robots = fetch_robots
        self._clock = clock
        self._rules: dict[str, RobotsRules] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def crawl_delay(self, url: httpx.URL) -> float | None:
        """The origin's Crawl-delay for us, if its robots.txt is already known (never fetches)."""
        rules = self._rules.get(origin_of(url))
        return rules.crawl_delay() if rules else None

    async def rules_for(self, url: httpx.URL) -> RobotsRules:
        origin = origin_of(url)
        rules = self._rules.get(origin)
        if rules is not None and rules.expires_at > self._clock():
            return rules
        # One fetch per origin even when many requests for it arrive together.
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            rules = self._rules.get(origin)
            if rules is None or rules.expires_at <= self._clock():
                rules = await self._load(origin, previous=rules)
                self._rules[origin] = rules
        return rules

    async def _load(self, origin: str, previous: RobotsRules | None) -> RobotsRules:
        robots_url = f"{origin}/robots.txt"
        now = self._clock()
        try:
            status, text = await self._fetch_robots(robots_url)
        except HttpStatusError as exc:
            if 400 <= exc.status < 500 and exc.status != 429:
                return RobotsRules(None, "allow", now + ROBOTS_TTL)
            return self._unreachable(robots_url, exc, previous, now)
        except BlockedAddress:
            raise  # the page itself would be refused too: report that, not a robots verdict
        except TooManyRedirects:
            return RobotsRules(None, "allow", now + ROBOTS_TTL)  # RFC 9309 §2.3.1.2: may be treated as unavailable
        except FetchError as exc:
            return self._unreachable(robots_url, exc, previous, now)
        if not 200 <= status < 300:
            return RobotsRules(None, "allow", now + ROBOTS_TTL)
        return RobotsRules(Protego.parse(text), "rules", now + ROBOTS_TTL)

    def _unreachable(self, robots_url: str, exc: FetchError, previous: RobotsRules | None, now: float) -> RobotsRules:
        logger.info("robots.txt unreachable, disallowing for now: %s (%s)", robots_url, exc.kind)
        if previous is not None and previous.mode == "rules":
            return RobotsRules(previous.parser, "rules", now + ROBOTS_ERROR_TTL)
        return RobotsRules(None, "disallow", now + ROBOTS_ERROR_TTL, failure=exc)
