"""Entities: normalisation of inflected names, merging of mentions, spans, registry links (real natasha models)."""

from __future__ import annotations

import pytest

from svodka.enrich.entities import extract_entities, extract_entities_many
from svodka.enrich.names import Token, match_key, name_fallback, normalize_tokens
from svodka.enrich.registry import default_registry, entity_key
from svodka.enrich.types import EnrichInput


def _span_tokens(sentence: str, span: str) -> list[Token]:
    """Tokens of `span` inside `sentence`, tagged in context by natasha's morphology model."""
    from razdel import tokenize

    from svodka.enrich.entities import _models

    morph, _ = _models()
    tokens = [Token(t.text, t.start, t.stop) for t in tokenize(sentence)]
    markup = next(morph.map([[t.text for t in tokens]]))
    for token, tagged in zip(tokens, markup.tokens, strict=True):
        token.pos, token.feats = tagged.pos, dict(tagged.feats)
    start = sentence.index(span)
    return [t for t in tokens if t.start >= start and t.end <= start + len(span)]


@pytest.mark.parametrize(
    ("sentence", "span", "entity_type", "expected"),
    [
        ("Он поблагодарил Касыма-Жомарта Токаева за визит.", "Касыма-Жомарта Токаева", "PER", "Касым-Жомарт Токаев"),
        ("Встреча с Касымом-Жомартом Токаевым прошла в Астане.", "Касымом-Жомартом Токаевым", "PER",
         "Касым-Жомарт Токаев"),
        ("Письмо направили Шавкату Мирзиёеву.", "Шавкату Мирзиёеву", "PER", "Шавкат Мирзиёев"),
        ("Заявление Дариги Назарбаевой вызвало споры.", "Дариги Назарбаевой", "PER", "Дарига Назарбаева"),
        ("Дарига Назарбаева выступила в сенате.", "Дарига Назарбаева", "PER", "Дарига Назарбаева"),
        ("Он встретился с Винсентом Виолой.", "Винсентом Виолой", "PER", "Винсент Виола"),
        ("Суд оправдал Асию Биби.", "Асию Биби", "PER", "Асия Биби"),
        ("Он живёт в Узбекистане.", "Узбекистане", "LOC", "Узбекистан"),
        ("Президент Соединённых Штатов Америки прилетел.", "Соединённых Штатов Америки", "LOC",
         "Соединённые Штаты Америки"),
        ("В Нижнем Новгороде прошёл форум.", "Нижнем Новгороде", "LOC", "Нижний Новгород"),
        ("Заявление МИДа Литвы опубликовано.", "МИДа Литвы", "ORG", "МИД Литвы"),
        ("Заседание Совета глав регионов прошло вчера.", "Совета глав регионов", "ORG", "Совет глав регионов"),
        ("Решение Высшего межгосударственного совета принято.", "Высшего межгосударственного совета", "ORG",
         "Высший межгосударственный совет"),
        ("Открытие Международного центра искусственного интеллекта.",
         "Международного центра искусственного интеллекта", "ORG", "Международный центр искусственного интеллекта"),
        ("Строительство Северного потока-2 завершено.", "Северного потока-2", "ORG", "Северный поток-2"),
    ],
)
def test_normalize_inflected_names(sentence: str, span: str, entity_type: str, expected: str) -> None:
    assert normalize_tokens(_span_tokens(sentence, span), entity_type) == expected


@pytest.mark.parametrize(
    ("word", "case", "gender", "expected"),
    [
        ("Асию", "accs", "femn", "Асия"),
        ("Нисару", "datv", "masc", "Нисар"),
        ("Виолу", "accs", "masc", "Виола"),
        ("Биби", "gent", "femn", "Биби"),
        ("Токаев", "nomn", "masc", "Токаев"),
    ],
)
def test_name_fallback_for_unknown_names(word: str, case: str, gender: str, expected: str) -> None:
    assert name_fallback(word, case, gender) == expected


def test_match_key_folds_yo_but_display_keeps_it() -> None:
    assert match_key("Мирзиёев") == match_key("Мирзиеев") == "мирзиеев"
    [entity] = [e for e in extract_entities(EnrichInput(1, "", "Шавкат Мирзиёев открыл завод.")) if e.type == "PER"]
    assert entity.name == "Шавкат Мирзиёев"


def _by_name(doc: EnrichInput) -> dict[str, object]:
    return {e.name: e for e in extract_entities(doc)}


def test_surname_initials_and_full_name_are_one_entity() -> None:
    doc = EnrichInput(
        1,
        "Токаев провёл совещание",
        "Президент Касым-Жомарт Токаев провёл совещание. К.-Ж. Токаев поручил правительству ускорить работу. "
        "Позже Токаеву доложили о результатах.",
    )
    entities = extract_entities(doc)
    persons = [e for e in entities if e.type == "PER"]
    assert [p.name for p in persons] == ["Касым-Жомарт Токаев"]
    assert persons[0].entity_id == entity_key("PER", "Касым-Жомарт Токаев")
    assert {m.text for m in persons[0].mentions} >= {"Токаев", "Касым-Жомарт Токаев", "К.-Ж. Токаев", "Токаеву"}
    assert persons[0].mentions[0].field == "title"


