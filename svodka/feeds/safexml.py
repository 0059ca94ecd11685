"""lxml parsers that never expand entities, never touch the network and refuse giant trees.

Every XML document in this package goes through these, so billion-laughs and XXE documents stay inert.
"""

from __future__ import annotations

import re

from lxml import etree

# A DOCTYPE that declares entities: legitimate feeds never need one, attacks always do.
_ENTITY_DECLARATION = re.compile(rb"<!DOCTYPE[^>\[]*\[[^\]]*<!ENTITY", re.IGNORECASE | re.DOTALL)
_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
# How far into a body the DOCTYPE may sit (after the XML declaration, comments and processing instructions).
_PROLOGUE_BYTES = 16_384


def safe_xml_parser(*, recover: bool = False, encoding: str | None = None) -> etree.XMLParser:
    """An lxml parser with entity resolution, DTD loading and network access off.

    `encoding` (e.g. the HTTP charset) overrides what the document declares.
    """
    return etree.XMLParser(
        encoding=encoding,
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
        recover=recover,
    )


def declares_entities(body: bytes) -> bool:
    """True when the prologue of `body` declares XML entities (the shape of billion-laughs and XXE attacks)."""
    head = body[:_PROLOGUE_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    return _ENTITY_DECLARATION.search(head) is not None


def parse_xml(body: bytes, *, recover: bool = False) -> etree._Element:
    """Parse `body` with the safe parser and return the root element.

    Raises etree.XMLSyntaxError (or ValueError for an empty result) when the bytes are not XML.
    """
    root = etree.fromstring(body, parser=safe_xml_parser(recover=recover))
    if root is None:
        raise ValueError("no XML element in the document")
    return root


def local_name(tag: object) -> str:
    """`{namespace}name` -> `name`; comments and processing instructions (non-string tags) -> ''."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


_COMMENT = re.compile(rb"<!--.*?(?:-->|$)", re.DOTALL)
_DOCTYPE = re.compile(rb"<!DOCTYPE[^\[>]*(?:\[.*?\]\s*)?>", re.IGNORECASE | re.DOTALL)
_FIRST_TAG = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")


def root_name(body: bytes) -> str | None:
    """The local name of the first element of `body` ("rss", "feed", "RDF", "urlset", "html"...), or None.

    Reads only the prologue, so it is cheap on huge bodies; it does not check that the rest is well formed.
    """
    head = body[:_PROLOGUE_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    head = _DOCTYPE.sub(b"", _COMMENT.sub(b"", head))
    match = _FIRST_TAG.search(head)
    return match.group(1).decode("ascii", errors="replace") if match else None


def _valid_char_ref(match: re.Match[bytes]) -> bytes:
    digits, base = (match.group(1), 16) if match.group(1) is not None else (match.group(2), 10)
    code = int(digits, base) if len(digits) <= 8 else -1
    if code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF:
        return match.group(0)
    return b"&#xFFFD;"


def replace_invalid_char_refs(body: bytes) -> bytes:
    """`body` with numeric character references to characters XML forbids (`&#0;`, `&#xD800;`, `&#x110000;`)
    replaced by U+FFFD: lxml's recovery turns them into invalid UTF-8 that raises on access, feedparser into
    exceptions. Only ASCII-compatible encodings are seen; UTF-16 bodies pass unchanged."""
    return _CHAR_REF.sub(_valid_char_ref, body)
