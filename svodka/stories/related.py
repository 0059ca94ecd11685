""""Читайте также": for one article, 3–6 other stories sharing its entities and subject, recent first.

Input: the article's own tags (entity id -> name, with weights), its story and the stories of its duplicates,
and candidate stories with their tags. Output: `RelatedStory` items with the shared tags as the reason.
The store gathers candidates with one indexed query (`store/stories.py`); the choice is made here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

MIN_RELATED = 3
MAX_RELATED = 6


@dataclass
class StoryCandidate:
    story_id: int
    title: str
    last_seen: datetime | None
    tags: dict[str, str] = field(default_factory=dict)  # entity key -> display name


@dataclass
class RelatedStory:
    story_id: int
    title: str
    last_seen: datetime | None
    shared_tags: list[str]
    score: float


def pick_related(article_tags: Mapping[str, float], article_names: Mapping[str, str],
                 excluded_stories: Iterable[int], candidates: Iterable[StoryCandidate],
                 limit: int = MAX_RELATED) -> list[RelatedStory]:
    """Stories sharing the article's tags, never an excluded one (its own story, its duplicates' stories).

    A candidate needs one shared tag of above-average weight or two shared tags; the best `limit` by shared
    weight are kept and returned recent first. Fewer than three qualifying stories are all returned.
    """
    excluded = set(excluded_stories)
    if not article_tags:
        return []
    mean_weight = sum(article_tags.values()) / len(article_tags)
    scored: list[RelatedStory] = []
    for candidate in candidates:
        if candidate.story_id in excluded:
            continue
        shared = [key for key in candidate.tags if key in article_tags]
        if not shared:
            continue
        weight = sum(article_tags[key] for key in shared)
        if len(shared) < 2 and weight < mean_weight:
            continue
        names = [article_names.get(key) or candidate.tags[key] for key in
                 sorted(shared, key=lambda k: -article_tags[k])]
        scored.append(RelatedStory(candidate.story_id, candidate.title, candidate.last_seen, names, round(weight, 4)))
    scored.sort(key=lambda r: (-r.score, r.story_id))
    chosen = scored[:limit]
    chosen.sort(key=lambda r: (r.last_seen is None, -(r.last_seen.timestamp() if r.last_seen else 0.0)))
    return chosen
