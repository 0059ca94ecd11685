"""The clusterer keeps only the recent window: closed stories leave every index, memory stays bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from svodka.stories.cluster import StoryClusterer
from svodka.stories.duplicates import DuplicateIndex
from svodka.stories.represent import ClusterItem, represent

T0 = datetime(2025, 1, 1, tzinfo=UTC)
CITIES = ["Актобе", "Атырау", "Караганда", "Шымкент", "Павлодар", "Костанай", "Талдыкорган", "Кокшетау"]


def _item(n: int, hours: float) -> ClusterItem:
    city = CITIES[n % len(CITIES)]
    return ClusterItem(n, f"https://e.kz/{n}", f"В городе {city} открыли школу номер {n}",
                       f"Новая школа номер {n} в городе {city} примет {n + 300} учеников, сообщил аким {city}.",
                       T0 + timedelta(hours=hours), "e.kz")


def test_old_stories_close_and_leave_the_indexes() -> None:
    clusterer = StoryClusterer()
    for n in range(240):  # ten days, one article an hour
        clusterer.assign(_item(n, n))
    assert 0 < clusterer.open_stories <= 3 * 24 + 1
    assert clusterer.idf.docs <= 7 * 24 + 1
    assert len(clusterer.duplicates) <= 3 * 24 + 1
    open_ids = set(clusterer._stories)
    assert all(set(posting) <= open_ids for posting in clusterer._postings.values())


def test_candidates_are_bounded_however_many_stories_share_a_word() -> None:
    clusterer = StoryClusterer()
    for n in range(300):
        clusterer.assign(_item(n, n / 60))  # five hours: every story is open
    features = represent(_item(1000, 6))
    candidates = clusterer._candidates(clusterer._vectors(features))
    assert 0 < len(candidates) <= clusterer.settings.max_candidates


def test_duplicate_index_points_to_the_earliest_copy_and_expires() -> None:
    index = DuplicateIndex(window=timedelta(days=1))
    text = frozenset(f"слово{n} слово{n + 1} слово{n + 2}" for n in range(40))
    sig = index.signature(text)
    index.add("first", T0, sig, len(text), None)
    index.add("second", T0 + timedelta(hours=1), sig, len(text), "first")
    match = index.find(sig, len(text))
    assert match is not None and match.original == "first" and match.jaccard > 0.9
    index.expire(T0 + timedelta(days=2))
    assert len(index) == 0 and index.find(sig, len(text)) is None
