"""`<meta>` tags of a page collected once into a lookup by lower-cased property / name / itemprop."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml.html import HtmlElement


@dataclass
class MetaTags:
    values: dict[str, list[str]] = field(default_factory=dict)

    def first(self, *keys: str) -> str | None:
        """The first non-empty content among `keys`, tried in order."""
        for key in keys:
            for value in self.values.get(key, []):
                if value:
                    return value
        return None

    def all(self, *keys: str) -> list[str]:
        return [value for key in keys for value in self.values.get(key, []) if value]


def read_meta(tree: HtmlElement) -> MetaTags:
    """Every `<meta>` with content, keyed by its property, name and itemprop (all lower-cased)."""
    values: dict[str, list[str]] = {}
    for node in tree.iter("meta"):
        content = node.get("content")
        if content is None:
            continue
        content = " ".join(content.split())
        for attr in ("property", "name", "itemprop"):
            key = node.get(attr)
            if key:
                values.setdefault(key.strip().lower(), []).append(content)
    return MetaTags(values)
