"""The fast paths of entity tagging give exactly what the plain library calls give (real natasha models)."""

from __future__ import annotations

import pytest
from razdel import tokenize

from svodka.enrich.entities import _NER_LEAD, _models, _ner_spans, _normalize, _Piece
from svodka.enrich.names import Token, normalize_tokens

TEXTS = [
    "Токаев подписал указ.",
    "Президент Казахстана Касым-Жомарт Токаев провёл переговоры с Шавкатом Мирзиёевым в Ташкенте.",
    "МИД Литвы и Европейская комиссия (ЕК) обсудили санкции. Верховный суд Пакистана оправдал Асию Биби.",
    "  Акорда сообщила:\tвстреча пройдёт в Астане, а «Газпром» подпишет контракт с ПАО «НК Роснефть».",
    "ничего интересного здесь нет",
]


@pytest.mark.parametrize("text", TEXTS)
def test_ner_on_our_tokens_matches_slovnets_own_tokenisation(text: str) -> None:
    _, ner = _models()
    tokens = list(tokenize(text))
    piece = _Piece(0, "text", 0, text, [Token(t.text, t.start, t.stop) for t in tokens])
    shift = len(_NER_LEAD)
    markup = next(ner.map([_NER_LEAD + text]))
    expected = [(max(0, s.start - shift), s.stop - shift, s.type) for s in markup.spans if s.stop > shift]
    assert _ner_spans(ner, [piece], [tokens]) == [expected]


def test_remembered_normalisation_equals_the_direct_one_and_keeps_spacing() -> None:
    morph, _ = _models()
    sentence = "Он поблагодарил Касыма-Жомарта Токаева и Совет глав регионов за визит в Нур-Султан."
    tokens = [Token(t.text, t.start, t.stop) for t in tokenize(sentence)]
    for token, tagged in zip(tokens, next(morph.map([[t.text for t in tokens]])).tokens, strict=True):
        token.pos, token.feats = tagged.pos, dict(tagged.feats)
    for first, last, entity_type in ((2, 4, "PER"), (5, 9, "ORG"), (12, 13, "LOC")):
        span = tokens[first:last]
        assert _normalize(span, entity_type) == normalize_tokens(span, entity_type)
        assert _normalize(span, entity_type) == normalize_tokens(span, entity_type)  # from the cache
    assert _normalize(tokens[2:4], "PER") == "Касым-Жомарт Токаев"
    glued = [Token("Т.", 0, 2, "PROPN", {}), Token("Мэй", 2, 5, "PROPN", {"Case": "Nom"})]
    spaced = [Token("Т.", 0, 2, "PROPN", {}), Token("Мэй", 3, 6, "PROPN", {"Case": "Nom"})]
    assert _normalize(glued, "PER") == normalize_tokens(glued, "PER")
    assert _normalize(spaced, "PER") == normalize_tokens(spaced, "PER")
    assert _normalize(glued, "PER") != _normalize(spaced, "PER")  # the gap is part of the key
