"""Lemmatisation shared by search and stories: inflected names must meet their base form."""

import pytest

from svodka.enrich.lemmas import fold, lemma_candidates, lemmatize, words


@pytest.mark.parametrize(("text", "expected"), [
    ("Встреча с Токаевым прошла в Узбекистане.", ["встреча", "с", "токаев", "пройти", "в", "узбекистан"]),
    ("Письмо Дариге Назарбаевой", ["письмо", "дарига", "назарбаев"]),
    ("Мирзиёев и ёлки", ["мирзиеев", "и", "елка"]),
    ("Рост на 15% к 2030 году", ["рост", "на", "15", "к", "2030", "год"]),
])
def test_lemmatize(text, expected):
    assert lemmatize(text) == expected


def test_query_candidates_cover_inflected_surnames():
    assert "токаев" in lemma_candidates("токаева")
    assert "токаев" in lemma_candidates("Токаеву")
    assert "токаев" in lemma_candidates("токаев")


def test_words_drop_punctuation_and_fold_keeps_display_separate():
    assert words("«Привет», — сказал он!") == ["Привет", "сказал", "он"]
    assert fold("Мирзиёев") == "мирзиеев"
