"""parse_feed on our own small fixtures: one RSS/RDF/Atom dialect per file, plus broken and huge feeds."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from svodka.feeds.dates import to_iso8601
from svodka.feeds.parse import FeedParseError, parse_feed, plain_text
from svodka.models import FeedEntry

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"


def parse_fixture(name: str, url: str = "https://example.kz/rss.xml", **kwargs: int) -> object:
    return parse_feed((FIXTURES / name).read_bytes(), url, **kwargs)


@pytest.mark.parametrize(
    ("fixture", "kind", "title", "site_url", "ttl", "urls"),
    [
        ("rss20.xml", "rss", "Пример & Новости", "https://example.kz/", 15,
         ["https://example.kz/news/1?utm_source=rss", "https://example.kz/news/2", "https://example.kz/news/3"]),
        ("rss091.xml", "rss", "Старая лента", "http://old.example.uz/", None,
         ["http://old.example.uz/a/1.html", "http://old.example.uz/a/2.html"]),
        ("rdf.xml", "rdf", "RDF feed", "https://rdf.example.kg/", None,
         ["https://rdf.example.kg/1", "https://rdf.example.kg/2"]),
        ("atom.xml", "atom", "Atom feed", "https://atom.example.ru/", None,
         ["https://atom.example.ru/blog/posts/1", "https://atom.example.ru/posts/2"]),
        ("truncated.xml", "rss", "Truncated", "https://cut.example.kz/", None,
         ["https://cut.example.kz/1", "https://cut.example.kz/2"]),
    ],
)
def test_feed_dialects(fixture: str, kind: str, title: str, site_url: str, ttl: int | None, urls: list[str]) -> None:
    feed = parse_fixture(fixture)
    assert (feed.kind, feed.title, feed.site_url, feed.ttl_minutes) == (kind, title, site_url, ttl)
    assert [entry.url for entry in feed.entries] == urls


@pytest.mark.parametrize(
    ("fixture", "index", "expected"),
    [
        ("rss20.xml", 0, FeedEntry(
            url="https://example.kz/news/1?utm_source=rss", title="Первая новость",
            published="2024-01-01T10:00:00+05:00", summary="Первый абзац. Второй абзац.",
            categories=["Политика", "Казахстан"], authors=["Иван Петров"],
            image_url="https://example.kz/img/1.jpg")),
        ("rss20.xml", 1, FeedEntry(
            url="https://example.kz/news/2", title="Вторая новость", published="2024-01-01T09:30:00+03:00",
            summary="Текст без разметки", image_url="https://example.kz/img/2.png")),
        # The audio enclosure is not an image; the <img> of the description is, resolved against the feed URL.
        ("rss20.xml", 2, FeedEntry(
            url="https://example.kz/news/3", title="Картинка в описании", published="2023-12-31T23:00:00+00:00",
            summary="Подпись", image_url="https://example.kz/uploads/3.webp")),
        ("rdf.xml", 0, FeedEntry(
            url="https://rdf.example.kg/1", title="RDF one", published="2024-03-05T12:00:00+06:00",
            categories=["Экономика"], authors=["Айбек Садыков"])),
        ("atom.xml", 0, FeedEntry(
            url="https://atom.example.ru/blog/posts/1", title="Atom entry", published="2024-02-01T08:00:00+03:00",
            summary="Краткое описание", categories=["Общество"], authors=["Анна Смирнова", "Олег Ким"],
            image_url="https://atom.example.ru/media/1.jpg")),
        ("atom.xml", 1, FeedEntry(
            url="https://atom.example.ru/posts/2", title="Only updated", published="2024-01-31T23:59:59+00:00")),
    ],
)
def test_entry_fields(fixture: str, index: int, expected: FeedEntry) -> None:
    assert parse_fixture(fixture).entries[index] == expected


def test_relative_links_resolve_against_the_feed_url_and_unsafe_links_are_dropped() -> None:
    feed = parse_fixture("relative.xml", url="https://example.kz/feed/rss.xml")
    assert feed.site_url == "https://example.kz/"
    assert [entry.url for entry in feed.entries] == [
        "https://example.kz/news/10",
        "https://example.kz/feed/news/11",
        "https://cdn.example.kz/news/12",
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"   \n\t ", "empty"),
        ((FIXTURES / "not_a_feed.html").read_bytes(), "HTML"),
        (b"<html><body>just a page</body></html>", "HTML"),
        (b"\x00\x01\x02 binary garbage \xff\xfe", "no feed"),
        (b"Not Found", "no feed"),
        (b'<?xml version="1.0"?><opml version="2.0"><body/></opml>', "OPML"),
    ],
)
def test_nothing_usable_raises(body: bytes, message: str) -> None:
    with pytest.raises(FeedParseError, match=message):
        parse_feed(body, "https://example.kz/rss")


def test_a_body_naming_a_local_file_is_not_opened() -> None:
    # Plain feedparser.parse(b"/path") reads that file; a hostile server must not make us parse local files.
    with pytest.raises(FeedParseError):
        parse_feed(str(FIXTURES / "rss20.xml").encode(), "https://example.kz/rss")


def test_charset_from_content_type() -> None:
    body = '<rss version="2.0"><channel><title>Новости Бишкека</title><item><title>Курс сома</title>' \
           "<link>https://kg.example.kg/1</link></item></channel></rss>"
    feed = parse_feed(body.encode("cp1251"), "https://kg.example.kg/rss",
                      content_type="application/rss+xml; charset=windows-1251")
    assert (feed.title, feed.entries[0].title) == ("Новости Бишкека", "Курс сома")


def test_guid_stands_in_for_a_missing_link_and_repeats_are_dropped() -> None:
    body = (b'<rss version="2.0"><channel><title>t</title>'
            b"<item><title>first</title><guid>https://a.kz/1</guid></item>"
            b'<item><title>no url at all</title><guid isPermaLink="false">urn:a:2</guid></item>'
            b"<item><title>repeat</title><link>https://a.kz/1</link></item>"
            b"<item><title>second</title><link>https://a.kz/2</link></item></channel></rss>")
    feed = parse_feed(body, "https://a.kz/rss")
    assert [(entry.url, entry.title) for entry in feed.entries] == [("https://a.kz/1", "first"),
                                                                     ("https://a.kz/2", "second")]


def test_valid_feed_without_items_is_not_an_error() -> None:
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title><ttl>60</ttl></channel></rss>'
    feed = parse_feed(body, "https://quiet.example.kz/rss")
    assert (feed.kind, feed.title, feed.entries, feed.ttl_minutes) == ("rss", "Quiet", [], 60)


@pytest.mark.parametrize(("ttl", "expected"), [("30", 30), (" 5 ", 5), ("0", None), ("-3", None), ("soon", None)])
def test_ttl(ttl: str, expected: int | None) -> None:
    body = f'<rss version="2.0"><channel><title>t</title><ttl>{ttl}</ttl></channel></rss>'.encode()
    assert parse_feed(body, "https://example.kz/rss").ttl_minutes == expected


def _huge_feed(count: int, dialect: str) -> tuple[bytes, list[int]]:
    """A feed of `count` items whose dates are shuffled; returns it and the item numbers newest first."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    minutes = list(range(count))
    random.Random(7).shuffle(minutes)
    if dialect == "atom":
        items = "".join(
            f"<entry><title>Новость {number}</title><link href='https://big.example.kz/news/{number}'/>"
            f"<id>urn:n:{number}</id><updated>{(start + timedelta(minutes=minute)).isoformat()}</updated>"
            f"<summary type='html'>&lt;p&gt;Текст {number}&lt;/p&gt;</summary></entry>"
            for number, minute in enumerate(minutes)
        )
        body = f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Big</title>{items}</feed>'
    else:
        items = "".join(
            f"<item><title>Новость {number}</title><link>https://big.example.kz/news/{number}</link>"
            f"<pubDate>{(start + timedelta(minutes=minute)).strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
            f"<description>&lt;p&gt;Текст {number}&lt;/p&gt;</description></item>"
            for number, minute in enumerate(minutes)
        )
        encoding = "windows-1251" if dialect == "rss-cp1251" else "utf-8"
        body = (f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>Big</title>{items}'
                "</channel></rss>")
    newest_first = sorted(range(count), key=lambda number: -minutes[number])
    return body.encode("cp1251" if dialect == "rss-cp1251" else "utf-8"), newest_first


