"""Page-level facts besides dates, authors and credits: title, canonical URL, tags, section, language, image."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from svodka.extract.class_index import ClassIndex
from svodka.extract.jsonld import JsonLd, names_of
from svodka.extract.metatags import MetaTags

_TITLE_SEPARATORS = (" | ", " — ", " – ", " - ", " / ", " :: ", " « ", " » ", " · ")
_DOMAIN_LIKE = re.compile(r"^[\w.-]+\.(?:kz|ru|uz|ua|by|kg|tj|com|org|net|info|news|media|am|az|ge|md)$", re.I)
_SITEISH = re.compile(r"новост|news|ресурс|портал|газета|агентство|издание|журнал|онлайн|online|\.(?:kz|ru|uz|ua)\b",
                      re.IGNORECASE)
_LANG_PREFIXES = {"ru", "rus", "kz", "kk", "uz", "en", "ua", "uk", "qq", "oz", "kaz", "eng", "m", "amp"}
_GENERIC_SEGMENTS = {"news", "novosti", "article", "articles", "doc", "text", "story", "post", "posts", "a", "n",
                     "content", "material", "materials", "read", "item", "items", "publication", "publications"}
_CRUMBS_CLASS = re.compile(r"breadcrumb|crumbs", re.IGNORECASE)
_TAG_LIST_CLASS = re.compile(r"tags|tag-list|taglist|keywords", re.IGNORECASE)
_HOME_NAMES = {"главная", "главная страница", "home", "новости", "басты бет"}


_LEADING_TIMESTAMP = re.compile(
    r"^(?:\d{1,2}[./]\d{1,2}[./]\d{2,4}\s*,?\s*)?(?:\d{1,2}:\d{2}\b)?\s*[:|—–-]?\s*(?=[А-ЯЁA-Z«\"])"
)

_TRAILING_TIME = re.compile(r"\s+\d{1,2}:\d{2}$")


def clean_title(title: str, site_names: tuple[str, ...] = (), h1: str | None = None) -> str:
    """Strip a site-name suffix or prefix: "X - Tengrinews.kz" → "X", "X / Украинский бизнес ресурс" → "X"."""
    title = " ".join(title.split())
    # Some outlets put the dateline in the headline: "13:16 В Пакистане…", "11.01.2019 01:05 : Глава МИД…".
    if (stamp := _LEADING_TIMESTAMP.match(title)) and len(title[stamp.end():].split()) >= 3:
        title = title[stamp.end():]
    if (stamp := _TRAILING_TIME.search(title)) and len(title[:stamp.start()].split()) >= 3:
        title = title[:stamp.start()]
    sites = {s.lower() for s in site_names if s}
    for _ in range(2):
        for sep in _TITLE_SEPARATORS:
            if sep not in title:
                continue
            head, tail = title.rsplit(sep, 1)
            first, rest = title.split(sep, 1)
            if _is_site_part(tail, sites, head, h1):
                title = head.strip()
                break
            if _is_site_part(first, sites, rest, h1) and len(first) < len(rest):
                title = rest.strip()
                break
    return title


def _is_site_part(part: str, sites: set[str], remainder: str, h1: str | None) -> bool:
    lowered = part.strip().lower()
    if not lowered or len(lowered.split()) > 6:
        return False
    if lowered in sites or any(lowered in s or s in lowered for s in sites if len(s) > 3):
        return True
    if _DOMAIN_LIKE.match(lowered):
        return True
    if h1 and " ".join(h1.split()).lower() == remainder.strip().lower():
        return True
    return bool(_SITEISH.search(lowered)) and len(lowered) < len(remainder)


def site_names(meta: MetaTags, jsonld: JsonLd, url: str) -> tuple[str, ...]:
    """Names the site goes by: og:site_name, JSON-LD publisher, host without www."""
    names = [meta.first("og:site_name", "application-name") or ""]
    if jsonld.article is not None:
        names += names_of(jsonld.article.get("publisher"))
    names += [n for obj in jsonld.of_type("NewsMediaOrganization") + jsonld.of_type("Organization")
              for n in names_of(obj.get("name"))]
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    names += [host, host.split(".")[0]] if host else []
    return tuple(dict.fromkeys(n.strip() for n in names if n and n.strip()))


def first_h1(tree: HtmlElement) -> str | None:
    for node in tree.iter("h1"):
        text = " ".join(node.text_content().split())
        if text:
            return text
    return None


def find_title(tree: HtmlElement, meta: MetaTags, jsonld: JsonLd, sites: tuple[str, ...]) -> str | None:
    """og:title, JSON-LD headline, the first h1, then <title>; site-name suffixes removed."""
    h1 = first_h1(tree)
    headline = jsonld.article.get("headline") if jsonld.article else None
    title_tag = tree.findtext(".//title")
    for candidate in (meta.first("og:title", "twitter:title"), headline if isinstance(headline, str) else None,
                      h1, title_tag):
        if candidate and candidate.strip():
            return clean_title(candidate, sites, h1) or None
    return None


def find_canonical(tree: HtmlElement, meta: MetaTags, url: str) -> str | None:
    for href in tree.xpath('//link[translate(@rel, "CANONICAL", "canonical")="canonical"]/@href'):
        if href.strip():
            return urljoin(url, href.strip())
    og_url = meta.first("og:url")
    return urljoin(url, og_url) if og_url else None


def find_tags(tree: HtmlElement, index: ClassIndex, meta: MetaTags, jsonld: JsonLd) -> list[str]:
    """Editorial tags: tag-list links, article:tag, JSON-LD keywords; meta keywords only when nothing else."""
    tags: list[str] = []
    for container in index.matching(_TAG_LIST_CLASS):
        tags += [" ".join(a.text_content().split()).lstrip("#") for a in container.iter("a")]
    tags += tree.xpath('//a[@rel="tag"]/text()')
    tags += meta.all("article:tag", "og:article:tag")
    if jsonld.article is not None:
        keywords = jsonld.article.get("keywords")
        tags += keywords.split(",") if isinstance(keywords, str) else names_of(keywords)
    if not tags:
        tags += [k for v in meta.all("keywords", "news_keywords") for k in v.split(",")]
    seen: dict[str, str] = {}
    for tag in tags:
        tag = " ".join(tag.split()).strip(" #,;")
        if tag and len(tag) <= 60 and tag.lower() not in seen:
            seen[tag.lower()] = tag
    return list(seen.values())


def find_section(
    tree: HtmlElement, index: ClassIndex, meta: MetaTags, jsonld: JsonLd, url: str, title: str | None
) -> str | None:
    """article:section, JSON-LD articleSection, breadcrumbs (without home and the page itself), URL's first segment."""
    section = meta.first("article:section", "og:article:section")
    if not section and jsonld.article is not None:
        found = names_of(jsonld.article.get("articleSection"))
        section = found[0] if found else None
    if section:
        return " ".join(section.split())
    crumbs = _breadcrumbs(index, jsonld, url, title)
    if crumbs:
        return crumbs[-1]
    segments = [s for s in urlsplit(url).path.split("/") if s]
    for segment in segments[:-1]:
        lowered = segment.lower()
        if lowered in _LANG_PREFIXES or lowered in _GENERIC_SEGMENTS or lowered.isdigit() or "." in lowered:
            continue
        if re.fullmatch(r"[a-z][a-z0-9_-]{1,30}", lowered):
            return lowered
    return None


