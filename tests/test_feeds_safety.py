"""Hostile XML: billion laughs and external entities must neither expand nor read files, in any parser."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from lxml import etree
from pytest_httpserver import HTTPServer

from svodka.feeds.discovery import looks_like_feed
from svodka.feeds.errors import FeedParseError
from svodka.feeds.opml import read_opml
from svodka.feeds.parse import parse_feed
from svodka.feeds.safexml import declares_entities, parse_xml, safe_xml_parser
from svodka.feeds.sitemap import parse_sitemap

SECRET = Path("/etc/passwd")


def _laughs_dtd() -> str:
    levels = ['<!ENTITY lol0 "lol">']
    levels += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return "<!DOCTYPE lolz [\n" + "\n".join(levels) + "\n]>\n"


XXE_DTD = f'<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file://{SECRET}"> ]>\n'
ATTACKS = {"billion-laughs": (_laughs_dtd(), "&lol9;"), "xxe": (XXE_DTD, "&xxe;")}

DOCUMENTS = {
    "rss": '<rss version="2.0"><channel><title>{ref}</title><item><title>{ref}</title>'
           "<link>https://a.kz/1</link><description>{ref}</description></item></channel></rss>",
    "sitemap": '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://a.kz/1</loc>'
               '<news:news xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><news:title>{ref}</news:title>'
               "</news:news></url></urlset>",
    "opml": '<opml version="2.0"><head><title>{ref}</title></head><body>'
            '<outline text="{ref}" xmlUrl="https://a.kz/rss"/></body></opml>',
}


def hostile(document: str, attack: str) -> bytes:
    dtd, ref = ATTACKS[attack]
    return f'<?xml version="1.0"?>\n{dtd}{DOCUMENTS[document].format(ref=ref)}'.encode()


def _secret_marker() -> str | None:
    """A line of /etc/passwd that must never appear in parsed output (None where the file is absent)."""
    try:
        return SECRET.read_text().splitlines()[0]
    except (OSError, IndexError):
        return None


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_feedparser_neither_expands_nor_reads_files(attack: str) -> None:
    feed = parse_feed(hostile("rss", attack), "https://a.kz/rss")
    dumped = repr(feed)
    assert "lollol" not in dumped
    if marker := _secret_marker():
        assert marker not in dumped
    assert len(dumped) < 2_000
    assert [entry.url for entry in feed.entries] == ["https://a.kz/1"]


@pytest.mark.parametrize("attack", sorted(ATTACKS))
@pytest.mark.parametrize(("document", "reader"), [("sitemap", parse_sitemap), ("opml", read_opml)])
def test_sitemap_and_opml_refuse_entity_declarations(document: str, reader: object, attack: str) -> None:
    with pytest.raises(FeedParseError, match="declares XML entities"):
        reader(hostile(document, attack))  # type: ignore[operator]


@pytest.mark.parametrize("attack", sorted(ATTACKS))
@pytest.mark.parametrize("document", sorted(DOCUMENTS))
def test_entity_declarations_are_seen(document: str, attack: str) -> None:
    body = hostile(document, attack)
    assert declares_entities(body)
    assert looks_like_feed(body) is (document != "opml")  # A sniff only: parsing is where safety lives.


def test_no_parser_fetches_an_external_dtd_or_entity(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/evil.dtd").respond_with_data('<!ENTITY leak "LEAKED">', content_type="text/xml")
    dtd_url = httpserver.url_for("/evil.dtd")
    body = (f'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "{dtd_url}">\n<rss version="2.0"><channel>'
            f"<title>&leak;</title><item><link>https://a.kz/1</link></item></channel></rss>").encode()
    remote = (f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY % p SYSTEM "{dtd_url}"> %p;]>'
              f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://a.kz/&leak;</loc>'
              f"</url></urlset>").encode()
    outputs = [repr(parse_feed(body, "https://a.kz/rss"))]
    for document in (body, remote):
        with contextlib.suppress(etree.XMLSyntaxError):
            outputs.append(etree.tostring(etree.fromstring(document, parser=safe_xml_parser(recover=True))).decode())
    assert httpserver.log == []
    assert not any("LEAKED" in output for output in outputs)


def test_safe_parser_does_not_expand_billion_laughs() -> None:
    body = hostile("sitemap", "billion-laughs")
    try:
        root = parse_xml(body)
    except etree.XMLSyntaxError:
        return  # libxml2's amplification guard refused the document: also fine.
    assert "lollol" not in etree.tostring(root, encoding="unicode")


def test_safe_parser_does_not_read_local_files() -> None:
    root = parse_xml(hostile("sitemap", "xxe"))
    text = "".join(root.itertext())
    if marker := _secret_marker():
        assert marker not in text
    assert "root:" not in text


def test_plain_doctype_without_entities_is_accepted() -> None:
    body = (b'<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
            b'"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n<rss version="0.91"><channel><title>t</title>'
            b"<item><title>i</title><link>https://a.kz/1</link></item></channel></rss>")
    assert not declares_entities(body)
    assert looks_like_feed(body)
    assert [entry.url for entry in parse_feed(body, "https://a.kz/rss").entries] == ["https://a.kz/1"]
