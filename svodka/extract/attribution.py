"""The original outlet of a rewritten story: "…, сообщает prosud.kz", "Читать на сайте prosud.kz",
"по данным ТАСС", "передает РИА Новости", "Источник: …"."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from svodka.models import SourceRef

_DOMAIN = r"(?:[\w-]+\.)+(?:kz|ru|uz|ua|by|kg|tj|am|az|ge|md|com|org|net|info|news|media|tv|io|asia|su|rf|рф)"
# Agencies and outlets quoted by name rather than by domain.
KNOWN_OUTLETS = (
    "ТАСС", "РИА Новости", "Интерфакс-Казахстан", "Интерфакс", "Reuters", "AFP", "Associated Press", "Bloomberg",
    "Казинформ", "Kazinform", "КазТАГ", "Sputnik Казахстан", "Sputnik", "Tengrinews.kz", "Tengrinews", "Orda.kz",
    "Vlast.kz", "Курсив", "Kursiv", "Газета.uz", "Kun.uz", "Podrobno.uz", "UzA", "Дунё", "Dunyo", "Фергана",
    "ИА «Фергана»", "24.kz", "Хабар 24", "Хабар", "Zakon.kz", "Nur.kz", "Азаттык", "Радио Азаттык", "BBC",
    "Би-би-си", "РБК", "Коммерсантъ", "Ведомости", "Известия", "Interfax", "Trend", "АПА", "APA", "Report.az",
    "Анадолу", "Anadolu", "Синьхуа", "Xinhua", "CNN", "The New York Times", "The Wall Street Journal",
    "Financial Times", "Лента.ру", "Газета.ру", "ТАСС-Казахстан", "БелТА", "Арменпресс", "Кабар", "Ховар",
    "Asia-Plus", "Азия-Плюс", "NEWS.am", "Turan", "Туран", "24.kg", "АКИpress", "AKIpress",
)
_OUTLET = "|".join(sorted((re.escape(o) for o in KNOWN_OUTLETS), key=len, reverse=True))
_NAME = rf"(?P<name>{_DOMAIN}|{_OUTLET}|«[^»]{{2,40}}»)"
_VERB = r"(?:сообщает|сообщают|сообщил[аи]?|передает|передаёт|передают|пишет|пишут|информирует|уточняет)"

# Strongest first: an explicit "read on" link or "Источник:" line, then reporting phrases.
_EXPLICIT = re.compile(
    rf"^\s*(?:читать\s+(?:полностью\s+)?на\s+сайте|подробнее\s+на\s+сайте|источник|первоисточник|по\s+материалам)"
    rf"\s*[:—–-]?\s*(?P<name>{_DOMAIN}|[^\n.]{{2,60}}?)\s*\.?\s*$",
    re.IGNORECASE,
)
_PHRASES = (
    re.compile(rf",?\s*{_VERB}\s+(?:сайт\s+|агентство\s+|издание\s+|портал\s+|телеканал\s+)?{_NAME}", re.I),
    re.compile(rf"\b(?:по\s+данным|по\s+информации|со\s+ссылкой\s+на|как\s+сообщает|как\s+пишет)\s+"
               rf"(?:сайт\s+|агентство\s+|агентства\s+|издание\s+|издания\s+|портал\s+|портала\s+)?{_NAME}", re.I),
)
_CUE = re.compile(r"сообща|переда|пиш|информир|уточня|по\s+данным|по\s+информации|ссылкой|источник|читать|"
                  r"подробнее|по\s+материалам", re.IGNORECASE)
_READ_ON_LINK = re.compile(r"^\s*(?:читать\s+(?:полностью\s+)?на\s+сайте|источник|первоисточник|подробнее\s+на)", re.I)
_DOMAIN_IN_TEXT = re.compile(_DOMAIN, re.IGNORECASE)


def _host(url: str | None) -> str:
    host = urlsplit(url or "").hostname or ""
    return host.removeprefix("www.").lower()


def _same_site(host: str, own: str) -> bool:
    """crimea.mk.ru and oren.mk.ru are one outlet: compare the last two labels (no host counts as own)."""
    return not host or host.split(".")[-2:] == own.split(".")[-2:]


def is_attribution_line(text: str) -> bool:
    """True for boilerplate lines that only name the source ("Читать на сайте prosud.kz", "Источник: ТАСС")."""
    return bool(_EXPLICIT.match(" ".join(text.split())))


def find_source(paragraphs: list[str], tree: HtmlElement, page_url: str) -> SourceRef | None:
    """The outlet the story was taken from, or None for original reporting. Mentions of the page's own site
    are ignored. A link whose text or host matches the name supplies the URL."""
    own = _host(page_url)
    for link in tree.xpath("//body//a[@href]"):
        # the label is the link's own leading text; skip the rest cheaply
        if not _READ_ON_LINK.match(link.text or ""):
            continue
        text, href = " ".join(link.text_content().split()), link.get("href") or ""
        host = _host(href)
        if len(text) <= 60 and _READ_ON_LINK.match(text) and href.startswith("http") and not _same_site(host, own):
            named = _DOMAIN_IN_TEXT.search(text)
            # "Читать на сайте ТАСС" names the outlet better than its host does
            label = _READ_ON_LINK.sub("", text).strip(" :«»\"")
            return SourceRef(name=named.group(0) if named else (label if 1 < len(label) <= 40 else host), url=href)
    # attributions sit at the start or the end of a story; a cheap keyword gate spares the big regexes
    paragraphs = [p for p in dict.fromkeys(paragraphs[:3] + paragraphs[-3:]) if _CUE.search(p)]
    found: str | None = None
    for paragraph in paragraphs:
        if (m := _EXPLICIT.match(" ".join(paragraph.split()))) is not None:
            found = m.group("name").strip(" «»\"")
            break
    if found is None:
        for pattern in _PHRASES:
            for paragraph in paragraphs:
                if (m := pattern.search(paragraph)) is not None:
                    name = m.group("name").strip(" «»\"")
                    if name.lower().removeprefix("www.") != own:
                        found = name
                        break
            if found:
                break
    if not found or found.lower().removeprefix("www.") == own:
        return None
    return SourceRef(name=found, url=_link_for(found, tree, own))


def _link_for(name: str, tree: HtmlElement, own: str) -> str | None:
    lowered = name.lower()
    for link in tree.iter("a"):
        href = link.get("href") or ""
        if not href.startswith("http"):
            continue
        host = _host(href)
        if not host or _same_site(host, own):
            continue
        if host == lowered.removeprefix("www.") or host.endswith("." + lowered) or (
            " ".join(link.text_content().split()).lower() == lowered
        ):
            return href
    return None
