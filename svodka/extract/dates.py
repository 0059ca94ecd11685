"""Publication and modification dates of a page as ISO 8601 strings that keep the page's UTC offset.

Order of trust: JSON-LD, `<meta>` (article:published_time and kin), `<time datetime>`, the visible date line
(Russian words, relative times), then htmldate's heuristics. A date without an offset gets the source's zone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from htmldate import find_date
from lxml.html import HtmlElement

from svodka.extract.jsonld import JsonLd
from svodka.extract.metatags import MetaTags
from svodka.extract.relative_time import resolve_relative_time

PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "datepublished", "og:published_time",
    "published_time", "pubdate", "publishdate", "publish-date", "publish_date", "article.published",
    "dc.date.issued", "dcterms.created", "dc.date", "date", "sailthru.date", "parsely-pub-date",
    "mediator_published_time",
)
MODIFIED_META = (
    "article:modified_time", "og:article:modified_time", "datemodified", "og:updated_time", "modified_time",
    "dcterms.modified", "last-modified",
)
# Visible date lines: classes like "date", "post__time", "article-date", "published".
_DATE_CLASS_XPATH = (
    '//*[self::span or self::div or self::p or self::time or self::small or self::li]'
    '[contains(@class, "date") or contains(@class, "time") or contains(@class, "publish")'
    ' or contains(@class, "Date") or contains(@class, "Time")]'
)
# A machine date is written in a few dozen characters: longer values are junk.
MAX_DATE_CHARS = 200
_EPOCH = re.compile(r"^\d{9,13}$")
_OFFSET_NO_COLON = re.compile(r"([+-]\d\d)(\d\d)$")


def to_iso(value: str | None, zone: ZoneInfo) -> str | None:
    """A machine-readable date ("2025-05-14T20:28:12.467+03:00", "2020-02-18T05:46:51+0300", epoch seconds)
    as "YYYY-MM-DDTHH:MM:SS±HH:MM"; naive values are placed in `zone`. None when unparseable."""
    parsed = parse_machine_date(value, zone)
    return parsed.isoformat(timespec="seconds") if parsed else None


def parse_machine_date(value: str | None, zone: ZoneInfo) -> datetime | None:
    """`to_iso` as a datetime in `zone`; None for junk, values of more than MAX_DATE_CHARS and years out of range."""
    if not value or len(value) > MAX_DATE_CHARS:
        return None
    text = value.strip()
    if _EPOCH.match(text):
        seconds = int(text) / (1000 if len(text) > 11 else 1)
        moment = datetime.fromtimestamp(seconds, tz=UTC).astimezone(zone)
        # "000000000" or "99999999999" are counters and ids, not 1970 or the year 5138.
        return moment if 1990 <= moment.year <= 2100 else None
    text = text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d", text) else text
    text = _OFFSET_NO_COLON.sub(r"\1:\2", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if not 1990 <= parsed.year <= 2100:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.replace(microsecond=0)


def _from_jsonld(jsonld: JsonLd, *keys: str) -> list[str]:
    candidates = [jsonld.article] if jsonld.article else []
    candidates += [obj for obj in jsonld.objects if obj is not jsonld.article]
    return [str(obj[key]) for obj in candidates for key in keys if obj.get(key)]


def _time_elements(tree: HtmlElement) -> list[str]:
    values = []
    for node in tree.iter("time"):
        if node.get("datetime"):
            values.append(node.get("datetime"))
    # itemprop on non-meta elements (span content="…", time) also carries machine dates
    values += tree.xpath('//*[@itemprop="datePublished" and not(self::meta)]/@content')
    return values


def _visible_date(tree: HtmlElement, zone: ZoneInfo, now: datetime) -> datetime | None:
    for node in tree.xpath(_DATE_CLASS_XPATH)[:30]:
        text = node.text_content()
        if not text or len(text) > 80:
            continue
        found = resolve_relative_time(text, now, zone)
        if found is not None:
            return found
    return None


def _first_parsed(values: list[str], zone: ZoneInfo) -> str | None:
    for value in values:
        if (iso := to_iso(value, zone)) is not None:
            return iso
    return None


def find_dates(
    tree: HtmlElement, meta: MetaTags, jsonld: JsonLd, url: str, zone: ZoneInfo, now: datetime
) -> tuple[str | None, str | None]:
    """(published, modified) as ISO strings with offset; either may be None. `now` resolves "вчера", "2 часа назад"."""
    published = (
        _first_parsed(_from_jsonld(jsonld, "datePublished", "dateCreated", "uploadDate"), zone)
        or _first_parsed(meta.all(*PUBLISHED_META), zone)
        or _first_parsed(_time_elements(tree), zone)
    )
    if published is None and (visible := _visible_date(tree, zone, now)) is not None:
        published = visible.isoformat(timespec="seconds")
    if published is None:
        published = _htmldate(tree, url, zone)
    modified = _first_parsed(_from_jsonld(jsonld, "dateModified"), zone) or _first_parsed(
        meta.all(*MODIFIED_META), zone
    )
    return published, modified


def _htmldate(tree: HtmlElement, url: str, zone: ZoneInfo) -> str | None:
    try:
        found = find_date(tree, url=url, original_date=True, outputformat="%Y-%m-%dT%H:%M:%S%z")
    except (ValueError, TypeError):
        return None
    return to_iso(found, zone)
