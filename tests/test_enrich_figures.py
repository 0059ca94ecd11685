"""Key figures: one table row per form of money, quantity, percentage and target year (sentences written here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from svodka.enrich.figures import extract_figures

CASES = [
    # (text, kind, figure text, value, unit)
    ("Инвестиции составят $10 млрд.", "money", "$10 млрд", 1e10, "USD"),
    ("Компания вложит 1,7 млрд долларов в завод.", "money", "1,7 млрд долларов", 1.7e9, "USD"),
    ("Бюджет программы — 2,5 трлн тенге.", "money", "2,5 трлн тенге", 2.5e12, "KZT"),
    ("Фермеры получили по 500 тыс. сумов.", "money", "500 тыс. сумов", 5e5, "UZS"),
    ("Зарплата выросла до 30 тысяч сомов.", "money", "30 тысяч сомов", 3e4, "KGS"),
    ("Штраф составит 5000 рублей.", "money", "5000 рублей", 5e3, "RUB"),
    ("Билет стоит 45 386 ₸.", "money", "45 386 ₸", 45386, "KZT"),
    ("Сделка оценена в 3 млрд евро.", "money", "3 млрд евро", 3e9, "EUR"),
    ("Китай выделит 884 млн юаней на проект.", "money", "884 млн юаней", 8.84e8, "CNY"),
    ("Фонд получил полтора миллиона долларов США.", "money", "полтора миллиона долларов США", 1.5e6, "USD"),
    ("Выручка достигла 5 млрд тенге, а прибыль — 300 млн.", "money", "300 млн", 3e8, "KZT"),
    ("Стороны подписали 78 совместных проектов.", "quantity", "78 совместных проектов", 78, "проект"),
    ("Будет создано 15 тысяч рабочих мест.", "quantity", "15 тысяч рабочих мест", 1.5e4, "место"),
    ("Инфляция замедлилась до 8,5%.", "percent", "8,5%", 8.5, "%"),
    ("Экспорт вырос на 12 процентов.", "percent", "12 процентов", 12, "%"),
    ("Ставку снизили на 0,5 п.п.", "percent", "0,5 п.п", 0.5, "%"),
    ("Завод построят к 2030 году.", "target_date", "к 2030 году", 2030, "year"),
    ("Работы завершат до 2027 года.", "target_date", "до 2027 года", 2027, "year"),
]


@pytest.mark.parametrize(("text", "kind", "span", "value", "unit"), CASES)
def test_extract_figures(text: str, kind: str, span: str, value: float, unit: str) -> None:
    figures = {f.text: f for f in extract_figures(text) if f.kind == kind}
    assert span in figures
    figure = figures[span]
    assert figure.value == pytest.approx(value)
    assert figure.unit == unit
    assert text[figure.start:figure.end] == figure.text
    assert figure.sentence == text


@pytest.mark.parametrize("text", [
    "Встреча прошла 16 мая 2020 года в Астане.",  # a date is not a quantity, a year alone is not a target
    "В 2019 году завод не работал.",
    "Ребята просто гуляли по парку.",
    "",
])
def test_no_figure(text: str) -> None:
    assert extract_figures(text) == []


def test_offsets_point_into_a_long_text_and_order_is_kept() -> None:
    text = "Первый абзац без чисел.\n\nВо втором абзаце — 1,2 млн рублей и 40%. Третий: к 2035 году."
    figures = extract_figures(text)
    assert [f.kind for f in figures] == ["money", "percent", "target_date"]
    assert all(text[f.start:f.end] == f.text for f in figures)


def test_bad_input_does_not_crash() -> None:
    garbage = bytes(range(256)).decode("latin-1") * 50 + " 5 млн тенге"
    assert [f.unit for f in extract_figures(garbage) if f.kind == "money"] == ["KZT"]


def test_nerel_money_recall_beats_natasha(shared_data: Path) -> None:
    from svodka.enrich.bench_classify import bench_figures

    ours, natasha = bench_figures("dev")
    assert ours.recall >= 0.9 and ours.precision >= 0.95
    assert ours.recall > natasha.recall


ANCHOR_SENTENCES = [
    "Инвестиции составят $10 млрд, а выручка — 1,7 млрд долларов к 2030 году.",
    "Около двухсот—трёхсот тысяч рабочих мест и полтора миллиона долларов США.",
    "Ставку снизили на 0,5 п.п., инфляция — 8,5%, экспорт вырос на 12 процентов.",
    "До конца 2027 года построят 78 совместных проектов за 500 тыс. сумов каждый.",
    "Встреча прошла 16 мая 2020 года; 100-долларовая купюра, 5-7 млн руб.",
]


@pytest.mark.parametrize("sentence", ANCHOR_SENTENCES)
def test_anchored_parsers_match_yargys_plain_chart(sentence: str) -> None:
    from svodka.enrich.figures import _parsers

    for kind, parser in _parsers():
        assert parser.first_terms, kind
        anchored = [(m.span, [t.value for t in m.tokens]) for m in parser.findall(sentence)]
        first_terms, parser.first_terms = parser.first_terms, None  # None falls back to yargy's own chart
        try:
            plain = [(m.span, [t.value for t in m.tokens]) for m in parser.findall(sentence)]
        finally:
            parser.first_terms = first_terms
        assert anchored == plain, kind


@pytest.mark.parametrize("text", [
    "Разница во времени составляет 15 часов.",
    "Около 00:00 4 ноября мы узнаем первые результаты, к 00 ночи всё закончится.",
    "Он пытался несколько раз, потом ещё два раза.",
])
def test_durations_clock_times_and_word_numbers_are_not_key_figures(text):
    assert [f for f in extract_figures(text) if f.kind == "quantity"] == []
