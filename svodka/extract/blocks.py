"""Trafilatura's XML body → ordered `Block`s (heading, paragraph, quote, list), with furniture lines dropped."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from svodka.extract.attribution import is_attribution_line
from svodka.extract.boilerplate import is_boilerplate_line, is_related_marker
from svodka.extract.credits import credit_from_line
from svodka.models import Block, BlockKind


@dataclass
class RawBlock:
    """A block as trafilatura gave it, before furniture is filtered out."""

    kind: BlockKind
    text: str


def _text(node: etree._Element) -> str:
    return " ".join(" ".join(node.itertext()).split())


def body_blocks(body: etree._Element | None) -> list[RawBlock]:
    """Walk trafilatura's `<body>` (head/p/list/quote/table) in order."""
    blocks: list[RawBlock] = []
    if body is None:
        return blocks
    for node in body:
        tag = node.tag
        if tag in ("graphic", "lb") or not isinstance(tag, str):
            continue
        if tag == "list":
            items = [_text(item) for item in node.iter("item")]
            items = [item for item in items if item]
            if items:
                text = "\n".join(items)
                blocks.append(RawBlock("list", text))
            continue
        if tag == "table":
            rows = [" | ".join(_text(cell) for cell in row.iter("cell")) for row in node.iter("row")]
            text = "\n".join(row for row in rows if row.strip(" |"))
            if text:
                blocks.append(RawBlock("paragraph", text))
            continue
        text = _text(node)
        if not text:
            continue
        kind: BlockKind = "heading" if tag == "head" else "quote" if tag == "quote" else "paragraph"
        blocks.append(RawBlock(kind, text))
    return blocks


def _norm(text: str | None) -> str:
    return re.sub(r"[\W_]+", " ", (text or "").lower()).strip()


def clean_blocks(
    raw: list[RawBlock],
    *,
    title: str | None = None,
    lead: str | None = None,
    authors: list[str] | None = None,
    captions: set[str] | None = None,
) -> list[Block]:
    """Drop title/lead repeats, captions, credits, bylines, related-link lists and furniture; merge repeats."""
    skip = {_norm(title), _norm(lead)} - {""}
    skip |= {_norm(c) for c in captions or set()}
    author_set = {a.lower() for a in authors or []}
    out: list[Block] = []
    after_marker = False
    for block in raw:
        norm = _norm(block.text)
        if after_marker and (block.kind == "list" or _is_headline_like(block.text)):
            continue
        after_marker = False
        if is_related_marker(block.text):
            after_marker = True
            continue
        if not norm or norm in skip or is_boilerplate_line(block.text) or is_attribution_line(block.text):
            continue
        if block.kind != "list" and credit_from_line(block.text) is not None:
            continue
        if author_set and _is_byline(block.text, author_set):
            continue
        if out and _norm(out[-1].text) == norm:
            continue
        out.append(Block(kind=block.kind, text=block.text))
    return out


def _is_headline_like(text: str) -> bool:
    """A short line without final punctuation: a linked headline in a "Читайте также" list."""
    return len(text) <= 160 and not text.rstrip().endswith((".", "!", "?", ":", ";", "…", "»", '"'))


def _is_byline(text: str, authors: set[str]) -> bool:
    """A short line made only of the authors' names ("Ярослав Кузишин, Антон Зелинский")."""
    if len(text) > 200:
        return False
    parts = [p.strip(" .").lower() for p in re.split(r",|;|\band\b|\bи\b|/|\n", text) if p.strip(" .")]
    return bool(parts) and all(p in authors for p in parts)
