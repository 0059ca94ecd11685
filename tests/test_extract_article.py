"""`extract_article` on our own fixture pages (tests/fixtures/pages): metadata, clean text, not-an-article."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from svodka.extract import NotAnArticle, extract_article
from svodka.models import Article

PAGES = Path(__file__).parent / "fixtures" / "pages"
FETCHED = datetime(2026, 5, 14, 8, 0, tzinfo=UTC)  # 13:00 in Almaty
REWRITE_URL = "https://example-news.kz/ru/city/most-cherez-bolshuyu-almatinku"
FURNITURE = ("Читайте также", "Подписывайтесь", "Поделиться", "Telegram", "Авторы", "Фото", "Акорда",
             "Читать на сайте", "комментари", "В Астане продлили", "Ремонт дорог", "маршруты автобусов",
             "Все права защищены")


@pytest.fixture(scope="module")
def rewrite() -> Article:
    return extract_article((PAGES / "rewrite_news.html").read_bytes(), REWRITE_URL, fetched_at=FETCHED,
                           timezone="Asia/Almaty")


def test_title_canonical_section_tags_language(rewrite: Article) -> None:
    assert rewrite.title == "В Алматы открыли новый мост через Большую Алматинку"  # " - Новости Примера" stripped
    assert rewrite.canonical_url == REWRITE_URL
    assert rewrite.section == "Город"  # from the breadcrumbs, "Главная" skipped
    assert rewrite.site_tags == ["мост", "Алматы", "транспорт"]
    assert rewrite.language == "ru"


def test_relative_date_resolved_in_source_zone(rewrite: Article) -> None:
    assert rewrite.published == "2026-05-14T11:45:00+05:00"  # "Сегодня, 11:45" seen from Almaty


def test_byline_cleaned_and_split(rewrite: Article) -> None:
    assert rewrite.authors == ["Дмитрий Попов", "Айгерим Садыкова"]


def test_photo_credit_and_caption(rewrite: Article) -> None:
    assert rewrite.credits == ["Акорда"]
    assert rewrite.image is not None
    assert rewrite.image.url == "https://example-news.kz/img/most-share.jpg"
    assert (rewrite.image.caption, rewrite.image.credit) == ("Новый мост на проспекте Абая", "Акорда")


def test_rewrite_attributed_to_original_outlet(rewrite: Article) -> None:
    assert rewrite.source is not None
    assert (rewrite.source.name, rewrite.source.url) == ("prosud.kz", "https://prosud.kz/news/most-almatinka")


def test_blocks_keep_subheadings_and_quotes_in_order(rewrite: Article) -> None:
    kinds = [block.kind for block in rewrite.blocks]
    assert kinds == ["paragraph", "paragraph", "heading", "paragraph", "quote", "paragraph"]
    assert rewrite.blocks[2].text == "Сколько стоило строительство"
    assert rewrite.text == "\n\n".join(block.text for block in rewrite.blocks)


@pytest.mark.parametrize("junk", FURNITURE)
def test_furniture_never_leaks_into_text(rewrite: Article, junk: str) -> None:
    assert junk not in rewrite.text


def test_jsonld_credits_lead_and_inline_attribution() -> None:
    article = extract_article((PAGES / "credits_news.html").read_bytes(), "https://vestnik.example.ru/2025/05/14/shkoly",
                              fetched_at=FETCHED, timezone="Europe/Moscow")
    assert article.title == "Правительство утвердило план ремонта школ"
    assert article.published == "2025-05-14T18:42:00+03:00"  # JSON-LD date without offset → source zone
    assert article.modified == "2025-05-14T19:05:00+03:00"
    assert article.authors == ["Иван Иванов"]  # "Редакция" dropped
    assert set(article.credits) == {"Дмитрий Азаров / Коммерсантъ", "пресс-служба акимата Алматы", "РИА Новости"}
    assert article.image is not None and article.image.caption == "Школа в Подмосковье после ремонта"
    assert article.image.credit == "Дмитрий Азаров / Коммерсантъ"
    assert article.lead == "Ремонт начнётся летом и затронет триста школ в пяти областях."
    assert article.source is not None and article.source.name == "ТАСС"
    assert (article.section, article.site_tags) == ("Общество", ["образование", "школы"])
    for junk in ("Фото", "©", "Автор:", "ivanov@", "Класс до ремонта"):
        assert junk not in article.text
    assert len(article.blocks) == 3


def test_windows_1251_bytes_are_decoded() -> None:
    html = (PAGES / "rewrite_news.html").read_text(encoding="utf-8").replace('charset="utf-8"',
                                                                               'charset="windows-1251"')
    article = extract_article(html.encode("cp1251"), REWRITE_URL, fetched_at=FETCHED)
    assert article.title == "В Алматы открыли новый мост через Большую Алматинку"
    assert "Большая Алматинка" in article.text
    assert article.authors == ["Дмитрий Попов", "Айгерим Садыкова"]


def test_listing_page_is_not_an_article() -> None:
    with pytest.raises(NotAnArticle) as error:
        extract_article((PAGES / "listing.html").read_bytes(), "https://example-news.kz/ru/city")
    assert error.value.reason == "listing page"


@pytest.mark.parametrize("html", ["", "   ", b"", "<html><head></head><body><div></div></body></html>",
                                  "<html><body><p>Да.</p></body></html>"])
def test_empty_pages_are_not_articles(html: str | bytes) -> None:
    with pytest.raises(NotAnArticle):
        extract_article(html, "https://example-news.kz/ru/empty")


def test_title_without_body_is_kept_with_empty_text() -> None:
    page = "<html><head><meta property='og:title' content='Заголовок без текста'></head><body></body></html>"
    article = extract_article(page, "https://example-news.kz/ru/x")
    assert (article.title, article.text, article.blocks) == ("Заголовок без текста", "", [])


def test_unknown_timezone_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown timezone"):
        extract_article("<html><body><p>Текст</p></body></html>", "https://example.kz/", timezone="Mars/Base")


def test_article_round_trips_through_dict(rewrite: Article) -> None:
    assert Article.from_dict(rewrite.to_dict()) == rewrite


STORY = """<html lang="ru"><head><meta charset="utf-8"><title>{title}</title></head><body>
<h1>{title}</h1>
{lead}
<p>Первый абзац истории о том, как в городе меняют систему оплаты проезда: с июля карты будут работать во всех
автобусах и троллейбусах, а наличные водители принимать перестанут, сообщили в транспортном холдинге города.</p>
<p>Второй абзац: новые валидаторы уже поставили в половину машин, остальные получат их до конца июня. Пассажиры,
у которых нет карты, смогут оплатить поездку телефоном или купить разовый билет в приложении.</p>
<p>Третий абзац рассказывает о ценах: стоимость поездки по карте не изменится, а пересадка в течение сорока минут
останется бесплатной, как и сейчас, уточнили в акимате и пообещали сохранить льготы.</p>
{more}
</body></html>"""


def test_bold_first_paragraph_becomes_the_lead() -> None:
    lead = ("<p><strong>С июля в автобусах города перестанут принимать наличные: платить можно будет картой."
            "</strong></p>")
    article = extract_article(STORY.format(title="Наличные в автобусах отменят", lead=lead, more=""),
                              "https://example.kz/ru/news/1")
    assert article.lead == "С июля в автобусах города перестанут принимать наличные: платить можно будет картой."
    assert article.lead not in article.text
    assert article.text.startswith("Первый абзац")


def test_story_with_a_big_more_news_block_is_still_an_article() -> None:
    more = "".join(f'<div><h3><a href="/ru/news/{n}">Другая новость номер {n}</a></h3></div>' for n in range(12))
    article = extract_article(STORY.format(title="Наличные в автобусах отменят", lead="", more=more),
                              "https://example.kz/ru/news/2")
    assert article.title == "Наличные в автобусах отменят"
    assert "Другая новость" not in article.text
    assert article.section is None or article.section != "news"


def test_decoding_without_the_fetch_decoder() -> None:
    from svodka.extract.decoding import _decode_fallback

    text = "<html><head><meta charset='windows-1251'></head><body><p>Привет, Алматы</p></body></html>"
    assert "Привет, Алматы" in _decode_fallback(text.encode("cp1251"), None)
    assert "Привет" in _decode_fallback("\ufeff<p>Привет</p>".encode(), None)
    assert "Привет" in _decode_fallback("<p>Привет</p>".encode("cp1251"), "text/html; charset=windows-1251")
