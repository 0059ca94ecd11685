"""Story importance, the breaking flag, the representative title and the choice of related stories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from svodka.stories.headline import pick_title
from svodka.stories.ranking import Arrival, importance, is_breaking
from svodka.stories.related import StoryCandidate, pick_related

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def ago(hours: float) -> datetime:
    return NOW - timedelta(hours=hours)


def test_more_distinct_sources_rank_higher_and_repeats_of_one_source_do_not() -> None:
    one = [Arrival("a", ago(3))]
    same_source = [Arrival("a", ago(3)), Arrival("a", ago(3.1)), Arrival("a", ago(3.2))]
    three = [Arrival("a", ago(3)), Arrival("b", ago(3)), Arrival("c", ago(3))]
    assert importance(three, NOW) > importance(same_source, NOW) == importance(one, NOW)


def test_importance_halves_roughly_every_half_day() -> None:
    story = [Arrival("a", ago(30)), Arrival("b", ago(30))]
    later = importance(story, NOW + timedelta(hours=12))
    assert 0.4 < later / importance(story, NOW) < 0.75
    assert importance([], NOW) == 0.0


def test_source_weight_counts() -> None:
    assert importance([Arrival("a", ago(5), weight=2.0)], NOW) > importance([Arrival("a", ago(5))], NOW)


def test_breaking_needs_several_sources_arriving_fast() -> None:
    burst = [Arrival(s, ago(0.5)) for s in ("a", "b", "c", "d")]
    assert is_breaking(burst, NOW)
    slow = [Arrival(s, ago(10 + n * 5)) for n, s in enumerate("abcd")]
    assert not is_breaking(slow, NOW)
    # An old story that suddenly accelerates is breaking again; one steadily busy is not.
    steady = [Arrival(f"s{n}", ago(n * 0.5)) for n in range(48)]
    assert not is_breaking(steady, NOW)
    revived = [Arrival("x", ago(40)), Arrival("y", ago(39))] + burst
    assert is_breaking(revived, NOW)


def test_title_is_representative_and_not_clickbait() -> None:
    titles = ["ШОК! Вот что случилось в Актобе", "Паводок в Актобе затопил 120 домов",
              "В Актобе паводок затопил более сотни домов", "Паводок в Актобе: эвакуированы 450 человек"]
    assert pick_title(titles) in titles[1:]
    assert pick_title([]) == ""


def test_related_excludes_own_story_and_orders_recent_first() -> None:
    tags = {"aktobe": 1.0, "mchs": 0.6, "kz": 0.1}
    names = {"aktobe": "Актобе", "mchs": "МЧС", "kz": "Казахстан"}
    candidates = [
        StoryCandidate(1, "own", ago(1), {"aktobe": "Актобе"}),
        StoryCandidate(2, "older, strong", ago(20), {"aktobe": "Актобе", "mchs": "МЧС"}),
        StoryCandidate(3, "recent", ago(2), {"aktobe": "Актобе"}),
        StoryCandidate(4, "weak: only a generic tag", ago(1), {"kz": "Казахстан"}),
        StoryCandidate(5, "unrelated", ago(1), {"tashkent": "Ташкент"}),
    ]
    found = pick_related(tags, names, [1], candidates)
    assert [r.story_id for r in found] == [3, 2]
    assert found[1].shared_tags == ["Актобе", "МЧС"]
    assert pick_related({}, {}, [], candidates) == []
    many = [StoryCandidate(n, str(n), ago(n), {"aktobe": "Актобе"}) for n in range(10, 20)]
    assert len(pick_related(tags, names, [], many)) == 6
