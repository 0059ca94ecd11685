"""Photo credits ("Фото: Акорда", "© РИА Новости", "Фото пресс-службы акимата") and image captions.

Found in the parsed page before the main text is extracted; the credit and caption elements are then removed
from the tree so they never leak into the article text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml.html import HtmlElement

# A credit line starts with one of these labels; the credit is what follows.
_CREDIT_LINE = re.compile(
    r"^\s*(?:(?:фото(?:графия)?|фотограф|видео|иллюстрация|коллаж|инфографика|изображение|кадр|скриншот|"
    r"photo|image|credit|источник\s+фото|фото\s+и\s+видео|фото\s+на\s+обложке|фото\s+с\s+сайта)"
    r"\s*(?:[:—–-]|©)\s*|©\s*|\(c\)\s*)(?P<credit>.+)$",
    re.IGNORECASE,
)
# "Фото пресс-службы акимата" / "Фото из открытых источников" / "Фото автора".
_CREDIT_PHRASE = re.compile(
    r"^\s*фото\s+(?P<credit>(?:пресс-служб\w*|из\s+открытых\s+источников|из\s+архива|автора|с\s+сайта|"
    r"из\s+соцсетей|из\s+социальных\s+сетей|предоставлено|предоставлены)\b.*)$",
    re.IGNORECASE,
)
# Inside a figure, a bare "Источник: X" is a credit too.
_SOURCE_LINE = re.compile(r"^\s*(?:источник|source)\s*[:—–-]\s*(?P<credit>.+)$", re.IGNORECASE)
_CREDIT_CLASS = re.compile(
    r"credit|photo[-_]?author|image[-_]?author|img[-_]?author|author[-_]?photo|photo[-_]?source|"
    r"image[-_]?source|media[-_]?source|media__src|media_source|caption[-_]?author|photographer|photo-by",
    re.IGNORECASE,
)
_CAPTION_CLASS = re.compile(r"caption|figcaption|photo[-_]?desc|image[-_]?desc|media__text|img[-_]?title", re.I)
_MAX_CREDIT_LEN = 160
_LABEL_START = re.compile(
    r"^\s*(?:фото|photo|©|\(c\)|видео|иллюстр|коллаж|инфограф|изображ|кадр|скриншот|источник|source|credit|image)",
    re.IGNORECASE,
)
# One class naming both a picture and its author/source: "image-box__author", "header_media_source".
_LABEL_CLASS = re.compile(
    r"(?:image|img|photo|media|pic|figure)\w*?[-_]+(?:\w+[-_]+)*?(?:author|source|credit)|"
    r"(?:author|source|credit)\w*?[-_]+(?:\w+[-_]+)*?(?:image|img|photo|media|pic)",
    re.IGNORECASE,
)
_IMAGE_CONTAINER_CLASS = re.compile(r"image|img|photo|media|figure|picture|gallery", re.IGNORECASE)
_FURNITURE_CLASS = re.compile(r"footer|copyright", re.IGNORECASE)
# "Все права защищены" and year ranges mark the site's copyright notice, not a picture's.
_SITE_NOTICE = re.compile(r"прав[аы]\s+защищен|all\s+rights\s+reserved|^\s*\d{4}\s*[-–—]\s*\d{4}|\d{6}", re.I)
_CANDIDATE_TAGS = ("figcaption", "p", "span", "div", "small", "cite", "em", "i", "b", "strong")
_FIGURE_CLASS = re.compile(r"figure|media|photo|image", re.IGNORECASE)


@dataclass
class FigureInfo:
    image_url: str | None = None
    caption: str | None = None
    credit: str | None = None


@dataclass
class CreditScan:
    """What the scan found: credits in page order, the first figure, and captions (to keep them out of text)."""

    credits: list[str] = field(default_factory=list)
    first_figure: FigureInfo | None = None
    captions: set[str] = field(default_factory=set)


def credit_from_line(text: str, in_figure: bool = False) -> str | None:
    """The credited party in a credit line ("Фото: Дмитрий Азаров / Коммерсантъ" → "Дмитрий Азаров / Коммерсантъ"),
    or None when the line is not a credit. `in_figure` also accepts "Источник: …"."""
    text = " ".join(text.split())
    if not text or len(text) > _MAX_CREDIT_LEN:
        return None
    match = _CREDIT_LINE.match(text) or _CREDIT_PHRASE.match(text)
    if match is None and in_figure:
        match = _SOURCE_LINE.match(text)
    if match is None:
        return None
    credit = match.group("credit").strip(" .;,")
    if credit.lower().startswith("пресс-службы"):
        credit = "пресс-служба" + credit[len("пресс-службы"):]
    return credit or None


# A credit at the end of a caption: "Школа после ремонта. Фото: Дмитрий Азаров / Коммерсантъ".
_TRAILING_CREDIT = re.compile(
    r"^(?P<caption>.*?)[\s.;,|]*(?:(?:фото(?:графия)?|photo|коллаж|иллюстрация|источник|кадр)\s*[:—–-]|©)"
    # a dot inside a word is part of the credit ("pixabay.com", "Д.Азаров"); a dot before a space ends it
    r"\s*(?P<credit>(?:[^.!?]|\.(?=\w)){2,100}?)[\s.]*$",
    re.IGNORECASE,
)


def split_caption_credit(text: str) -> tuple[str | None, str | None]:
    """(caption, credit) from a figure caption that may end with a credit; either part may be None."""
    text = " ".join(text.split())
    if (credit := credit_from_line(text, in_figure=True)) is not None:
        return None, credit
    match = _TRAILING_CREDIT.match(text)
    if match is None:
        return text or None, None
    return match.group("caption").strip() or None, match.group("credit").strip()


def _classes(node: HtmlElement) -> str:
    return node.get("class") or ""


def _is_in_figure(node: HtmlElement) -> bool:
    """Inside a figure, a caption, or (within a few levels) a block named like an image container."""
    for depth, parent in enumerate(node.iterancestors()):
        if parent.tag in ("figure", "picture") or _CAPTION_CLASS.search(_classes(parent)):
            return True
        if depth < 3 and _IMAGE_CONTAINER_CLASS.search(_classes(parent)):
            return True
        if parent.tag in ("article", "main", "body"):
            return False
    return False


def _in_page_furniture(node: HtmlElement) -> bool:
    """Footers and headers carry the site's own "© 2000-2026 …" notices, which are not photo credits."""
    return any(parent.tag == "footer" or _FURNITURE_CLASS.search(_classes(parent)) for parent in node.iterancestors())


