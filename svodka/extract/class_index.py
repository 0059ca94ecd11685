"""Elements of a page's body that carry a class or id, listed once so every reader can filter them cheaply.

One Python regex over "class id" per element is far cheaper than an XPath with many contains() per reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml.html import HtmlElement


@dataclass
class ClassIndex:
    entries: list[tuple[HtmlElement, str]] = field(default_factory=list)

    def matching(self, pattern: re.Pattern[str], tags: tuple[str, ...] = ()) -> list[HtmlElement]:
        """Elements whose "class id" text matches `pattern` (optionally only these tags), in document order."""
        # many elements share a class string: decide each distinct string once
        verdicts: dict[str, bool] = {}
        found = []
        for node, names in self.entries:
            verdict = verdicts.get(names)
            if verdict is None:
                verdict = verdicts[names] = bool(pattern.search(names))
            if verdict and (not tags or node.tag in tags):
                found.append(node)
        return found


def index_classes(tree: HtmlElement) -> ClassIndex:
    entries = [
        (node, f"{node.get('class') or ''} {node.get('id') or ''}")
        for node in tree.xpath("//body//*[@class or @id]")
    ]
    return ClassIndex(entries)
