"""Pure cleaners of extraction, table-driven: bylines, credit lines, titles, attribution, machine dates, F1."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import lxml.html
import pytest

from svodka.extract.attribution import find_source
from svodka.extract.authors import clean_author_names
from svodka.extract.bench import date_matches, token_f1
from svodka.extract.boilerplate import is_boilerplate_line
from svodka.extract.credits import credit_from_line, split_caption_credit
from svodka.extract.dates import to_iso
from svodka.extract.metadata import clean_title, guess_language

AUTHORS = [
    ("Авторы Дмитрий Попов", ["Дмитрий Попов"]),
    ("Автор: Иван Иванов", ["Иван Иванов"]),
    ("Иван Иванов, Пётр Петров", ["Иван Иванов", "Пётр Петров"]),
    ("Дмитрий Попов и Айгерим Садыкова", ["Дмитрий Попов", "Айгерим Садыкова"]),
    ("Текст: Венера Ерофеева", ["Венера Ерофеева"]),
    ("Иван Иванов, ivanov@example.kz", ["Иван Иванов"]),
    ("Редакция", []),
    ("Tengrinews.kz", []),
    ("https://example.kz/authors/3", []),
    ("Иван Иванов; Иван Иванов", ["Иван Иванов"]),
    ("By John Smith and Jane Doe", ["John Smith", "Jane Doe"]),
    ("8 января, 17:46", []),
]


@pytest.mark.parametrize(("raw", "expected"), AUTHORS)
def test_clean_author_names(raw: str, expected: list[str]) -> None:
    assert clean_author_names(raw) == expected


def test_site_name_is_not_an_author() -> None:
    assert clean_author_names(["Коммерсантъ", "Андрей Колесников"], ("Коммерсантъ",)) == ["Андрей Колесников"]


CREDIT_LINES = [
    ("Фото: Акорда", "Акорда"),
    ("Фото: Дмитрий Азаров / Коммерсантъ", "Дмитрий Азаров / Коммерсантъ"),
    ("Фото: pixabay.com", "pixabay.com"),
    ("Фото пресс-службы акимата Алматы", "пресс-служба акимата Алматы"),
    ("© РИА Новости", "РИА Новости"),
    ("Коллаж: Андрей Калистратенко", "Андрей Калистратенко"),
    ("Фото из открытых источников", "из открытых источников"),
    ("Фотография на память осталась у всех участников встречи", None),
    ("Президент провёл встречу в Акорде", None),
]


@pytest.mark.parametrize(("line", "expected"), CREDIT_LINES)
def test_credit_from_line(line: str, expected: str | None) -> None:
    assert credit_from_line(line) == expected


def test_source_line_counts_as_credit_only_inside_a_figure() -> None:
    assert credit_from_line("Источник: Фундация DEJURE") is None
    assert credit_from_line("Источник: Фундация DEJURE", in_figure=True) == "Фундация DEJURE"


@pytest.mark.parametrize(("caption", "expected"), [
    ("Школа после ремонта. Фото: Дмитрий Азаров / Коммерсантъ",
     ("Школа после ремонта", "Дмитрий Азаров / Коммерсантъ")),
    ("Новый мост на проспекте Абая", ("Новый мост на проспекте Абая", None)),
    ("Фото: Акорда", (None, "Акорда")),
    ("Иллюстративное фото. Фото: pixabay.com", ("Иллюстративное фото", "pixabay.com")),
    ("Подпись. Фото: Д.Азаров / Коммерсантъ.", ("Подпись", "Д.Азаров / Коммерсантъ")),
])
def test_split_caption_credit(caption: str, expected: tuple[str | None, str | None]) -> None:
    assert split_caption_credit(caption) == expected


TITLES = [
    ("Новость дня - Tengrinews.kz", (), "Новость дня"),
    ("Цены на бензин выросли / Украинский бизнес ресурс", ("Украинский бизнес ресурс",), "Цены на бензин выросли"),
    ("Цены на бензин выросли | Новости Казахстана", (), "Цены на бензин выросли"),
    ("Kun.uz | Ташкент переходит на новое расписание автобусов", (), "Ташкент переходит на новое расписание автобусов"),
    ("Москва - Петушки: как изменилась электричка", (), "Москва - Петушки: как изменилась электричка"),
    ("13:16 В Пакистане передумали казнить христианку", (), "В Пакистане передумали казнить христианку"),
    ("11.01.2019 01:05 : Глава МИД Германии назвал санкции неприемлемыми", (),
     "Глава МИД Германии назвал санкции неприемлемыми"),
    ("2018 год стал рекордным для экономики", (), "2018 год стал рекордным для экономики"),
    ("12:00 Итоги", (), "12:00 Итоги"),
    ("Христианку освободили в Пакистане 04:31", (), "Христианку освободили в Пакистане"),
]


@pytest.mark.parametrize(("title", "sites", "expected"), TITLES)
def test_clean_title(title: str, sites: tuple[str, ...], expected: str) -> None:
    assert clean_title(title, sites) == expected


ATTRIBUTION = [
    (["Суд вынес приговор, сообщает prosud.kz."], "prosud.kz"),
    (["Об этом передает РИА Новости со ссылкой на источник."], "РИА Новости"),
    (["Цены выросли на 5%, по данным ТАСС."], "ТАСС"),
    (["Текст новости.", "Источник: Казинформ"], "Казинформ"),
    (["Аким встретился с жителями, по данным МВД."], None),
    (["Как сообщает example-news.kz, мост открыли."], None),  # the page's own site
]


@pytest.mark.parametrize(("paragraphs", "expected"), ATTRIBUTION)
def test_find_source(paragraphs: list[str], expected: str | None) -> None:
    tree = lxml.html.document_fromstring("<html><body><p>x</p></body></html>")
    found = find_source(paragraphs, tree, "https://example-news.kz/ru/news/1")
    assert (found.name if found else None) == expected


def test_read_on_link_gives_name_and_url() -> None:
    tree = lxml.html.document_fromstring(
        '<html><body><p><a href="https://prosud.kz/n/1">Читать на сайте prosud.kz</a></p></body></html>')
    found = find_source([], tree, "https://example-news.kz/ru/news/1")
    assert found is not None and (found.name, found.url) == ("prosud.kz", "https://prosud.kz/n/1")


@pytest.mark.parametrize(("value", "zone", "expected"), [
    ("2025-05-14T18:42:00+03:00", "Asia/Almaty", "2025-05-14T18:42:00+03:00"),
    ("2020-02-18T05:46:51+0300", "Asia/Almaty", "2020-02-18T05:46:51+03:00"),
    ("2025-05-14T20:28:12.467+03:00", "Asia/Almaty", "2025-05-14T20:28:12+03:00"),
    ("2025-05-14 18:42", "Asia/Tashkent", "2025-05-14T18:42:00+05:00"),
    ("2025-05-14T18:42:00Z", "Asia/Almaty", "2025-05-14T18:42:00+00:00"),
    ("1600633920", "Europe/Moscow", "2020-09-20T23:32:00+03:00"),
    ("not a date", "Asia/Almaty", None),
])
def test_to_iso_keeps_offset(value: str, zone: str, expected: str | None) -> None:
    assert to_iso(value, ZoneInfo(zone)) == expected


@pytest.mark.parametrize(("line", "junk"), [
    ("Читайте также: В Астане продлили метро", True),
    ("Подписывайтесь на наш Telegram-канал", True),
    ("Следите за новостями в нашем канале в Telegram", True),
    ("12 комментариев", True),
    ("Поделиться", True),
    ("Автор идеи проекта рассказал о планах на следующий год.", False),
    ("Telegram заблокировал каналы мошенников, сообщили в министерстве.", False),
])
def test_is_boilerplate_line(line: str, junk: bool) -> None:
    assert is_boilerplate_line(line) is junk


def test_token_f1_and_date_matches() -> None:
    assert token_f1("Мост открыли в среду", "мост открыли в среду") == 1.0
    assert token_f1("", "мост") == 0.0
    assert 0.5 < token_f1("мост открыли в среду утром", "мост открыли в среду") < 1.0
    assert date_matches("2020-06-29T00:16:15+03:00", "2020-06-28")  # its UTC date
    assert date_matches("2020-06-29T00:16:15+03:00", "2020-06-29")  # its local date
    assert not date_matches("2020-06-30T00:00:00+03:00", "2020-06-28")
    assert not date_matches(None, "2020-06-28")


@pytest.mark.parametrize(("text", "code"), [
    ("Мост через реку открыли в среду утром, движение запущено по всем полосам.", "ru"),
    ("Қазақстан Республикасының Үкіметі жаңа бағдарламаны қабылдады, ол өңірлерге қолдау көрсетеді.", "kk"),
    ("Уряд України ухвалив нову програму підтримки регіонів, яка діятиме з наступного року.", "uk"),
])
def test_guess_language(text: str, code: str) -> None:
    assert guess_language(text) == code
