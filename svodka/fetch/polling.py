"""When to poll a feed next: pure functions over counts and server hints, all in seconds."""

from __future__ import annotations

import hashlib

WEEK = 7 * 24 * 3600
# Server hints (TTL, max-age, Retry-After) may push the next poll later, but never beyond this.
MAX_HINT = WEEK


def next_poll_interval(entries_last_week: int, *, ttl_minutes: int | None = None, max_age: int | None = None,
                       retry_after: int | None = None, min_interval: int, max_interval: int) -> int:
    """Seconds until the next poll (Miniflux's entry-frequency rule).

    A feed with N entries in the last 7 days is polled every 7 days / N, clamped to [min_interval, max_interval];
    no entries means max_interval. The feed's <ttl> (minutes), Cache-Control max-age and Retry-After (seconds) are
    lower bounds that may exceed max_interval (capped at a week).
    """
    if entries_last_week <= 0:
        interval = max_interval
    else:
        interval = min(max(round(WEEK / entries_last_week), min_interval), max_interval)
    hints = [ttl_minutes * 60 if ttl_minutes else None, max_age, retry_after]
    floor = max((h for h in hints if h is not None and h > 0), default=0)
    return max(interval, min(floor, MAX_HINT))


def error_backoff(consecutive_errors: int, base_interval: int, max_interval: int, *, jitter: float = 0.0,
                  key: str = "") -> int:
    """Seconds to wait after `consecutive_errors` failures in a row: base × 2^(n−1), capped at max_interval.

    With `jitter` (a fraction, e.g. 0.1) the delay is shortened by up to that fraction, by an amount derived from
    `key` (say, the feed URL): feeds that failed together spread out, and the same feed always gets the same value.
    """
    if consecutive_errors <= 0:
        return min(base_interval, max_interval)
    delay = float(min(base_interval * 2 ** min(consecutive_errors - 1, 40), max_interval))
    if jitter > 0:
        fraction = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64
        delay *= 1 - min(jitter, 1.0) * fraction
    return max(1, round(delay))
