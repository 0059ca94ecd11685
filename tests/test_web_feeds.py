"""Feeds out (RSS 2.0 and Atom) parse cleanly with feedparser; OPML lists every source."""

from __future__ import annotations

import feedparser
import pytest
from lxml import etree
from web_fixtures import make_site


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return make_site(tmp_path_factory.mktemp("feeds"))[0]


TOP = {"Токаев и Мирзиёев обсудили торговлю", "Нацбанк сохранил базовую ставку", "Курс тенге почти не изменился"}


@pytest.mark.parametrize(
    ("path", "version", "titles"),
    [
        ("/feed.xml", "rss20", TOP),
        ("/feed.xml?format=atom", "atom10", TOP),
        ("/feed.atom", "atom10", TOP),
        ("/category/economy/feed.xml", "rss20", {"Нацбанк Казахстана сохранил ставку"}),
        ("/category/economy/feed.atom", "atom10", {"Нацбанк Казахстана сохранил ставку"}),
        ("/tag/mirziyoyev/feed.xml", "rss20", {"Токаев провёл переговоры с Мирзиёевым", "Мирзиёев прибыл в Астану"}),
        ("/tag/mirziyoyev/feed.atom", "atom10", {"Токаев провёл переговоры с Мирзиёевым", "Мирзиёев прибыл в Астану"}),
        ("/search/feed.xml?q=ставки", "rss20", {"Нацбанк Казахстана сохранил ставку"}),
        ("/search/feed.atom?q=ставки", "atom10", {"Нацбанк Казахстана сохранил ставку"}),
        ("/search/feed.xml?q=", "rss20", set()),
    ],
)
def test_feeds_are_valid(client, path: str, version: str, titles: set[str]) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == version
    assert {e.title for e in parsed.entries} == titles
    assert parsed.feed.title.startswith("Сводка")
    for entry in parsed.entries:
        assert entry.link.startswith("http://testserver/")
        assert entry.id
        assert entry.get("published_parsed") or entry.get("updated_parsed")


def test_feed_escapes_markup_in_titles(client) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/category/society/feed.xml").content
    assert b"<script>" not in body
    parsed = feedparser.parse(body)
    assert not parsed.bozo
    assert parsed.entries[0].title.startswith("Опасный")


def test_feed_404_for_unknown_tag_and_category(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/tag/nobody/feed.xml").status_code == 404
    assert client.get("/category/nothing/feed.atom").status_code == 404


def test_opml_lists_sources(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sources.opml")
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    outlines = root.findall("./body/outline")
    assert {o.get("xmlUrl") for o in outlines} == {"https://kaztag.example/rss", "https://gazeta.example/feed",
                                                  "https://broken.example/rss"}
    assert all(o.get("type") == "rss" and o.get("text") for o in outlines)


def test_head_requests_get_headers_only(client) -> None:  # type: ignore[no-untyped-def]
    for path in ["/feed.xml", "/article/1", "/sources.opml"]:
        get = client.get(path)
        head = client.head(path)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["etag"] == get.headers["etag"]
        assert head.headers["content-type"] == get.headers["content-type"]
