"""Importance of a story at a moment: distinct sources, arrival speed, recency and source weight; "breaking".

Input is the list of a story's articles as `Arrival(source, published, weight)`; output a float score (higher
first on the home page) and a boolean breaking flag. Pure functions, so the web and the store call the same code.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

HALF_LIFE = timedelta(hours=12)
SPEED_WINDOW = timedelta(hours=2)
# A story is breaking when this many distinct sources report it within SPEED_WINDOW ...
BREAKING_SOURCES = 3
# ... and its recent rate is this many times its own earlier rate (or it is that young).
BREAKING_ACCELERATION = 3.0
BREAKING_MAX_AGE = timedelta(hours=6)


@dataclass
class Arrival:
    source: str
    published: datetime
    weight: float = 1.0


def _decay(age: timedelta) -> float:
    """1 now, 0.5 after one half-life; future times count as now."""
    return 0.5 ** (max(age.total_seconds(), 0.0) / HALF_LIFE.total_seconds())


def importance(arrivals: Sequence[Arrival], now: datetime) -> float:
    """Score: Σ over distinct sources of weight × decay(latest article of that source), log-damped, plus speed."""
    if not arrivals:
        return 0.0
    latest: dict[str, Arrival] = {}
    for arrival in arrivals:
        if arrival.published > now:
            continue
        known = latest.get(arrival.source)
        if known is None or arrival.published > known.published:
            latest[arrival.source] = arrival
    if not latest:
        return 0.0
    mass = sum(a.weight * _decay(now - a.published) for a in latest.values())
    recent = {a.source for a in arrivals if timedelta(0) <= now - a.published <= SPEED_WINDOW}
    # Sources arriving within the last two hours say the story is moving now.
    speed = len(recent) / SPEED_WINDOW.total_seconds() * 3600
    return round(math.log1p(mass) * (1.0 + 0.25 * speed), 6)


def is_breaking(arrivals: Sequence[Arrival], now: datetime) -> bool:
    """True when several distinct sources report the story within two hours and it is accelerating."""
    past = [a for a in arrivals if a.published <= now]
    if not past:
        return False
    recent = [a for a in past if now - a.published <= SPEED_WINDOW]
    if len({a.source for a in recent}) < BREAKING_SOURCES:
        return False
    first = min(a.published for a in past)
    if now - first <= BREAKING_MAX_AGE:
        return True
    earlier = len(past) - len(recent)
    earlier_span = max((now - SPEED_WINDOW - first).total_seconds(), SPEED_WINDOW.total_seconds())
    earlier_rate = earlier / earlier_span
    recent_rate = len(recent) / SPEED_WINDOW.total_seconds()
    return recent_rate >= BREAKING_ACCELERATION * earlier_rate
