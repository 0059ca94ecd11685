"""A story's title: the headline most representative of its articles, avoiding clickbait."""

from __future__ import annotations

import re

from svodka.enrich.lemmas import fold, words

_CLICKBAIT = re.compile(
    r"(шок|вот что|вот как|вы не поверите|узнайте|никто не ожидал|раскрыл[аи]? секрет|стало известно, как|"
    r"что будет|это случилось|почему все|смотрите|видео\b|фото\b|эксклюзив|сенсац)",
    re.IGNORECASE,
)


def clickbait_penalty(title: str) -> float:
    """0 for a plain news headline, up to about 1 for a teaser (questions, exclamations, stock bait phrases)."""
    penalty = 0.0
    stripped = title.strip()
    if stripped.endswith("?"):
        penalty += 0.3
    if "!" in stripped:
        penalty += 0.3
    if _CLICKBAIT.search(stripped):
        penalty += 0.4
    if stripped.isupper() and len(stripped) > 10:
        penalty += 0.3
    count = len(stripped.split())
    if count < 4 or count > 18:
        penalty += 0.2
    return penalty


def pick_title(titles: list[str]) -> str:
    """The headline whose words the others share most, minus a clickbait penalty; "" for no titles."""
    candidates = [t.strip() for t in titles if t and t.strip()]
    if not candidates:
        return ""
    if len(candidates) == 1:
        return candidates[0]
    bags = [{fold(w) for w in words(t) if len(w) > 3} for t in candidates]
    best, best_score = candidates[0], float("-inf")
    for i, title in enumerate(candidates):
        overlap = [len(bags[i] & bags[j]) / (len(bags[i] | bags[j]) or 1) for j in range(len(candidates)) if j != i]
        score = sum(overlap) / len(overlap) - 0.5 * clickbait_penalty(title)
        if score > best_score:
            best, best_score = title, score
    return best
