"""Poll scheduling: Miniflux's entry-frequency rule with server hints, and capped exponential error backoff."""

from __future__ import annotations

import pytest

from svodka.fetch.polling import WEEK, error_backoff, next_poll_interval

MIN, MAX = 300, 86400


@pytest.mark.parametrize(
    ("entries", "hints", "expected"),
    [
        (0, {}, MAX),                          # silent feed: slowest
        (-3, {}, MAX),
        (7, {}, 86400),                        # one a day
        (168, {}, 3600),                       # one an hour
        (10_000, {}, MIN),                     # very busy: clamped to the minimum
        (2, {}, MAX),                          # 3.5 days clamped to the maximum
        (168, {"ttl_minutes": 120}, 7200),     # <ttl> is a lower bound
        (168, {"max_age": 600}, 3600),         # a lower bound below the interval changes nothing
        (168, {"retry_after": 5400}, 5400),
        (168, {"max_age": 1800, "retry_after": 9000, "ttl_minutes": 60}, 9000),
        (168, {"retry_after": 3 * 86400}, 3 * 86400),  # may exceed max_interval...
        (168, {"retry_after": 10 * WEEK}, WEEK),      # ...but not beyond a week
        (168, {"retry_after": 0, "max_age": None}, 3600),
    ],
)
def test_next_poll_interval(entries: int, hints: dict[str, int | None], expected: int) -> None:
    assert next_poll_interval(entries, min_interval=MIN, max_interval=MAX, **hints) == expected


@pytest.mark.parametrize(
    ("errors", "expected"),
    [(0, 600), (1, 600), (2, 1200), (3, 2400), (5, 9600), (8, 76800), (9, MAX), (500, MAX)],
)
def test_error_backoff_doubles_and_caps(errors: int, expected: int) -> None:
    assert error_backoff(errors, 600, MAX) == expected


def test_error_backoff_jitter_is_deterministic_bounded_and_spreads() -> None:
    values = {error_backoff(4, 600, MAX, jitter=0.2, key=f"https://site{i}.kz/rss") for i in range(20)}
    assert all(4800 * 0.8 <= v <= 4800 for v in values)
    assert len(values) > 10
    assert error_backoff(4, 600, MAX, jitter=0.2, key="a") == error_backoff(4, 600, MAX, jitter=0.2, key="a")
