"""HTML of a news page → `Article`: main text by trafilatura, metadata, credits and attribution by our readers.

The page is parsed once; metadata readers look at the intact tree, then credits, captions and page furniture
are cut out of it and what remains goes to trafilatura for the main text.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from urllib.parse import urljoin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import lxml.html
import trafilatura
from lxml import etree
from lxml.html import HtmlElement

from svodka.extract.attribution import find_source
from svodka.extract.authors import find_authors
from svodka.extract.blocks import RawBlock, body_blocks, clean_blocks
from svodka.extract.boilerplate import prune_boilerplate
from svodka.extract.class_index import ClassIndex, index_classes
from svodka.extract.credits import scan_credits
from svodka.extract.dates import find_dates
from svodka.extract.decoding import decode_page
from svodka.extract.jsonld import JsonLd, read_jsonld
from svodka.extract.metadata import (
    find_canonical,
    find_image_url,
    find_language,
    find_section,
    find_tags,
    find_title,
    site_names,
)
from svodka.extract.metatags import MetaTags, read_meta
from svodka.models import Article, Image

log = logging.getLogger(__name__)
DEFAULT_TIMEZONE = "Asia/Almaty"
# trafilatura warns on every page it finds no text in; NotAnArticle already says so, once and with a reason
logging.getLogger("trafilatura").setLevel(logging.ERROR)
# Fewer characters of text and lead than this is not a story.
MIN_BODY_CHARS = 80
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
# C0 controls but tab and newlines (NUL included): no text carries them, and trafilatura's XML refuses them.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LEAD_CLASS = re.compile(r"lead|subtitle|sub-title|subheadline|announce|anons|excerpt|intro", re.IGNORECASE)


# Descriptions that open with the outlet's self-description: "Информационное агентство … Новости. <lead>".
_SITE_SENTENCE = re.compile(r"^(?:информационное\s+агентство|новостной\s+портал|интернет-издание)[^.!?]{0,80}[.!?]\s+",
                            re.IGNORECASE)


class NotAnArticle(ValueError):
    """The page is not a story: empty, a listing of links, or no title and no meaningful body."""

    def __init__(self, reason: str, url: str | None = None) -> None:
        super().__init__(f"not an article ({reason})" + (f": {url}" if url else ""))
        self.reason = reason
        self.url = url


def parse_page(html: str | bytes) -> HtmlElement | None:
    """One lxml tree for the page, or None when there is nothing to parse."""
    text = decode_page(html) if isinstance(html, bytes) else html
    text = _XML_DECLARATION.sub("", _CONTROL_CHARS.sub("", text))
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return None


def _zone(timezone: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(timezone or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown timezone: {timezone!r}") from exc


def extract_article(
    html: str | bytes, url: str, *, fetched_at: datetime | None = None, timezone: str | None = None
) -> Article:
    """Extract one article. `html` may be bytes (decoded here); `timezone` is the source's IANA zone
    (default Asia/Almaty) used for dates without an offset; `fetched_at` (default now) resolves relative dates.
    Raises NotAnArticle with a reason for empty pages, listings and pages without a title and a body."""
    zone = _zone(timezone)
    now = fetched_at or datetime.now(UTC)
    tree = parse_page(html)
    if tree is None or tree.find("body") is None and not tree.text_content().strip():
        raise NotAnArticle("empty page", url)

    meta = read_meta(tree)
    jsonld = read_jsonld(tree)
    sites = site_names(meta, jsonld, url)
    title = find_title(tree, meta, jsonld, sites)
    if _looks_like_listing(tree, meta, jsonld):
        raise NotAnArticle("listing page", url)
    published, modified = find_dates(tree, meta, jsonld, url, zone, now)
    index = index_classes(tree)
    authors = find_authors(tree, index, meta, jsonld, sites)
    tags = find_tags(tree, index, meta, jsonld)
    section = find_section(tree, index, meta, jsonld, url, title)
    canonical = find_canonical(tree, meta, url)
    subtitles = _subtitles(tree, index)

    credit_scan = scan_credits(tree, remove=True, site_names=sites)
    prune_boilerplate(index)
    _drop_non_content(tree)
    document = _main_text(tree, url, fast=True)
    if _looks_like_navigation(document):
        # trafilatura's fast path picked a menu: when the page has real paragraphs somewhere, run its full
        # cascade (readability/justext comparison) once; otherwise there is no story text to find
        document = _main_text(tree, url, fast=False) if _has_story_paragraphs(tree) else None
        if _looks_like_navigation(document):
            document = None
    raw = body_blocks(document.body if document is not None else None)
    if raw and title and raw[0].kind == "heading" and raw[0].text.strip().lower() == title.lower():
        raw = raw[1:]
    lead, raw = _choose_lead(raw, meta, jsonld, title, subtitles, document)
    blocks = clean_blocks(raw, title=title, lead=lead, authors=authors, captions=credit_scan.captions)
    text = "\n\n".join(block.text for block in blocks)
    if not title and len(text) + len(lead or "") < MIN_BODY_CHARS:
        raise NotAnArticle("no title and no meaningful body", url)

    source = find_source([r.text for r in raw], tree, url)
    figure = credit_scan.first_figure
    image_url = find_image_url(meta, jsonld, url) or (urljoin(url, figure.image_url) if figure and figure.image_url
                                                       else None)
    image = None
    if image_url:
        # without a readable figure, the page's first credit usually belongs to its lead picture
        first_credit = credit_scan.credits[0] if credit_scan.credits else None
        credit = figure.credit if figure and (figure.credit or figure.caption) else first_credit
        image = Image(url=image_url, caption=figure.caption if figure else None, credit=credit)
    return Article(
        url=url,
        canonical_url=canonical,
        title=title,
        published=published,
        modified=modified,
        authors=authors,
        lead=lead,
        blocks=blocks,
        text=text,
        image=image,
        credits=credit_scan.credits,
        source=source,
        site_tags=tags,
        section=section,
        language=find_language(tree, meta, text or lead or ""),
    )


def _drop_non_content(tree: HtmlElement) -> None:
    """Metadata is read by now: scripts, styles, SVG icons and the head only make trafilatura's tree copies slower."""
    head = tree.find("head")
    if head is not None:
        for child in list(head):
            head.remove(child)
    etree.strip_elements(tree, "script", "style", "svg", "noscript", "iframe", "template", with_tail=False)


