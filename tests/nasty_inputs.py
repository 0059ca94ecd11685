"""Malformed input for the fuzz tests: hypothesis strategies that mutate small valid documents, and a corpus of
nasty real-world cases (hostile XML, broken encodings, NUL bytes, huge lines, deep nesting, invalid dates).

Everything is generated here in code from our own few-line seeds; the large cases are built on demand (inside a
child process, see `tests/test_fuzz_nasty.py`), never stored. `CANARY` marks where a test puts the URL of a local
HTTP server that no parser may contact.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

# Replaced by each test with the URL of its local server; a request reaching that server is a failure.
CANARY = b"http://canary.invalid/"
SECRET_FILE = "/etc/passwd"


def _secret_line() -> str | None:
    try:
        return Path(SECRET_FILE).read_text().splitlines()[0]
    except (OSError, IndexError):
        return None


# The file's first line: found in a parser's output, it means an external entity was read.
SECRET_LINE = _secret_line()

# --- seeds: small valid documents of every format we read ----------------------------------------------------

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>
<title>Новости Казахстана</title><link>https://news.example.kz/</link><ttl>30</ttl>
<item><title>Токаев прибыл в Ташкент</title><link>https://news.example.kz/news/1</link>
<pubDate>Mon, 25 Nov 2024 10:00:00 +0500</pubDate><category>Политика</category>
<description><![CDATA[<p>Президент <b>Казахстана</b> начал визит.</p><img src="/i/1.jpg">]]></description>
<media:content url="https://news.example.kz/i/1.jpg" medium="image"/></item>
<item><title>Курс тенге &amp; доллар</title><link>/news/2</link><pubDate>25 ноября 2024, 13:05</pubDate>
<author>Иван Петров</author><description>&lt;p&gt;Курс 480 тенге&lt;/p&gt;</description></item>
</channel></rss>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title type="html">Газета.uz</title>
<link href="https://gazeta.example.uz/"/><updated>2024-11-25T10:00:00+05:00</updated>
<entry><title>Мирзиёев принял делегацию</title><link href="https://gazeta.example.uz/ru/1"/>
<id>tag:gazeta.example.uz,2024:1</id><published>2024-11-25T09:30:00+05:00</published>
<author><name>Редакция</name></author><summary type="html">&lt;b&gt;Встреча&lt;/b&gt; в Ташкенте</summary>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Текст</p></div></content></entry>
</feed>"""
RDF = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/"><channel rdf:about="https://kg.example.kg/"><title>24.kg</title>
<link>https://kg.example.kg/</link></channel>
<item rdf:about="https://kg.example.kg/1"><title>Курс сома</title><link>https://kg.example.kg/1</link>
<dc:date>2024-11-25T10:00:00+06:00</dc:date></item></rdf:RDF>"""
SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
 xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
 xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
<url><loc>https://news.example.kz/news/1</loc><lastmod>2024-11-25T10:00:00+05:00</lastmod>
<news:news><news:publication_date>2024-11-25T09:00:00+05:00</news:publication_date>
<news:title>Токаев прибыл в Ташкент</news:title><news:keywords>Токаев, визит</news:keywords></news:news>
<image:image><image:loc>https://news.example.kz/i/1.jpg</image:loc></image:image></url>
<url><loc>https://news.example.kz/news/2</loc><lastmod>2024-11-24</lastmod></url>
</urlset>"""
SITEMAP_INDEX = """<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://news.example.kz/sitemap-1.xml</loc><lastmod>2024-11-25</lastmod></sitemap>
<sitemap><loc>https://news.example.kz/sitemap-2.xml</loc></sitemap></sitemapindex>"""
OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Источники</title></head><body>
<outline text="Казахстан" title="Казахстан">
<outline type="rss" text="Tengrinews" xmlUrl="https://tengrinews.example.kz/rss" htmlUrl="https://tengrinews.example.kz/"
 svodkaTimezone="Asia/Almaty"/></outline>
