"""decode_html: BOM, HTTP charset, in-document declaration, detection, and lying declarations."""

from __future__ import annotations

import codecs

import pytest

from svodka.fetch.charset import (
    charset_declared_in_document,
    charset_from_content_type,
    decode_html,
    plausible_cyrillic,
)

SENTENCES = [
    "Президент Казахстана провёл совещание по развитию сельского хозяйства в Алматы.",
    "В Ташкенте открылась новая станция метро, сообщает пресс-служба хокимията.",
    "Курс тенге к доллару снизился на 2,4% за неделю.",
    "Ёлка",
]


def page(sentence: str, meta: str = "") -> str:
    return f"<html><head>{meta}<title>Новости</title></head><body><p>{sentence}</p></body></html>"


@pytest.mark.parametrize("sentence", SENTENCES)
@pytest.mark.parametrize(
    ("codec", "header", "meta", "expected"),
    [
        # honest declarations
        ("cp1251", "text/html; charset=windows-1251", "", "windows-1251"),
        ("koi8_r", "text/html; charset=KOI8-R", "", "koi8-r"),
        ("utf_8", "text/html; charset=utf-8", "", "utf-8"),
        ("cp1251", "text/html", '<meta charset="windows-1251">', "windows-1251"),
        ("koi8_r", None, '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">', "koi8-r"),
        # no declaration at all
        ("cp1251", "text/html", "", "windows-1251"),
        ("koi8_r", None, "", "koi8-r"),
        ("utf_8", None, "", "utf-8"),
        # lying declarations: the bytes win
        ("cp1251", "text/html; charset=utf-8", "", "windows-1251"),
        ("koi8_r", "text/html; charset=utf-8", '<meta charset="utf-8">', "koi8-r"),
        ("koi8_r", "text/html; charset=windows-1251", "", "koi8-r"),
        ("cp1251", "text/html; charset=koi8-r", "", "windows-1251"),
        ("utf_8", "text/html; charset=windows-1251", "", "utf-8"),
        ("cp1251", None, '<meta charset="utf-8">', "windows-1251"),
    ],
)
def test_russian_pages_decode_right(sentence: str, codec: str, header: str | None, meta: str, expected: str) -> None:
    body = page(sentence, meta).encode(codec)
    text, encoding = decode_html(body, header)
    assert sentence in text
    assert encoding == expected


@pytest.mark.parametrize(
    ("bom", "codec", "label"),
    [(codecs.BOM_UTF8, "utf-8", "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
     (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be")],
)
def test_bom_beats_a_wrong_header(bom: bytes, codec: str, label: str) -> None:
    body = bom + page(SENTENCES[0]).encode(codec)
    text, encoding = decode_html(body, "text/html; charset=windows-1251")
    assert SENTENCES[0] in text
    assert not text.startswith("\ufeff")
    assert encoding == label


def test_xml_declaration_is_read_for_feeds() -> None:
    feed = f'<?xml version="1.0" encoding="windows-1251"?><rss><channel><title>{SENTENCES[1]}</title></channel></rss>'
    text, encoding = decode_html(feed.encode("cp1251"), "application/rss+xml")
    assert SENTENCES[1] in text
    assert encoding == "windows-1251"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("text/html; charset=utf-8", "utf-8"), ('text/html; charset="Windows-1251"', "cp1251"),
     ("text/html;charset=cp1251", "cp1251"), ("text/html", None), (None, None), ("text/html; charset=nonsense", None),
     ("text/html; charset=iso-8859-1", "cp1252")],
)
def test_charset_from_content_type(value: str | None, expected: str | None) -> None:
    assert charset_from_content_type(value) == expected


def test_meta_after_the_prescan_window_is_ignored() -> None:
    body = b"<html><head>" + b" " * 5000 + b'<meta charset="koi8-r"></head></html>'
    assert charset_declared_in_document(body) is None


@pytest.mark.parametrize("body", [b"", b"plain ascii only", b"\xff\xfe\xfd broken \x00 bytes \x81\x8d"])
def test_odd_bodies_never_raise(body: bytes) -> None:
    text, encoding = decode_html(body, "text/html; charset=utf-8")
    assert isinstance(text, str)
    assert encoding


@pytest.mark.parametrize("sentence", ["Le café de la résidence était fermé à Genève.",
                                      "Größere Straßenbahnen fahren über die Brücke."])
def test_undeclared_western_page_is_not_read_as_cyrillic(sentence: str) -> None:
    body = f"<html><head><title>Nachrichten</title></head><body><p>{sentence}</p></body></html>".encode("cp1252")
    text, encoding = decode_html(body, None)
    assert sentence in text
    assert encoding == "windows-1252"


@pytest.mark.parametrize(
    ("text", "plausible"),
    [("Президент провёл совещание", True), ("рТЕЪЙДЕОФ РТПЧЈМ УПЧЕЭБОЙЕ рТЙЮЙОПК", False), ("ТАСС", True),
     ("", True), ("НОВОСТИ: сегодня утром в столице прошёл форум", True), ("ѕрис€жные оправдали 53-летн€€", False),
     ("Le cafй de la rйsidence йtait fermй", False), ("Қазақстан Республикасының Үкіметі", True),
     ("«Курс тенге» — 2,4%… „цитата“", True)],
)
def test_plausible_cyrillic(text: str, plausible: bool) -> None:
    assert plausible_cyrillic(text) is plausible


@pytest.mark.parametrize("codec", ["cp1251", "koi8_r"])
def test_all_capitals_heading_still_decodes(codec: str) -> None:
    heading = "ВНИМАНИЕ: ПРОВЕРКА СВЯЗИ ЗАВТРА"
    label = {"cp1251": "windows-1251", "koi8_r": "koi8-r"}[codec]
    text, _encoding = decode_html(page(heading).encode(codec), f"text/html; charset={label}")
    assert heading in text


@pytest.mark.parametrize(("codec", "label"), [("cp1251", "windows-1251"), ("koi8_r", "koi8-r")])
@pytest.mark.parametrize("declared", ["iso-8859-1", "windows-1252"])
def test_russian_under_a_latin1_label_is_detected(codec: str, label: str, declared: str) -> None:
    text, encoding = decode_html(page(SENTENCES[0]).encode(codec), f"text/html; charset={declared}")
    assert SENTENCES[0] in text
    assert encoding == label


def test_western_page_under_its_latin1_label_is_kept() -> None:
    sentence = "Le café de la résidence était fermé à Genève, déjà."
    body = f"<html><head><title>Actualités</title></head><body><p>{sentence}</p></body></html>".encode("cp1252")
    text, encoding = decode_html(body, "text/html; charset=iso-8859-1")
    assert sentence in text
    assert encoding == "windows-1252"
