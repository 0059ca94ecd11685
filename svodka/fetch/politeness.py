"""Per-host politeness: a cap on requests in flight and a minimum spacing between request starts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class HostGate:
    """One per host. `slot(delay)` waits for a free slot and for the host's next allowed start, then yields.

    Start times are reserved before sleeping, so concurrent callers queue up `delay` seconds apart instead of
    all waking at once; waiting happens here, outside the global limit, so a slow host never holds global slots.
    """

    def __init__(self, concurrency: int) -> None:
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self._next_start = 0.0

    @asynccontextmanager
    async def slot(self, delay: float) -> AsyncIterator[None]:
        async with self._slots:
            now = time.monotonic()
            start = max(now, self._next_start)
            self._next_start = start + max(0.0, delay)
            if start > now:
                await asyncio.sleep(start - now)
            yield