def _add(credits: list[str], credit: str | None) -> None:
    if credit and credit not in credits:
        credits.append(credit)


def scan_credits(tree: HtmlElement, remove: bool = True, site_names: tuple[str, ...] = ()) -> CreditScan:
    """Collect photo credits and figure captions from `tree`; with `remove`, drop those elements from it.
    Notices that only name the site itself ("© vse-diety.com, 2008") are not credits."""
    scan = CreditScan()
    own_names = {name.lower() for name in site_names}
    doomed: list[HtmlElement] = []
    body = tree.find("body")
    if body is None:
        return scan
    candidates = body.iter(*_CANDIDATE_TAGS)
    doomed_set: set[HtmlElement] = set()
    # (credit class, author/source/credit-ish class) per distinct class string
    class_verdicts: dict[str, tuple[bool, bool]] = {}
    for node in candidates:
        classes = _classes(node)
        verdict = class_verdicts.get(classes)
        if verdict is None:
            verdict = (bool(_CREDIT_CLASS.search(classes)), bool(_LABEL_CLASS.search(classes)))
            class_verdicts[classes] = verdict
        by_class, labelled = verdict
        # cheap gate first: a credit label in the element's own leading text, or a credit-like class name
        own_text = node.text
        if not by_class and not labelled and not (own_text and _LABEL_START.match(own_text)):
            continue
        if doomed_set and any(parent in doomed_set for parent in node.iterancestors()):
            continue
        text = node.text_content()
        if not text or len(text) > _MAX_CREDIT_LEN * 2:
            continue
        in_figure = by_class or _is_in_figure(node)
        # "image-box__author", "photo__source": an author/source element inside an image block
        by_class = by_class or (in_figure and labelled)
        credit = credit_from_line(text, in_figure=in_figure)
        if credit is None and by_class:
            credit = " ".join(text.split()).strip(" .©") or None
        if credit is not None and (
            _SITE_NOTICE.search(credit) or _in_page_furniture(node) or _only_site(credit, own_names)
        ):
            continue
        if credit is not None:
            _add(scan.credits, credit)
            doomed.append(node)
            doomed_set.add(node)
    for figure in _figures(body):
        info = _read_figure(figure, scan, doomed)
        if info is not None and scan.first_figure is None:
            scan.first_figure = info
    if remove:
        for node in doomed:
            _drop(node)
        for node in tree.xpath("//body//figcaption"):
            _drop(node)
    return scan


def _only_site(credit: str, own_names: set[str]) -> bool:
    bare = re.sub(r"[\d\s,.;:©()–—-]+$", "", credit.strip()).strip().lower()
    return bare in own_names


def _figures(body: HtmlElement) -> list[HtmlElement]:
    """<figure> elements, or the nearest block named like one (figure/media/photo/image) around each <img>."""
    found: list[HtmlElement] = []
    seen: set[HtmlElement] = set()
    for img in body.iter("img"):
        for depth, parent in enumerate(img.iterancestors()):
            if depth > 3 or parent.tag in ("body", "article", "main"):
                break
            if parent.tag == "figure" or (
                parent.tag in ("div", "span", "p") and _FIGURE_CLASS.search(_classes(parent))
            ):
                if parent not in seen and len(parent.text_content()) < 600:
                    seen.add(parent)
                    found.append(parent)
                break
    return found


def _read_figure(figure: HtmlElement, scan: CreditScan, doomed: list[HtmlElement]) -> FigureInfo | None:
    image = figure.xpath(".//img/@data-src | .//img/@src")
    caption_nodes = figure.xpath(".//figcaption") or [
        n for n in figure.iterdescendants() if isinstance(n.tag, str) and _CAPTION_CLASS.search(_classes(n))
    ]
    caption = None
    credit = None
    for node in caption_nodes:
        text = " ".join(node.text_content().split())
        if not text or len(text) > 600:
            continue
        doomed.append(node)
        if _CREDIT_CLASS.search(_classes(node)):
            credit = credit or credit_from_line(text, in_figure=True) or text
            continue
        part_caption, part_credit = split_caption_credit(text)
        if part_credit is not None:
            credit = credit or part_credit
            _add(scan.credits, part_credit)
        if part_caption and caption is None:
            caption = part_caption
            scan.captions.add(text)
    # credits may sit in sub-elements of a caption: strip them from the caption text
    for known in scan.credits:
        if caption and known in caption:
            caption = re.sub(r"\s*(?:фото|photo|©)?\s*[:—–-]?\s*" + re.escape(known) + r"\s*$", "", caption,
                             flags=re.IGNORECASE).strip() or None
            credit = credit or known
    if caption:
        scan.captions.add(caption)
    if not image and caption is None and credit is None:
        return None
    return FigureInfo(image_url=image[0] if image else None, caption=caption, credit=credit)


def _drop(node: HtmlElement) -> None:
    """Remove an element but keep its tail text in the document."""
    parent = node.getparent()
    if parent is None:
        return
    node.drop_tree()
