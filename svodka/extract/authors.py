"""Author names: found in JSON-LD, byline elements and meta tags, cleaned of labels, e-mails and site names."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from svodka.extract.class_index import ClassIndex
from svodka.extract.jsonld import JsonLd, names_of
from svodka.extract.metatags import MetaTags

# Labels in front of names: "Авторы Дмитрий Попов", "Автор: …", "Текст: …", "By …".
_LABEL = re.compile(
    r"^\s*(?:авторы?|автор\s+текста|текст|текст\s+и\s+фото|материал\s+подготовил[аи]?|подготовил[аи]?|"
    r"беседовал[аи]?|корреспондент|обозреватель|редактор|by|written\s+by|posted\s+by)\b\s*[:—–-]?\s*",
    re.IGNORECASE,
)
_SPLIT = re.compile(r"\s*(?:,|;|/|\||\n|&|\band\b|\bи\b)\s*", re.IGNORECASE)
_EMAIL = re.compile(r"\S+@\S+")
_URLISH = re.compile(r"https?://\S+|www\.\S+|\b[\w-]+\.(?:kz|ru|uz|ua|by|kg|tj|com|org|net|info|news|media)\b", re.I)
_NOT_PEOPLE = re.compile(
    r"^(?:редакция|редакция\s+сайта|пресс-служба|администратор|admin|редактор|корреспондент|"
    r"новости|staff|newsroom|информационное\s+агентство|ia|иа)\b",
    re.IGNORECASE,
)
_NAME_WORD = re.compile(r"^[A-ZА-ЯЁІЇЄҚҒҮҰӘӨҺ][\w'’.-]*$")
_BYLINE_XPATH = '//body//*[@itemprop="author" or @rel="author"]'
_BYLINE_CLASS = re.compile(r"author|byline", re.IGNORECASE)
# Authors inside these blocks sign comments or teasers of other stories, not this article.
_ELSEWHERE_CLASS = re.compile(
    r"comment|reply|discuss|preview|teaser|card|more|related|feed|widget|sidebar|aside|popular|recommend|footer|"
    r"header__|menu|nav",
    re.IGNORECASE,
)
_ELSEWHERE_TAGS = {"aside", "nav", "footer", "figure", "figcaption"}


def clean_author_names(raw: str | list[str], site_names: tuple[str, ...] = ()) -> list[str]:
    """Person names from byline text(s): labels, e-mails, URLs, site names and "Редакция" dropped,
    "Иван Иванов, Пётр Петров" / "… и …" split, duplicates removed (order kept)."""
    pieces = [raw] if isinstance(raw, str) else list(raw)
    sites = {s.strip().lower() for s in site_names if s}
    names: list[str] = []
    for piece in pieces:
        piece = _EMAIL.sub(" ", " ".join(piece.split()))
        piece = _LABEL.sub("", piece)
        for part in _SPLIT.split(piece):
            name = _LABEL.sub("", part).strip(" .:—–-\u00a0«»\"'()")
            name = " ".join(name.split())
            if not name or _URLISH.search(name) or _NOT_PEOPLE.match(name) or name.lower() in sites:
                continue
            words = name.split()
            if not 1 <= len(words) <= 4 or not all(_NAME_WORD.match(w) for w in words):
                continue
            if any(ch.isdigit() for ch in name):
                continue
            if name.lower() not in {n.lower() for n in names}:
                names.append(name)
    return names


def _byline_texts(tree: HtmlElement, index: ClassIndex, site_names: tuple[str, ...]) -> list[str]:
    """Texts of the article's byline: the first innermost byline element that holds a name, plus its siblings
    under the same block (several authors). Sidebar author cards and comment authors come later or sit in
    comment blocks, so they are left out."""
    # itemprop/rel="author" first (the strongest markup), then author/byline classes, each in document order
    marked = tree.xpath(_BYLINE_XPATH)
    known = set(marked)
    nodes = [*marked, *(n for n in index.matching(_BYLINE_CLASS) if n not in known)]
    chosen = set(nodes)
    # a byline element that contains another one is a container: keep the inner one
    containers = {parent for node in nodes for parent in node.iterancestors() if parent in chosen}
    innermost = [
        node for node in nodes
        if isinstance(node.tag, str) and node.tag not in ("meta", "link", "html", "body", "article", "main")
        and node not in containers and not _elsewhere(node)
    ]
    for position, node in enumerate(innermost):
        text = node.text_content().strip()
        if not text or len(text) > 120 or not clean_author_names(text, site_names):
            continue
        block = _ancestor(node, 3)
        texts = [text]
        for other in innermost[position + 1:]:
            if block is not None and block in set(other.iterancestors()):
                other_text = other.text_content().strip()
                if other_text and len(other_text) <= 120:
                    texts.append(other_text)
        return texts
    return []


def _elsewhere(node: HtmlElement) -> bool:
    """True for a byline in a comment, a teaser list, a sidebar or the page header/footer."""
    for parent in node.iterancestors():
        if parent.tag in _ELSEWHERE_TAGS:
            return True
        if _ELSEWHERE_CLASS.search(f"{parent.get('class') or ''} {parent.get('id') or ''}"):
            return True
    return _ELSEWHERE_CLASS.search(node.get("class") or "") is not None and "author" not in (node.get("class") or "")


def _ancestor(node: HtmlElement, levels: int) -> HtmlElement | None:
    for depth, parent in enumerate(node.iterancestors(), start=1):
        if depth == levels or parent.tag in ("article", "main", "body"):
            return parent
    return None


def find_authors(
    tree: HtmlElement, index: ClassIndex, meta: MetaTags, jsonld: JsonLd, site_names: tuple[str, ...] = ()
) -> list[str]:
    """Authors of the article: JSON-LD author first, then byline elements, then meta author."""
    if jsonld.article is not None:
        found = clean_author_names(names_of(jsonld.article.get("author")), site_names)
        if found:
            return found
    found = clean_author_names(_byline_texts(tree, index, site_names), site_names)
    if found:
        return found
    values = [v for v in meta.all("author", "article:author", "sailthru.author", "parsely-author") if "//" not in v]
    return clean_author_names(values, site_names)
