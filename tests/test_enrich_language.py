"""Language detection on short sentences written for this test, one per language and script."""

from __future__ import annotations

import pytest

from svodka.enrich.language import LANGUAGES, detect_language

CASES = [
    ("ru", "Президент Казахстана провёл встречу с инвесторами и обсудил строительство новых заводов."),
    ("ru", "В Ташкенте открылся новый мост через канал Анхор, движение по нему запустят в понедельник."),
    ("kk", "Қазақстан Республикасының Президенті бүгін Астанада шетелдік инвесторлармен кездесу өткізді."),
    ("kk", "Алматыда жаңа мектеп ашылды, оған мыңнан астам бала барады."),
    ("uz", "Oʻzbekiston Respublikasi Prezidenti bugun Toshkentda xorijiy investorlar bilan uchrashuv oʻtkazdi."),
    ("uz", "Toshkentda yangi koʻprik ochildi, unda harakat dushanba kuni boshlanadi va shahar gʻarbini bogʻlaydi."),
    ("uz", "Ўзбекистон Республикаси Президенти бугун Тошкентда хорижий инвесторлар билан учрашув ўтказди."),
    ("uz", "Ҳукумат янги қонун лойиҳасини тайёрлади ва уни парламентга юборди."),
    ("uk", "Президент України сьогодні провів зустріч з інвесторами у Києві та обговорив їхні плани."),
    ("uk", "У Львові відкрили нову школу, де навчатимуться понад тисяча дітей."),
    ("en", "The president of Kazakhstan met foreign investors in Astana on Monday to discuss new factories."),
    ("other", "Der Präsident traf sich am Montag mit ausländischen Investoren in der Hauptstadt."),
    ("ru", "Токаев"),
    ("ru", "Мирзиёев в Москве"),
    ("other", "Кыргыз Республикасынын Президенти бүгүн Бишкекте чет элдик инвесторлор менен жолугушту."),
    ("other", "1234 5678 — 90 %"),
    ("other", ""),
]


@pytest.mark.parametrize(("expected", "text"), CASES)
def test_detect_language(expected: str, text: str) -> None:
    assert detect_language(text) == expected


def test_russian_text_quoting_a_kazakh_word_stays_russian() -> None:
    text = ("Аким города открыл новый парк. На церемонии прозвучала песня «Менің Қазақстаным», "
            "а затем жители прошли по аллеям и осмотрели фонтаны, детские площадки и спортивные поля. ") * 3
    assert detect_language(text) == "ru"


def test_binary_garbage_gives_a_known_code() -> None:
    assert detect_language(bytes(range(256)).decode("latin-1") * 10) in LANGUAGES
