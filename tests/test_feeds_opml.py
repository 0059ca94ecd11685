"""OPML reading (nested folders, odd attribute case, bad outlines), writing, round trip, and sources/default.opml."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from svodka.feeds.errors import FeedParseError
from svodka.feeds.opml import read_opml, write_opml
from svodka.feeds.urls import host_of
from svodka.models import FeedLink

DEFAULT_OPML = Path(__file__).resolve().parents[1] / "sources" / "default.opml"

NESTED = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>Подписки</title></head>
  <body>
    <outline type="rss" text="Top level" xmlUrl="https://top.example.kz/rss"/>
    <outline text="Новости">
      <outline title="Казахстан">
        <outline type="rss" text="Text only" xmlurl="https://a.example.kz/rss" htmlurl="https://a.example.kz/"
                 svodkaTimezone="Asia/Almaty"/>
        <outline type="rss" title="Title wins" text="ignored" xmlUrl="https://b.example.kz/feed"/>
      </outline>
      <outline type="rss" text="In the outer folder" xmlUrl="https://c.example.ru/rss" htmlUrl="javascript:x"/>
    </outline>
    <outline type="rss" text="Own category" category="/Спорт" xmlUrl="https://d.example.uz/rss"/>
    <outline type="rss" text="Not http" xmlUrl="file:///etc/passwd"/>
    <outline type="rss" text="Empty url" xmlUrl=""/>
  </body>
</opml>
""".encode()


def test_read_nested_opml() -> None:
    assert read_opml(NESTED) == [
        FeedLink(feed_url="https://top.example.kz/rss", title="Top level"),
        FeedLink(feed_url="https://a.example.kz/rss", title="Text only", site_url="https://a.example.kz/",
                 timezone="Asia/Almaty", category="Казахстан"),
        FeedLink(feed_url="https://b.example.kz/feed", title="Title wins", category="Казахстан"),
        FeedLink(feed_url="https://c.example.ru/rss", title="In the outer folder", category="Новости"),
        FeedLink(feed_url="https://d.example.uz/rss", title="Own category", category="/Спорт"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"<opml><head>", "well-formed"),
        (b'<rss version="2.0"><channel/></rss>', "not OPML"),
        (b'<opml version="2.0"><head/></opml>', "without a <body>"),
        (b"<html><body>nope</body></html>", "not OPML"),
    ],
)
def test_bad_opml(data: bytes, message: str) -> None:
    with pytest.raises(FeedParseError, match=message):
        read_opml(data)


LINKS = [
    FeedLink(feed_url="https://x.example.kz/rss", title="Без категории"),
    FeedLink(feed_url="https://a.example.kz/rss?a=1&b=2", title="Ā & <b>", site_url="https://a.example.kz/",
             timezone="Asia/Almaty", category="Казахстан"),
    FeedLink(feed_url="https://u.example.uz/rss", title="Газета", category="Узбекистан", timezone="Asia/Tashkent"),
    FeedLink(feed_url="https://b.example.kz/feed", title="B", category="Казахстан"),
]


def test_write_opml_round_trips_grouped_by_category() -> None:
    data = write_opml(LINKS, title="Мои источники")
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert b'<opml version="2.0">' in data
    assert "<title>Мои источники</title>".encode() in data
    assert read_opml(data) == [LINKS[0], LINKS[1], LINKS[3], LINKS[2]]


def test_write_opml_of_nothing_is_still_valid() -> None:
    assert read_opml(write_opml([])) == []


def test_default_opml() -> None:
    links = read_opml(DEFAULT_OPML.read_bytes())
    hosts = {host_of(link.feed_url) for link in links} | {host_of(link.site_url or "") for link in links}
    required = {"tengrinews.kz", "zakon.kz", "nur.kz", "inform.kz", "kursiv.media", "prosud.kz", "kapital.kz",
                "vlast.kz", "gazeta.uz", "kun.uz", "podrobno.uz", "uza.uz", "24.kg", "kaktus.media", "akipress.org",
                "tass.ru", "interfax.ru", "ria.ru", "kommersant.ru", "rbc.ru"}
    assert required <= hosts
    zones = {"Казахстан": "Asia/Almaty", "Узбекистан": "Asia/Tashkent", "Кыргызстан": "Asia/Bishkek",
             "Россия": "Europe/Moscow"}
    for link in links:
        assert link.title and link.site_url, link
        assert link.category in zones, link
        assert link.timezone == zones[link.category], link
        ZoneInfo(link.timezone)  # A real IANA zone.
    assert len({link.feed_url for link in links}) == len(links)
    assert read_opml(write_opml(links)) == links
