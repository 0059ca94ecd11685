"""Bytes of a page → text. Uses `svodka.fetch.charset.decode_html` when the fetch stage provides it."""

from __future__ import annotations

import codecs
import importlib
import re
from collections.abc import Callable

from charset_normalizer import from_bytes

_DECLARED = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _fetch_decoder() -> Callable[[bytes, str | None], tuple[str, str] | str] | None:
    try:
        module = importlib.import_module("svodka.fetch.charset")
    except ImportError:
        return None
    decoder = getattr(module, "decode_html", None)
    return decoder if callable(decoder) else None


def decode_page(body: bytes, content_type: str | None = None) -> str:
    """Decode HTML bytes: the fetch stage's decoder if present, else BOM, declared charset, UTF-8,
    then charset-normalizer's guess. Never raises on bad bytes (they become U+FFFD)."""
    decoder = _fetch_decoder()
    if decoder is not None:
        # the fetch stage returns (text, encoding label); accept a bare string too
        decoded = decoder(body, content_type)
        return decoded[0] if isinstance(decoded, tuple) else decoded
    return _decode_fallback(body, content_type)


def _decode_fallback(body: bytes, content_type: str | None) -> str:
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body.decode(encoding, errors="replace")
    declared: list[str] = []
    if content_type and (m := re.search(r"charset=([\w-]+)", content_type, re.IGNORECASE)):
        declared.append(m.group(1))
    if m := _DECLARED.search(body[:4096]):
        declared.append(m.group(1).decode("ascii", "ignore"))
    for encoding in [*declared, "utf-8"]:
        try:
            return body.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    best = from_bytes(body).best()
    if best is not None:
        return str(best)
    return body.decode("utf-8", errors="replace")