<outline type="rss" text="Kun.uz" xmlUrl="https://kun.example.uz/rss" category="Узбекистан"/>
</body></opml>"""
ARTICLE = """<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>Токаев прибыл в Ташкент — Новости</title>
<meta property="og:title" content="Токаев прибыл в Ташкент">
<meta property="og:type" content="article">
<meta property="article:published_time" content="2024-11-25T10:00:00+05:00">
<meta name="description" content="Президент Казахстана начал государственный визит в Узбекистан.">
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Токаев прибыл в Ташкент",
"datePublished": "2024-11-25T10:00:00+05:00", "author": {"name": "Иван Петров"}}</script></head>
<body><nav><a href="/">Главная</a> <a href="/politics">Политика</a></nav><article>
<h1>Токаев прибыл в Ташкент</h1><div class="date">вчера в 18:42</div><div class="author">Иван Петров</div>
<p>Президент Казахстана Касым-Жомарт Токаев прибыл в Ташкент с государственным визитом, сообщает Акорда.</p>
<figure><img src="/i/1.jpg"><figcaption>Фото: Акорда</figcaption></figure>
<p>Стороны обсудят 78 совместных проектов на $10 млрд и торговлю, которая выросла на 12,5% к 2030 году.</p>
</article><footer>© 2024</footer></body></html>"""

FEED_SEEDS = [RSS.encode(), ATOM.encode(), RDF.encode(), SITEMAP.encode(), SITEMAP_INDEX.encode()]
XML_SEEDS = [*FEED_SEEDS, OPML.encode()]
HTML_SEEDS = [ARTICLE.encode(), ARTICLE.encode("cp1251", errors="replace").replace(b'charset="utf-8"',
                                                                                    b'charset="windows-1251"')]

# --- building blocks of nasty input --------------------------------------------------------------------------

NASTY_DATES = [
    "Fri, 30 Feb 2024 10:00:00 +0500", "2024-02-30T10:00:00+05:00", "30 февраля 2024, 10:00", "30.02.2024 10:00",
    "0000-01-01T00:00:00Z", "Mon, 01 Jan 0000 00:00:00 GMT", "1 января 0 года", "01.01.0000",
    "9999-12-31T23:59:59-14:00", "Fri, 31 Dec 9999 23:59:59 -1400", "31 декабря 9999, 23:59", "99999-01-01",
    "вчера в 25:61", "сегодня, 24:00", "99:99", "-1", "-86400", "-9999999999999", "0", "99999999999",
    "9999999999999", "1e400", "NaN", "2024-13-45T99:99:99+99:99", "2024-01-01T00:00:00+2400",
    "Mon, 01 Jan 2024 10:00:00 +9999", "Mon, 01 Jan 2024 10:00:00 XYZT", "32 мая", "0 мая 2024",
    f"{'9' * 5000} дней назад", "99999999999 дней назад", "10000000 недель назад", "9999999 часов назад",
    "\u200f25.11.2024\u200e", "２０２４-１１-２５", "٢٠٢٤-١١-٢٥", "2024-11-25\x00T10:00", "", " ", "\x00",
]
TEXT_JUNK = [
    "\u202e", "\u202d", "\u200f", "\u200e", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u0301" * 50,
    "\U0001f600", "\ufffd", "\x00", "\x1b[31m", "\u2028", "\r", "מקור", "مصدر", "𝟗𝟗𝟗", "²³", "Ⅻ", "٣",
]
RAW_JUNK = [
    b"\x00", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\x80",
    b"\xd0", b"]]>", b"<![CDATA[", b"<!--", b"-->", b"<?xml version='1.0' encoding='utf-16'?>", b"<!DOCTYPE x>",
    b"&", b"&amp", b"&nbsp;", b"&undefined;", b"&#0;", b"&#xD800;", b"&#99999999;", b"&#x110000;", b"&#;",
    b"<", b">", b"</", b"/>", b"<a", b'"', b"'", b"<script>alert(1)</script>", b"<br/>" * 8, b"\r\n", b"\t",
]
ENCODINGS = ["cp1251", "koi8-r", "cp866", "latin-1", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"]
BOMS = [b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"\xef\xbb\xbf\xef\xbb\xbf"]


def billion_laughs(levels: int = 10, fanout: int = 10) -> str:
    """The DTD of the classic entity-expansion bomb; `&lol{levels - 1};` expands to fanout**(levels - 1) words."""
    lines = ['<!ENTITY lol0 "lol">']
    lines += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * fanout}">' for i in range(1, levels)]
    return "<!DOCTYPE lolz [\n" + "\n".join(lines) + "\n]>\n"


def entity_attacks(canary: bytes = CANARY) -> dict[str, tuple[bytes, bytes]]:
    """name -> (DTD to put before the root, reference to put in the text): expansion bombs and external entities."""
    url = canary.decode()
    return {
        "billion-laughs": (billion_laughs().encode(), b"&lol9;"),
        "quadratic-blowup": (b'<!DOCTYPE q [<!ENTITY a "' + b"a" * 50_000 + b'">]>\n', b"&a;" * 2_000),
        "xxe-file": (f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{SECRET_FILE}">]>\n'.encode(), b"&xxe;"),
        "xxe-http": (f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "{url}xxe">]>\n'.encode(), b"&xxe;"),
        "xxe-parameter": (f'<!DOCTYPE x [<!ENTITY % p SYSTEM "{url}dtd"> %p;]>\n'.encode(), b"&e;"),
        "external-dtd": (f'<!DOCTYPE rss SYSTEM "{url}rss.dtd">\n'.encode(), b"&e;"),
        "xinclude": (b"", f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{url}xi"/>'.encode()),
        "stylesheet": (f'<?xml-stylesheet type="text/xsl" href="{url}xsl"?>\n'.encode(), b""),
    }


_ATTACKS = st.sampled_from(list(entity_attacks().values()))
_XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>\s*")
_TAG = re.compile(rb"<[^<>]*>")
_TEXT_NODE = re.compile(rb">([^<>]+)<")


def with_prologue(document: bytes, dtd: bytes) -> bytes:
    """`document` with `dtd` placed after its XML declaration (or at its start)."""
    match = _XML_DECLARATION.match(document)
    end = match.end() if match else 0
    return document[:end] + dtd + document[end:]


def into_text(document: bytes, ref: bytes, which: int = 0) -> bytes:
    """`document` with `ref` appended to its `which`-th text node (modulo their count)."""
    nodes = list(_TEXT_NODE.finditer(document))
    if not nodes:
        return document + ref
    node = nodes[which % len(nodes)]
    return document[:node.end(1)] + ref + document[node.end(1):]


# --- structure-aware mutations (hypothesis) --------------------------------------------------------------------

Draw = Callable[[st.SearchStrategy[Any]], Any]


def _position(draw: Draw, doc: bytes) -> int:
    return draw(st.integers(0, len(doc)))


def _truncate(draw: Draw, doc: bytes) -> bytes:
    return doc[:_position(draw, doc)]


def _drop_tag(draw: Draw, doc: bytes) -> bytes:
    tags = list(_TAG.finditer(doc))
    if not tags:
        return doc
    tag = tags[draw(st.integers(0, len(tags) - 1))]
    return doc[:tag.start()] + doc[tag.end():]


def _insert(draw: Draw, doc: bytes) -> bytes:
    junk = draw(st.one_of(st.sampled_from(RAW_JUNK), st.binary(min_size=1, max_size=12),
                          st.sampled_from(TEXT_JUNK).map(lambda text: text.encode("utf-8", "surrogatepass"))))
    at = _position(draw, doc)
    return doc[:at] + junk + doc[at:]


def _duplicate(draw: Draw, doc: bytes) -> bytes:
    start = _position(draw, doc)
    end = draw(st.integers(start, min(len(doc), start + 400)))
    at = _position(draw, doc)
    return doc[:at] + doc[start:end] * draw(st.integers(1, 3)) + doc[at:]


def _reencode(draw: Draw, doc: bytes) -> bytes:
    """The text in another encoding while the declaration keeps naming the old one (servers do this)."""
    return doc.decode("utf-8", "replace").encode(draw(st.sampled_from(ENCODINGS)), "replace")


def _bom(draw: Draw, doc: bytes) -> bytes:
    return draw(st.sampled_from(BOMS)) + doc


def _declare_entities(draw: Draw, doc: bytes) -> bytes:
    dtd, ref = draw(_ATTACKS)
    return into_text(with_prologue(doc, dtd), ref, draw(st.integers(0, 40)))


def _nasty_date(draw: Draw, doc: bytes) -> bytes:
    """A date-looking text node (or any node) replaced with an impossible date."""
    nodes = list(_TEXT_NODE.finditer(doc))
    if not nodes:
        return doc
    dated = [node for node in nodes if re.search(rb"\d{4}|\d:\d\d", node.group(1))] or nodes
    node = dated[draw(st.integers(0, len(dated) - 1))]
    return doc[:node.start(1)] + draw(st.sampled_from(NASTY_DATES)).encode() + doc[node.end(1):]


def _nest(draw: Draw, doc: bytes) -> bytes:
    at = _position(draw, doc)
    tag = draw(st.sampled_from([b"div", b"item", b"outline", b"b", b"p", b"url", b"entry"]))
    depth = draw(st.integers(1, 300))
    return doc[:at] + (b"<" + tag + b">") * depth + doc[at:]


def _case(draw: Draw, doc: bytes) -> bytes:
    start = _position(draw, doc)
    end = draw(st.integers(start, len(doc)))
    return doc[:start] + doc[start:end].swapcase() + doc[end:]


def _huge_number(draw: Draw, doc: bytes) -> bytes:
    at = _position(draw, doc)
    return doc[:at] + b"9" * draw(st.integers(20, 5_000)) + doc[at:]


MUTATIONS = [_truncate, _drop_tag, _insert, _duplicate, _reencode, _bom, _declare_entities, _nasty_date, _nest,
             _case, _huge_number]


@st.composite
def mutated(draw: Draw, seeds: Sequence[bytes], max_mutations: int = 4) -> bytes:
    """One of `seeds` after 0..max_mutations random mutations (truncation, dropped tags, junk bytes, wrong
    encodings, BOMs, declared entities, impossible dates, deep nesting, case swaps, huge numbers)."""
    doc = draw(st.sampled_from(list(seeds)))
    for _ in range(draw(st.integers(0, max_mutations))):
        doc = draw(st.sampled_from(MUTATIONS))(draw, doc)
    return doc


def documents(seeds: Sequence[bytes]) -> st.SearchStrategy[bytes]:
    """Mutated seeds most of the time, plus plain random bytes and random text (what a broken server sends)."""
    return st.one_of(mutated(seeds), mutated(seeds), mutated(seeds), st.binary(max_size=300),
                     st.text(max_size=300).map(lambda text: text.encode("utf-8", "surrogatepass")))


# --- dates, queries and JSON lines ------------------------------------------------------------------------------

_RU_MONTHS = ["января", "февраля", "марта", "мая", "май", "сент.", "дек", "ноябрь", "мартобря"]
_EN_MONTHS = ["Jan", "Feb", "May", "Dec", "Foo"]


_OFFSETS = ["", "Z", "+05:00", "+0500", " +0500", "-14:00", "+06:00", " GMT", " MSK", " ALMT", "+99:99", " XYZ"]
_UNITS = ["секунд", "минут", "часов", "ч.", "дней", "недель", "лет"]


def _date_shapes() -> dict[str, st.SearchStrategy[str]]:
    """Strategies for each way dates are written (RFC 822, ISO 8601, Russian words, dotted, relative, epoch)."""
    # Mostly plausible values (5 in 6), so that parsers get past their first check; the rest out of range.
    def mostly(valid: st.SearchStrategy[int], junk: list[int]) -> st.SearchStrategy[int]:
        return st.one_of([valid] * 5 + [st.sampled_from(junk)])

    day = mostly(st.integers(1, 28), [0, 29, 30, 31, 32, 99])
    month = mostly(st.integers(1, 12), [0, 13, 99])
    year = mostly(st.integers(1990, 2100), [0, 1, 24, 99, 1899, 1969, 1970, 1989, 2101, 9999, 10_000, 99_999])
    hour = mostly(st.integers(0, 23), [24, 25, 61, 99])
    minute = mostly(st.integers(0, 59), [60, 61, 99])
    offset = st.sampled_from(_OFFSETS)
    number = st.one_of(st.integers(0, 100), st.integers(0, 10**6), st.integers(0, 10**30), st.just(10**4000))
    epoch = st.one_of(st.integers(631_152_000, 4_102_444_800), st.integers(631_152_000_000, 4_102_444_800_000),
                      st.integers(-(10**12), 10**14))
    fmt = st.builds
    return {
        "rfc822": fmt(lambda w, d, m, y, h, mi, o: f"{w}, {d:02d} {m} {y} {h:02d}:{mi:02d}:00{o}",
                      st.sampled_from(["Mon", "Fri", "Xyz"]), day, st.sampled_from(_EN_MONTHS), year, hour, minute,
                      offset),
        "iso": fmt(lambda y, m, d, h, mi, o, sep: f"{y:04d}-{m:02d}-{d:02d}{sep}{h:02d}:{mi:02d}:00{o}",
                   year, month, day, hour, minute, offset, st.sampled_from(["T", " "])),
        "russian": fmt(lambda d, m, y, h, mi: f"{d} {m} {y}, {h}:{mi:02d}", day, st.sampled_from(_RU_MONTHS), year,
                       hour, minute),
        "russian-no-year": fmt(lambda d, m, h, mi: f"{d} {m} в {h}:{mi:02d}", day, st.sampled_from(_RU_MONTHS), hour,
                               minute),
        "dotted": fmt(lambda d, m, y, h, mi: f"{d}.{m}.{y} {h}:{mi}", day, month, year, hour, minute),
        "day-word": fmt(lambda w, h, mi: f"{w} в {h}:{mi:02d}", st.sampled_from(["сегодня", "Вчера", "позавчера"]),
                        hour, minute),
        "time-day-word": fmt(lambda h, mi, w: f"{h}:{mi:02d}, {w}", hour, minute,
                             st.sampled_from(["сегодня", "вчера"])),
        "ago": fmt(lambda n, u: f"{n} {u} назад", number, st.sampled_from(_UNITS)),
        "epoch": fmt(str, epoch),
    }


_SHAPES = _date_shapes()
_DATE_JUNK = st.sampled_from([*TEXT_JUNK, *NASTY_DATES[:8]])
# Which shapes each reader is meant for (the others still reach it through `dates()`).
DATE_KINDS = {
    "feed": ("rfc822", "iso", "russian", "dotted"),
    "machine": ("iso", "epoch"),
    "relative": ("russian", "russian-no-year", "dotted", "day-word", "time-day-word", "ago"),
}


@st.composite
def _with_junk(draw: Draw, shapes: st.SearchStrategy[str]) -> str:
    text = draw(shapes)
    if draw(st.integers(0, 2)) == 0:  # a third of them with an RTL mark, zero-width space, NUL... inside
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(_DATE_JUNK) + text[at:]
    return text


def dates(kind: str | None = None) -> st.SearchStrategy[str]:
    """Date-shaped text with out-of-range parts, a few with junk inside; for `kind` (a key of DATE_KINDS) mostly
    the shapes that reader is meant for, else every shape; plus the nasty dates and random text."""
    every = _with_junk(st.one_of(list(_SHAPES.values())))
    if kind is None:
        return st.one_of(every, every, every, st.sampled_from(NASTY_DATES), st.text(max_size=60))
    meant = _with_junk(st.one_of([_SHAPES[name] for name in DATE_KINDS[kind]]))
    return st.one_of(meant, meant, meant, every, st.sampled_from(NASTY_DATES), st.text(max_size=60))


_QUERY_PIECES = [
    "Токаев", "Токаева", "визит*", "-Путин", "\"в Ташкент\"", "\"", "*", "-", "--", "-*", "\"\"", "AND", "OR",
    "NOT", "NEAR(", ")", "(", "^", ":", "title:", "{", "}", "'", "''", "’", "ʻ", "Oʻzbekiston", "касым-жомарт",
    "2024", "12,5%", "$10", "NULL", "\\", "%", "_", ";", "--drop", "\x00", "\u200b", "\u202e", "é", "ё", "ǅ",
    "ﬁ", "İ", "ß", "Ⅻ", "\ud800", "🙂", "a" * 600, "*Т", "\"*\"", "-\"фраза\"", "NEAR/3", "+", "&", "|", "!", "<->",
    ":*",
]


def queries() -> st.SearchStrategy[str]:
    """Search boxes as readers and attackers fill them: our syntax, FTS5 and tsquery operators, junk characters."""
    pieces = st.lists(st.one_of(st.sampled_from(_QUERY_PIECES), st.text(max_size=12)), max_size=25)
    glued = st.tuples(pieces, st.sampled_from([" ", "", "  ", "\t", "\n"])).map(lambda p: p[1].join(p[0]))
    return st.one_of(glued, glued, st.text(max_size=120))


def _json_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**30), 10**30), st.floats(allow_nan=True),
                        st.text(max_size=40), st.sampled_from(TEXT_JUNK + NASTY_DATES[:10]))
    return st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                        max_leaves=12)


_JSON_VALUES = _json_values()
_FIELDS = ["id", "url", "title", "text", "lead", "published", "source", "source_name", "blocks", "image", "origin",
           "authors", "credits", "site_tags", "section", "language", "canonical_url", "entity_ids", "feed_categories",
           "categories", "modified"]
_FIELD_NAMES = st.lists(st.sampled_from(_FIELDS), max_size=6, unique=True)
VALID_RECORD = {
    "id": 1, "url": "https://kun.example.uz/ru/news/1", "title": "Токаев прибыл в Ташкент",
    "text": "Президент Казахстана прибыл в Ташкент.\nСтороны обсудили 78 проектов на $10 млрд.",
    "lead": "Визит начался", "published": "2024-11-25T10:00:00+05:00", "source": "Kun.uz",
    "blocks": [{"kind": "paragraph", "text": "Президент Казахстана прибыл в Ташкент."}],
    "image": {"url": "https://kun.example.uz/i/1.jpg", "caption": "Фото", "credit": "Акорда"},
    "authors": ["Иван Петров"], "entity_ids": ["Q1"], "feed_categories": ["Политика"],
}


@st.composite
def json_records(draw: Draw) -> dict[str, Any]:
    """A record shaped like ours whose fields may hold any JSON value (wrong types, huge numbers, junk text)."""
    record: dict[str, Any] = dict(VALID_RECORD)
    for name in draw(_FIELD_NAMES):
        if draw(st.booleans()):
            record.pop(name, None)
        else:
            record[name] = draw(_JSON_VALUES)
    return record


_LINE_JUNK = st.sampled_from(["\\ud800", "\ud800", "\x00", "\\u0000", "NaN", "Infinity", "\"", "}", "{", ",",
                              "1e999", "\u2028", "\ufeff"])
_ODD_LINES = st.sampled_from([
    "null", "[]", "{}", "1", "\"text\"", "true", "[1, 2]", "{\"id\": {}}", "\ufeff{\"id\": 1, \"title\": \"BOM\"}",
    "{\"id\": 1e999, \"title\": \"x\"}", "{\"id\": NaN, \"title\": \"x\"}", "{\"id\": " + "9" * 5000 + "}",
    "{\"id\": \"\\ud800\", \"title\": \"\\udfff\"}",
])
_DEPTHS = st.sampled_from([10, 1_000, 100_000])


@st.composite
def jsonl_lines(draw: Draw) -> str:
    """One input line: a mutated record, broken JSON, deep nesting, lone surrogates, NaN/Infinity, raw junk."""
    line = json.dumps(draw(json_records()), ensure_ascii=draw(st.booleans()))
    kind = draw(st.integers(0, 9))
    if kind == 0:
        line = line[:draw(st.integers(0, len(line)))]
    elif kind == 1:
        at = draw(st.integers(0, len(line)))
        line = line[:at] + draw(_LINE_JUNK) + line[at:]
    elif kind == 2:
        depth = draw(_DEPTHS)
        line = "[" * depth + "]" * draw(st.sampled_from([0, depth]))
    elif kind == 3:
        line = draw(_ODD_LINES)
    elif kind == 4:
        line = draw(st.text(max_size=80))
    return line


# JSON lines every line reader must survive (the fuzz tests draw from them too).
NASTY_LINES = [
    "[" * 100_000, "{\"id\": " + "9" * 5000 + "}", "{\"id\": \"\\ud800\", \"title\": \"\\udfff\", \"url\": \"x\"}",
    "{\"id\": 1, \"title\": \"NUL\\u0000\", \"text\": \"\\u0000\", \"url\": \"https://a.kz/1\"}",
    "{\"id\": NaN, \"title\": \"x\", \"published\": Infinity}", "\ufeff{\"id\": 1, \"title\": \"BOM\"}",
    json.dumps({**VALID_RECORD, "published": "0001-01-01T00:00:00+05:00"}),
    json.dumps({**VALID_RECORD, "published": "9999-12-31T23:59:59-14:00", "id": 2}),
    json.dumps({**VALID_RECORD, "blocks": [1, None], "id": 3}), json.dumps({**VALID_RECORD, "text": 5, "id": 4}),
    json.dumps({**VALID_RECORD, "image": "x.jpg", "id": 5}),
    json.dumps({**VALID_RECORD, "url": "http://[::1", "id": 6}),
    json.dumps({**VALID_RECORD, "entity_ids": 7, "id": 7}), json.dumps({**VALID_RECORD, "published": -1e20, "id": 8}),
    json.dumps({**VALID_RECORD, "title": "\u202eRTL\u200b" + "".join(TEXT_JUNK), "id": 9}),
    *(json.dumps({**VALID_RECORD, "published": date, "id": 10 + n}) for n, date in enumerate(NASTY_DATES)),
]



# --- the nasty corpus: named real-world cases, each for the readers it applies to -------------------------------

XML_READERS = ("feed", "sitemap", "opml", "article", "discovery")
HTML_READERS = ("article", "feed", "discovery")
TEXT_READERS = ("feed-date", "page-date", "relative-time", "query", "figures", "import-line", "cluster-line",
                "tag-line")
LINE_READERS = ("import-line", "cluster-line", "tag-line")


@dataclass(frozen=True)
class NastyCase:
    """One hostile input and the readers (keys of `test_fuzz_nasty.READERS`) it goes through."""

    name: str
    data: bytes
    readers: tuple[str, ...]


def _xml_seeds() -> dict[str, bytes]:
    return {"rss": RSS.encode(), "atom": ATOM.encode(), "sitemap": SITEMAP.encode(), "opml": OPML.encode()}


def nasty_documents(canary: bytes = CANARY) -> list[NastyCase]:
    """Hostile XML and HTML documents: entity bombs and external entities (naming `canary`), truncation, mixed
    encodings and BOMs, NUL bytes, RTL and zero-width characters, impossible dates, huge numbers, deep nesting."""
    cases: list[NastyCase] = []
    for seed_name, seed in _xml_seeds().items():
        for attack, (dtd, ref) in entity_attacks(canary).items():
            cases.append(NastyCase(f"{seed_name}-{attack}", into_text(with_prologue(seed, dtd), ref, 1), XML_READERS))
        for cut in (0.1, 0.5, 0.9):
            cases.append(NastyCase(f"{seed_name}-truncated-{cut}", seed[:int(len(seed) * cut)], XML_READERS))
        cases += [
            NastyCase(f"{seed_name}-cp1251-declared-utf8", seed.decode().encode("cp1251", "replace"), XML_READERS),
            NastyCase(f"{seed_name}-utf16-bom-declared-utf8", seed.decode().encode("utf-16"), XML_READERS),
            NastyCase(f"{seed_name}-utf16-no-bom", seed.decode().encode("utf-16-le"), XML_READERS),
            NastyCase(f"{seed_name}-utf8-bom-cp1251-body", b"\xef\xbb\xbf" + seed.decode().encode("cp1251", "replace"),
                      XML_READERS),
            NastyCase(f"{seed_name}-double-bom", b"\xef\xbb\xbf\xef\xbb\xbf" + seed, XML_READERS),
            NastyCase(f"{seed_name}-unknown-encoding", seed.replace(b'encoding="utf-8"', b'encoding="x-nonexistent"')
                      .replace(b'encoding="UTF-8"', b'encoding="x-nonexistent"'), XML_READERS),
            NastyCase(f"{seed_name}-nul-bytes", seed.replace(b"<title>", b"<title>\x00").replace(b"</", b"\x00</", 3),
                      XML_READERS),
            NastyCase(f"{seed_name}-nul-references", into_text(seed, b"&#0;&#x1;&#xD800;&#x110000;&#99999999999;", 1),
                      XML_READERS),
            NastyCase(f"{seed_name}-rtl-zero-width", into_text(seed, "".join(TEXT_JUNK).encode("utf-8"), 1),
                      XML_READERS),
            NastyCase(f"{seed_name}-nested-10k", with_nesting(seed, 10_000), XML_READERS),
        ]
    rss = RSS.encode()
    for date in NASTY_DATES:
        cases.append(NastyCase(f"rss-date-{date[:24]!r}",
                               re.sub(rb"<pubDate>[^<]*</pubDate>", b"<pubDate>" + date.encode() + b"</pubDate>", rss),
                               ("feed",)))
        cases.append(NastyCase(f"sitemap-date-{date[:24]!r}",
                               re.sub(rb"<lastmod>[^<]*</lastmod>", b"<lastmod>" + date.encode() + b"</lastmod>",
                                      SITEMAP.encode()), ("sitemap",)))
    cases += [
        NastyCase("rss-ttl-superscript", rss.replace(b"<ttl>30</ttl>", "<ttl>²</ttl>".encode()), ("feed",)),
        NastyCase("rss-ttl-5000-digits", rss.replace(b"<ttl>30</ttl>", b"<ttl>" + b"9" * 5000 + b"</ttl>"), ("feed",)),
        NastyCase("rss-link-rtl-host", rss.replace(b"https://news.example.kz/news/1",
                                                   "https://news.\u202eexample.kz/\u200b1".encode()), ("feed",)),
        NastyCase("rss-link-javascript", rss.replace(b"https://news.example.kz/news/1", b"javascript:alert(1)"),
                  ("feed",)),
        NastyCase("rss-link-bad-ipv6", rss.replace(b"https://news.example.kz/news/1", b"http://[::1/x"), ("feed",)),
        NastyCase("rss-media-bad-ipv6", rss.replace(b'url="https://news.example.kz/i/1.jpg" medium="image"',
                                                    b'url="http://[x/1.jpg"'), ("feed",)),
        NastyCase("rss-tiny-tags-200k", b"<rss>" + b"<a>" * 200_000, ("feed",)),
        NastyCase("lt-only", b"<" * 200_000, ("feed", "sitemap", "opml", "article")),
        NastyCase("binary-junk", bytes(range(256)) * 200, ("feed", "sitemap", "opml", "article")),
        NastyCase("empty", b"", ("feed", "sitemap", "opml", "article")),
        NastyCase("only-nul", b"\x00" * 10_000, ("feed", "sitemap", "opml", "article")),
        NastyCase("sitemap-tiny-urls-200k", b"<urlset>" + b"<url><loc>x</loc></url>" * 200_000, ("sitemap",)),
    ]
    page = ARTICLE.encode()
    page_with = lambda old, new: page.replace(old.encode(), new.encode())  # noqa: E731
    cases += [
        NastyCase("html-nested-divs-10k", page.replace(b"<article>", b"<article>" + b"<div>" * 10_000),
                  HTML_READERS),
        NastyCase("html-unclosed-everything", re.sub(rb"</[a-z0-9]+>", b"", page), HTML_READERS),
        NastyCase("html-cp1251-declared-utf8", page.decode().encode("cp1251", "replace"), HTML_READERS),
        NastyCase("html-utf16-declared-utf8", page.decode().encode("utf-16"), HTML_READERS),
        NastyCase("html-nul-everywhere", page.replace(b"<", b"\x00<"), HTML_READERS),
        NastyCase("html-rtl-zero-width", page_with("Президент Казахстана", "\u202eПрезидент\u200b\u2060 "
                                                                          "Казахстана\u200f"), HTML_READERS),
        NastyCase("html-xml-declaration-utf16", b"<?xml version='1.0' encoding='utf-16'?>" + page, HTML_READERS),
        NastyCase("html-huge-numbers", page_with("78 совместных проектов на $10 млрд",
                                                 f"{'9' * 400} совместных проектов на ${'9' * 5000} млрд"),
                  HTML_READERS),
        NastyCase("html-meta-charset-bogus", page.replace(b'charset="utf-8"', b'charset="x-\xff\xfe"'), HTML_READERS),
        NastyCase("html-script-only", b"<script>" + b"var a = '<p>';" * 5_000 + b"</script>", HTML_READERS),
        NastyCase("html-entity-junk", page_with("Стороны обсудят", "&#0;&#xD800;&#x110000;&#99999999999;&bogus;"),
                  HTML_READERS),
    ]
    for date in NASTY_DATES:
        dated = page_with("2024-11-25T10:00:00+05:00", date).replace("вчера в 18:42".encode(), date.encode())
        cases.append(NastyCase(f"html-date-{date[:24]!r}", dated, ("article",)))
    return cases


def nasty_texts() -> list[NastyCase]:
    """Hostile text for the date, query, figure and JSON-line readers."""
    texts = {
        **{f"date-{date[:24]!r}": date for date in NASTY_DATES},
        "rtl-zero-width": "\u202eТокаев\u200b \u200fвчера\u200e в 18:42 \u2060$10 млрд",
        "all-junk": "".join(TEXT_JUNK),
        "nul": "Токаев\x00 12,5%\x00 вчера",
        "huge-money": f"Выручка составила {'9' * 5000} млрд тенге, а расходы ${'9' * 400}.",
        "huge-percent": f"Инфляция выросла на {'9' * 400},{'9' * 400}%.",
        "huge-count": f"Построено {'1' * 4400} домов и {'9' * 310} школ к {'9' * 50} году.",
        "digits-100k": "9" * 100_000 + " дней назад",
        "many-operators": " ".join(["-\"", "*", "NEAR(", "OR", "AND", "NOT", "^", ":", "{", "}"] * 200),
        "fts5-column-filter": "title:Токаев OR body:* {title body}:x",
        "tsquery-injection": "Токаев' & !(x) | y:* <-> z) --",
        "lone-surrogates": "Токаев \ud800 \udfff",
        "letters-without-a-unicode-name": "A\U00017000 Токаев \U00018b00 рост 5%",
    }
    cases = [NastyCase(name, text.encode("utf-8", "surrogatepass"), TEXT_READERS) for name, text in texts.items()]
    run_on = "Токаев 12,5% $10 млрд 30.02.2024 \u200b " * 150
    cases.append(NastyCase("figures-run-on-5k", run_on.encode(), ("figures",)))
    return cases + [NastyCase(f"line-{number}", line.encode("utf-8", "surrogatepass"), LINE_READERS)
                    for number, line in enumerate(NASTY_LINES)]


def with_nesting(document: bytes, depth: int, tag: bytes = b"item") -> bytes:
    """`document` with `depth` unclosed `<tag>` elements opened inside its root."""
    declaration = _XML_DECLARATION.match(document)
    root_start = document.find(b"<", declaration.end() if declaration else 0)
    at = document.find(b">", root_start) + 1
    return document[:at] + (b"<" + tag + b">") * depth + document[at:]


# Built only inside a child process (see tests/test_fuzz_nasty.py): name -> (builder, readers).
HUNDRED_MB = 100 * 1024 * 1024


def _huge_line_text() -> bytes:
    unit = "Токаев 12,5% $10 млрд вчера в 25:61 30.02.2024 \u200b\u202e ".encode()
    return unit * (HUNDRED_MB // len(unit))


HUGE_CASES: dict[str, tuple[Callable[[], bytes], tuple[str, ...]]] = {
    "feed-100mb-title": (lambda: RSS.encode().replace(b"<title>", b"<title>" + b"x" * HUNDRED_MB, 1), ("feed",)),
    "feed-100mb-junk": (lambda: b"a" * HUNDRED_MB, ("feed", "sitemap", "opml")),
    "sitemap-100mb-loc": (lambda: SITEMAP.encode().replace(b"<loc>https://news.example.kz/news/2",
                                                            b"<loc>https://news.example.kz/" + b"x" * HUNDRED_MB),
                          ("sitemap", "feed")),
    "opml-100mb-attribute": (lambda: OPML.encode().replace(b'text="Kun.uz"', b'text="' + b"x" * HUNDRED_MB + b'"'),
                             ("opml",)),
    "html-100mb-paragraph": (lambda: ARTICLE.encode().replace(b"<p>", b"<p>" + "слово ".encode() * (HUNDRED_MB // 11),
                                                              1), ("article",)),
    "html-100mb-no-spaces": (lambda: b"<html><head><title>T</title></head><body><p>" + b"x" * HUNDRED_MB
                             + b"</p></body></html>", ("article",)),
    # Figures read only the first 60,000 characters (MAX_CHARS): a run-on 5k text is in the small corpus instead.
    "text-100mb-line": (_huge_line_text, tuple(reader for reader in TEXT_READERS if reader != "figures")),
    "jsonl-100mb-line": (lambda: json.dumps({**VALID_RECORD, "text": _huge_line_text().decode()},
                                            ensure_ascii=False).encode(), LINE_READERS),
    "html-nested-100k": (lambda: b"<html><body>" + b"<div>" * 100_000 + b"<p>" + "текст ".encode() * 50
                         + b"</p></body></html>", ("article", "feed")),
    "xml-nested-100k": (lambda: with_nesting(RSS.encode(), 100_000), ("feed", "sitemap", "opml")),
    "jsonl-nested-100k": (lambda: b"[" * 100_000 + b"]" * 100_000, LINE_READERS),
}


_FIGURE_PIECES = [
    "Выручка", "составила", "бюджет", "проекта", "рост", "на", "к", "до", "году", "2030", "1990", "12,5", "0,0",
    "78", "1 000 000", "45 386", "$", "€", "₸", "тенге", "сумов", "долларов", "млрд", "млн.", "тыс.", "трлн", "%",
    "процентов", "п.п.", "совместных", "проектов", "рабочих мест", "полтора", "несколько", "десятки", "около",
    "–", "-", ",", ".", "!", "?", "9" * 400, "9" * 5000, "0" * 50, "1e308", "NaN", "²", "٣", "𝟗", *TEXT_JUNK,
]


def figure_texts() -> st.SearchStrategy[str]:
    """Short news-like text built of numbers (also 5000-digit ones), currencies, multipliers, percent signs and
    junk characters, glued in random order."""
    pieces = st.lists(st.one_of(st.sampled_from(_FIGURE_PIECES), st.integers(-(10**6), 10**9).map(str)),
                      max_size=20)
    return st.tuples(pieces, st.sampled_from([" ", "", "\u00a0"])).map(lambda parts: parts[1].join(parts[0]))
