"""Schema.org JSON-LD blocks of a page: parsed once, flattened, the article object picked out."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from lxml.html import HtmlElement

ARTICLE_TYPES = {
    "article", "newsarticle", "reportage", "analysisnewsarticle", "opinionnewsarticle", "backgroundnewsarticle",
    "blogposting", "reviewnewsarticle", "report", "scholarlyarticle", "socialmediaposting", "liveblogposting",
}
# Control characters break json.loads on some sites (raw newlines/tabs inside strings).
_CONTROL = re.compile(r"[\x00-\x1f]")


@dataclass
class JsonLd:
    """All JSON-LD objects of a page (nested @graph flattened) and the one that describes the article."""

    objects: list[dict[str, Any]] = field(default_factory=list)
    article: dict[str, Any] | None = None

    def of_type(self, name: str) -> list[dict[str, Any]]:
        return [obj for obj in self.objects if name.lower() in types_of(obj)]


def types_of(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower() for k in kinds if k}


def _flatten(data: Any, out: list[dict[str, Any]]) -> None:
    if isinstance(data, list):
        for item in data:
            _flatten(item, out)
    elif isinstance(data, dict):
        out.append(data)
        if "@graph" in data:
            _flatten(data["@graph"], out)
        main = data.get("mainEntity")
        if isinstance(main, dict):
            _flatten(main, out)


def read_jsonld(tree: HtmlElement) -> JsonLd:
    """Parse every `<script type="application/ld+json">`; broken blocks are skipped."""
    objects: list[dict[str, Any]] = []
    for script in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            try:
                data = json.loads(_CONTROL.sub(" ", raw))
            except ValueError:
                continue
        _flatten(data, objects)
    article = next((obj for obj in objects if types_of(obj) & ARTICLE_TYPES), None)
    return JsonLd(objects=objects, article=article)


def names_of(value: Any) -> list[str]:
    """Strings from a JSON-LD value that may be a string, an object with "name", or a list of them."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return names_of(name) if name else []
    if isinstance(value, list):
        return [name for item in value for name in names_of(item)]
    return []