def test_learned_person_merges_surname_with_full_name() -> None:
    doc = EnrichInput(1, "", "Аким города Ержан Бекмухамбетов открыл школу. Бекмухамбетов отметил, что школ мало.")
    persons = [e for e in extract_entities(doc) if e.type == "PER"]
    assert len(persons) == 1
    assert persons[0].name == "Ержан Бекмухамбетов"
    assert persons[0].entity_id == "PER:ержан бекмухамбетов"


def test_byline_does_not_join_the_next_line() -> None:
    doc = EnrichInput(1, "", "Акорда\nКасым-Жомарт Токаев подписал указ о назначении.")
    for entity in extract_entities(doc):
        for mention in entity.mentions:
            assert "\n" not in mention.text
            assert mention.text != "Акорда Касым-Жомарт Токаев"
    assert "Касым-Жомарт Токаев" in _by_name(doc)


def test_name_at_the_very_start_of_a_text_is_found() -> None:
    entities = _by_name(EnrichInput(1, "", "Мураками ответил на вопросы читателей."))
    assert "Мураками" in entities


def test_abbreviations_and_adjectives_map_to_countries() -> None:
    text = "Российская сторона поддержала инициативу. В РФ и РК прошли консультации по линии МИД."
    entities = _by_name(EnrichInput(1, "", text))
    assert "Россия" in entities and "Казахстан" in entities
    russia = entities["Россия"]
    assert {m.text for m in russia.mentions} == {"Российская", "РФ"}  # type: ignore[attr-defined]
    # An adjective that does not name the country itself is left alone.
    plain = _by_name(EnrichInput(1, "", "Он читает российскую классику и слушает казахскую музыку."))
    assert "Россия" not in plain
    # A country named only by an adjective is kept only on request (BSNLP precision of that is 0.06).
    only = EnrichInput(1, "", "Американская сторона не ответила на запрос.")
    assert "США" not in _by_name(only)
    [[usa]] = extract_entities_many([only], adjective_only=True)
    assert usa.name == "США" and usa.adjective_only


def test_offsets_point_into_their_field() -> None:
    doc = EnrichInput(1, "Визит в Ташкент", "Делегация прибыла в Ташкент утром.", lead="Ташкент ждёт гостей.")
    fields = {"title": doc.title, "lead": doc.lead, "text": doc.text}
    [tashkent] = [e for e in extract_entities(doc) if e.name == "Ташкент"]
    assert {m.field for m in tashkent.mentions} == {"title", "lead", "text"}
    for mention in tashkent.mentions:
        assert fields[mention.field][mention.start: mention.end] == mention.text


def test_registry_links_transliterations_and_slugs() -> None:
    registry = default_registry()
    for alias in ("Тоқаев", "Tokayev", "К.-Ж. Токаев", "Токаеву"):
        entry = registry.lookup(alias)
        assert entry is not None and entry.name == "Касым-Жомарт Токаев", alias
    assert registry.lookup("Tokayev").slug == "kasym-zhomart-tokaev"  # type: ignore[union-attr]
    assert registry.lookup("Российской Федерации").name == "Россия"  # type: ignore[union-attr]
    assert registry.lookup("Назарбаева", "PER") is None  # a feminine surname is not Нурсултан Назарбаев
    assert registry.lookup_adjective("казахстанский").name == "Казахстан"  # type: ignore[union-attr]


def test_feminine_full_name_is_not_linked_to_the_masculine_entry() -> None:
    entities = _by_name(EnrichInput(1, "", "Дарига Назарбаева выступила в сенате. Назарбаева ответила журналистам."))
    assert "Дарига Назарбаева" in entities
    assert "Нурсултан Назарбаев" not in entities


def test_batch_keeps_order_and_handles_empty_documents() -> None:
    docs = [
        EnrichInput("a", "", "Токаев прибыл в Москву."),
        EnrichInput("b", "", ""),
        EnrichInput("c", "Ташкент", "Мирзиёев принял гостей."),
    ]
    result = extract_entities_many(docs)
    assert len(result) == 3
    assert "Касым-Жомарт Токаев" in {e.name for e in result[0]}
    assert result[1] == []
    assert {"Ташкент", "Шавкат Мирзиёев"} <= {e.name for e in result[2]}


def test_salience_prefers_title_entities() -> None:
    doc = EnrichInput(1, "Мирзиёев посетил Самарканд", "В поездке его сопровождал министр Иван Петров.")
    entities = extract_entities(doc)
    assert entities[0].name in ("Шавкат Мирзиёев", "Самарканд")
    assert entities[0].salience == 1.0
    petrov = [e for e in entities if e.name == "Иван Петров"]
    assert petrov and petrov[0].salience < 1.0