def _breadcrumbs(index: ClassIndex, jsonld: JsonLd, url: str, title: str | None) -> list[str]:
    page = url.rstrip("/")
    title_norm = (title or "").strip().lower()
    for crumb_list in jsonld.of_type("BreadcrumbList"):
        items = crumb_list.get("itemListElement")
        if not isinstance(items, list):
            continue
        names = []
        for item in sorted((i for i in items if isinstance(i, dict)), key=lambda i: int(i.get("position") or 0)):
            target = item.get("item")
            name = item.get("name") or (target.get("name") if isinstance(target, dict) else None)
            link = target.get("@id") if isinstance(target, dict) else target if isinstance(target, str) else None
            if not isinstance(name, str) or not name.strip():
                continue
            if (link and str(link).rstrip("/") == page) or name.strip().lower() == title_norm:
                continue
            names.append(" ".join(name.split()))
        names = [n for i, n in enumerate(names) if not (n.lower() in _HOME_NAMES or (i == 0 and len(names) > 1))]
        if names:
            return names
    for node in index.matching(_CRUMBS_CLASS):
        texts = [" ".join(a.text_content().split()) for a in node.iter("a")]
        texts = [t for t in texts if t and t.lower() not in _HOME_NAMES and t.lower() != title_norm]
        if texts:
            return texts
    return []


def find_language(tree: HtmlElement, meta: MetaTags, text: str) -> str | None:
    """Primary language code from <html lang>, og:locale or content-language, else a guess from the text."""
    declared = tree.get("lang") or tree.get("xml:lang") or meta.first("og:locale", "content-language", "language")
    if declared:
        code = re.split(r"[-_]", declared.strip().lower())[0]
        if re.fullmatch(r"[a-z]{2,3}", code):
            return code
    return guess_language(text)


def guess_language(text: str) -> str | None:
    """A quick guess for Cyrillic texts by their letters (kk, uk, be, uz, ru); py3langid for the rest."""
    sample = text[:3000].lower()
    letters = [ch for ch in sample if ch.isalpha()]
    if not letters:
        return None
    cyrillic = sum("\u0400" <= ch <= "\u04ff" for ch in letters)
    if cyrillic / len(letters) > 0.5:
        if sum(sample.count(ch) for ch in "әғқңөұүһ") > 3:
            return "kk"
        if sum(sample.count(ch) for ch in "ўқғҳ") > 3:
            return "uz"
        if sample.count("ў") > 2:
            return "be"
        # Ukrainian has і/ї/є/ґ and none of ы, э, ъ
        if sum(sample.count(ch) for ch in "іїєґ") >= 2 and not any(ch in sample for ch in "ыэъ"):
            return "uk"
        return "ru"
    import py3langid

    code, _ = py3langid.classify(sample)
    return str(code)


def find_image_url(meta: MetaTags, jsonld: JsonLd, url: str) -> str | None:
    image = meta.first("og:image", "og:image:url", "twitter:image", "twitter:image:src")
    if not image and jsonld.article is not None:
        value = jsonld.article.get("image")
        first = value[0] if isinstance(value, list) and value else value
        image = first.get("url") if isinstance(first, dict) else first if isinstance(first, str) else None
    return urljoin(url, image) if image else None