@pytest.mark.parametrize(("dialect", "max_items"), [("rss", 200), ("rss", 37), ("atom", 200), ("rss-cp1251", 50)])
def test_huge_feed_keeps_only_the_newest_items(dialect: str, max_items: int) -> None:
    body, newest_first = _huge_feed(10_000, dialect)
    feed = parse_feed(body, "https://big.example.kz/rss", max_items=max_items)
    kept = {int(entry.url.rsplit("/", 1)[1]) for entry in feed.entries}
    assert kept == set(newest_first[:max_items])
    # Kept entries stay in the feed's own order.
    assert [entry.url for entry in feed.entries] == sorted(
        (entry.url for entry in feed.entries), key=lambda url: int(url.rsplit("/", 1)[1]))
    assert feed.entries[0].summary is not None and feed.entries[0].summary.startswith("Текст")
    assert feed.entries[0].title is not None and feed.entries[0].title.startswith("Новость")


def test_huge_feed_in_the_http_charset_only() -> None:
    body, newest_first = _huge_feed(1_000, "rss")
    undeclared = body.decode("utf-8").replace('<?xml version="1.0"?>', "").encode("cp1251")
    feed = parse_feed(undeclared, "https://big.example.kz/rss", max_items=10,
                      content_type="application/rss+xml; charset=windows-1251")
    assert {int(entry.url.rsplit("/", 1)[1]) for entry in feed.entries} == set(newest_first[:10])
    assert all(entry.title and entry.title.startswith("Новость") for entry in feed.entries)