def _main_text(tree: HtmlElement, url: str, *, fast: bool) -> trafilatura.settings.Document | None:
    """Trafilatura on our (already pruned) tree; it works on its own copy, so the tree can be reused.

    None when trafilatura fails on the page (it raises ValueError on text lxml refuses): no main text, not a crash.
    """
    try:
        return trafilatura.bare_extraction(
            tree, url=url, with_metadata=False, include_comments=False, include_tables=True, include_images=False,
            include_formatting=True, include_links=False, fast=fast,
        )
    except ValueError as error:
        log.warning("trafilatura failed on %s: %s", url, error)
        return None


def _looks_like_navigation(document: trafilatura.settings.Document | None) -> bool:
    """True when most of the extracted text sits in short lines: a menu or region picker, not a story."""
    if document is None or not document.text:
        return document is not None
    lines = [line.strip() for line in document.text.splitlines() if line.strip()]
    short = sum(len(line) for line in lines if len(line) < 30)
    return len(lines) >= 15 and short > 0.5 * sum(len(line) for line in lines)


def _has_story_paragraphs(tree: HtmlElement, min_chars: int = 400) -> bool:
    """True when long <p> outside the footer add up to `min_chars`: the page does carry running text."""
    total = 0
    for paragraph in tree.xpath("//body//p[not(ancestor::footer)]"):
        length = len(paragraph.text_content())
        if length >= 80:
            total += length
            if total >= min_chars:
                return True
    return False


