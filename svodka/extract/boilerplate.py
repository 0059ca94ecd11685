"""What is not the article: "Читайте также" blocks, share buttons, subscription calls, tag lists, comment counts.

Two layers: `prune_boilerplate` removes such elements from the parsed page before the main-text extractor runs;
`is_boilerplate_line` catches lines that got through anyway.
"""

from __future__ import annotations

import re

from svodka.extract.class_index import ClassIndex

_JUNK_CLASS_WORDS = (
    "related", "read-also", "readalso", "read_also", "see-also", "seealso", "readmore", "read-more", "share",
    "sharing", "social", "subscribe", "subscription", "tags", "tag-list", "taglist", "comments", "comment-count",
    "breadcrumb", "telegram", "promo", "advert", "banner", "recommend", "more-news", "also-read", "popular",
)
_JUNK_NAME = re.compile("|".join(re.escape(word) for word in _JUNK_CLASS_WORDS))
# A container with this much paragraph text is the article itself, whatever its class says.
_MAX_PRUNED_TEXT = 1500

_LINE_START = re.compile(
    r"^\s*(?:(?:читайте\s+(?:также|еще|ещё|нас)|читать\s+также|смотрите\s+также|см\.\s+также|по\s+теме|"
    r"материалы\s+по\s+теме|новости\s+по\s+теме|ещ[её]\s+по\s+теме|другие\s+новости|самое\s+читаемое|"
    r"популярное|поделиться|поделитесь|комментарии|оставить\s+комментарий|теги|метки|ключевые\s+слова|related|"
    r"read\s+also|see\s+also|share|реклама|авторы?|автор\s+текста|текст)\s*(?::|—|$)|"
    r"читайте\s|подписывайтесь|подпишитесь|присоединяйтесь|нашли\s+ошибку|если\s+вы\s+нашли\s+ошибку|"
    r"сообщить\s+об\s+ошибке|правила\s+комментирования)",
    re.IGNORECASE,
)
_SUBSCRIBE = re.compile(r"(?:telegram|телеграм|whatsapp|instagram|инстаграм|youtube|ютуб|вконтакте|дзен|tiktok)", re.I)
_SUBSCRIBE_VERB = re.compile(r"подпис|присоедин|следите|читайте|наш\w*\s+канал", re.IGNORECASE)
_COMMENT_COUNT = re.compile(r"^\s*(?:\d+\s+комментари\w*|комментари\w*\s*[:(]?\s*\d+\)?)\s*$", re.IGNORECASE)
# Markers after which a list of links follows ("Читайте также:" + headlines).
_RELATED_MARKER = re.compile(
    r"^\s*(?:читайте\s+также|читать\s+также|смотрите\s+также|см\.\s+также|по\s+теме|материалы\s+по\s+теме|"
    r"новости\s+по\s+теме|ещ[её]\s+по\s+теме|related|read\s+also|see\s+also)\s*:?\s*$",
    re.IGNORECASE,
)


def prune_boilerplate(index: ClassIndex) -> int:
    """Remove related/share/subscribe/tag/comment containers (found via the page's class index) in place;
    returns how many were removed."""
    removed = 0
    for node in index.matching(_JUNK_NAME):
        if node.getparent() is None or node.tag in ("body", "html", "article", "main"):
            continue
        if sum(len(p.text_content()) for p in node.iter("p")) > _MAX_PRUNED_TEXT:
            continue
        node.drop_tree()
        removed += 1
    return removed


def is_boilerplate_line(text: str) -> bool:
    """True for a line that belongs to the page furniture, not the story."""
    line = " ".join(text.split())
    if not line:
        return True
    if len(line) <= 200 and _LINE_START.match(line):
        return True
    if _COMMENT_COUNT.match(line):
        return True
    return len(line) <= 300 and bool(_SUBSCRIBE.search(line)) and bool(_SUBSCRIBE_VERB.search(line))


def is_related_marker(text: str) -> bool:
    """True for a heading like "Читайте также:" that introduces a list of links to other stories."""
    return bool(_RELATED_MARKER.match(" ".join(text.split())))