def test_max_items_compares_dates_across_offsets() -> None:
    # Item 2 (09:30 MSK = 06:30 UTC) is newer than item 1 (10:00 +05:00 = 05:00 UTC) though it comes later.
    feed = parse_fixture("rss20.xml", max_items=1)
    assert [entry.url for entry in feed.entries] == ["https://example.kz/news/2"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Mon, 01 Jan 2024 10:00:00 +0500", "2024-01-01T10:00:00+05:00"),
        ("Mon, 01 Jan 2024 10:00:00 MSK", "2024-01-01T10:00:00+03:00"),
        ("Mon, 01 Jan 2024 10:00:00 ALMT", "2024-01-01T10:00:00+05:00"),
        ("Mon, 01 Jan 2024 10:00:00 GMT", "2024-01-01T10:00:00+00:00"),
        ("01 Jan 2024 10:00 +0300", "2024-01-01T10:00:00+03:00"),
        ("2024-01-01T10:00:00Z", "2024-01-01T10:00:00+00:00"),
        ("2024-01-01T10:00:00+06:00", "2024-01-01T10:00:00+06:00"),
        ("2024-01-01 10:00:00", "2024-01-01T10:00:00"),  # No offset given: stays naive for the source's zone.
        ("Mon, 01 Jan 2024 10:00:00", "2024-01-01T10:00:00"),
        ("25 ноября 2024, 13:05", "2024-11-25T13:05:00"),
        ("1 мая 2024", "2024-05-01T00:00:00"),
        ("3 марта 2024 г. в 9:15", "2024-03-03T09:15:00"),
        ("25.11.2024 13:05:07", "2024-11-25T13:05:07"),
        ("31 февраля 2024", None),
        ("вчера", None),
        ("", None),
        (None, None),
    ],
)
def test_dates_keep_the_offset(raw: str | None, expected: str | None) -> None:
    assert to_iso8601(raw) == expected


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("a < b и c > d", "a < b и c > d"),
        ("Plain & simple", "Plain & simple"),
        ("Tom &amp; Jerry &laquo;x&raquo;&nbsp;!", "Tom & Jerry «x» !"),
        ("&#1058;ест", "Тест"),
        ("<p>Один</p><p>Два</p>", "Один Два"),
        ("x<br>y", "x y"),
        ("<script>alert(1)</script>Текст<style>p{}</style>", "Текст"),
        ("  \n ", None),
        ("", None),
        (None, None),
    ],
)
def test_plain_text(markup: str | None, expected: str | None) -> None:
    assert plain_text(markup) == expected


def test_double_escaped_titles_are_decoded() -> None:
    # Many Russian feeds escape their titles twice: "&amp;laquo;" for «.
    body = ('<rss version="2.0"><channel><title>t</title><item><link>https://a.kz/1</link>'
            "<title>&amp;laquo;Астана&amp;raquo; &amp;mdash; чемпион</title></item></channel></rss>").encode()
    assert parse_feed(body, "https://a.kz/rss").entries[0].title == "«Астана» — чемпион"