def _looks_like_listing(tree: HtmlElement, meta: MetaTags, jsonld: JsonLd) -> bool:
    """A section front or search page: no article markers and many headline links."""
    if (meta.first("og:type") or "").lower() == "article" or jsonld.article is not None:
        return False
    if meta.first("article:published_time"):
        return False
    headline_links = set(tree.xpath("//body//*[self::h2 or self::h3 or self::h4]//a/@href"))
    if len(headline_links) < 8 and len(tree.xpath("//body//article")) < 6:
        return False
    # an unmarked story page with a big "more news" block still has paragraphs of running text
    long_paragraphs = sum(len(p.text_content()) >= 150 for p in tree.xpath("//body//p[not(ancestor::footer)]"))
    return long_paragraphs < 3


def _subtitles(tree: HtmlElement, index: ClassIndex) -> list[str]:
    """Texts of lead/subtitle/announce elements in the headline's block (near the h1, so teasers of other
    stories are left out); URLs and template placeholders are skipped."""
    h1 = next(tree.iter("h1"), None)
    if h1 is None:
        return []
    block = h1
    for _ in range(3):
        parent = block.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        block = parent
    found = []
    for node in index.matching(_LEAD_CLASS, tags=("p", "div", "h2", "span"))[:8]:
        if block not in set(node.iterancestors()):
            continue
        text = " ".join(node.text_content().split())
        if 30 <= len(text) <= 600 and "://" not in text and "{{" not in text:
            found.append(text)
    return found


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.lower()).strip()


def _is_excerpt(candidate: str, body_start: str, paragraphs: list[set[str]]) -> bool:
    """True when a description only repeats the body: its start (often cut with "…"), or nearly all of its
    words found in one paragraph (an editor's slightly edited copy of a later paragraph)."""
    cand = _norm(re.sub(r"(?:\.\.\.|…)\s*$", "", candidate))
    if not cand:
        return True
    if body_start.startswith(cand) or (len(body_start) > 40 and cand.startswith(body_start[:200])):
        return True
    words = set(cand.split())
    # the last word of a cut description may be truncated ("губернатор По…")
    needed = 0.85 * len(words)
    return any(len(words & paragraph) >= needed for paragraph in paragraphs)


def _choose_lead(
    raw: list[RawBlock], meta: MetaTags, jsonld: JsonLd, title: str | None, subtitles: list[str],
    document: trafilatura.settings.Document | None,
) -> tuple[str | None, list[RawBlock]]:
    """The lead: a description that is not merely the body's opening, else a bold first paragraph, else a
    subtitle element. Returns the lead and the blocks without it."""
    paragraphs = [r for r in raw if r.kind != "heading"]
    body_start = _norm(" ".join(r.text for r in paragraphs[:2]))
    paragraph_words = [set(_norm(r.text).split()) for r in paragraphs[:40]]
    title_norm = _norm(title or "")
    descriptions = [meta.first("og:description"), meta.first("description"), meta.first("twitter:description")]
    if jsonld.article is not None and isinstance(jsonld.article.get("description"), str):
        descriptions.append(jsonld.article["description"])
    for candidate in descriptions:
        if not candidate or len(candidate) < 20 or "://" in candidate:
            continue
        candidate = _SITE_SENTENCE.sub("", " ".join(candidate.split()))
        if _norm(candidate) == title_norm or _is_excerpt(candidate, body_start, paragraph_words):
            continue
        return candidate, raw
    if document is not None and document.body is not None:
        first_p = next((node for node in document.body if node.tag == "p" and "".join(node.itertext()).strip()),
                       None)
        if first_p is not None and _is_bold(first_p) and len(raw) > 2:
            text = " ".join(" ".join(first_p.itertext()).split())
            return text, [r for r in raw if r.text != text]
    for subtitle in subtitles:
        if _norm(subtitle) != title_norm and not _is_excerpt(subtitle, body_start, paragraph_words):
            return subtitle, raw
    return None, raw


def _is_bold(paragraph: etree._Element) -> bool:
    total = len("".join(paragraph.itertext()).strip())
    bold = sum(len("".join(hi.itertext()).strip()) for hi in paragraph.iter("hi") if hi.get("rend") == "#b")
    return total > 0 and bold / total > 0.9 and total < 600
