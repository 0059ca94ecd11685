"""Content-Encoding decoding that counts decoded bytes as it goes, so a gzip bomb stops at the limit.

httpx would inflate each network chunk whole (up to ~1000x its size) before we could count it; here zlib is asked
for at most `limit + 1` bytes at a time, so memory never grows past the limit plus one chunk.
"""

from __future__ import annotations

import zlib

from svodka.fetch.errors import DecodeFailed, TooLarge

# What we announce in Accept-Encoding: exactly what this module can decode.
SUPPORTED_ENCODINGS = "gzip, deflate"


class BoundedDecoder:
    """Feed raw body chunks in, get at most `limit` decoded bytes out; raises TooLarge or DecodeFailed."""

    def __init__(self, content_encoding: str | None, limit: int) -> None:
        codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1:
            raise DecodeFailed(f"unsupported stacked Content-Encoding {content_encoding!r}")
        self.coding = codings[0] if codings else "identity"
        if self.coding not in {"identity", "gzip", "x-gzip", "deflate"}:
            raise DecodeFailed(f"unsupported Content-Encoding {self.coding!r}")
        self.limit = limit
        self._parts: list[bytes] = []
        self._size = 0
        self._zlib: zlib._Decompress | None = None
        self._first_deflate_chunk = True
        if self.coding in {"gzip", "x-gzip"}:
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif self.coding == "deflate":
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS)

    @property
    def size(self) -> int:
        """Decoded bytes held so far."""
        return self._size

    def feed(self, chunk: bytes) -> None:
        if self._zlib is None:
            self._append(chunk)
            return
        data = chunk
        while data and not self._zlib.eof:
            try:
                out = self._zlib.decompress(data, self.limit - self._size + 1)
            except zlib.error as exc:
                if self.coding == "deflate" and self._first_deflate_chunk:
                    # Some servers send raw deflate without the zlib header (as httpx also tolerates).
                    self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._first_deflate_chunk = False
                    continue
                raise DecodeFailed(f"broken {self.coding} body: {exc}") from exc
            self._first_deflate_chunk = False
            self._append(out)
            data = self._zlib.unconsumed_tail

    def finish(self) -> bytes:
        """All decoded bytes; a truncated compressed stream yields what could be decoded."""
        if self._zlib is not None:
            try:
                self._append(self._zlib.flush())
            except zlib.error as exc:
                raise DecodeFailed(f"broken {self.coding} body: {exc}") from exc
        return b"".join(self._parts)

    def truncated(self) -> bytes:
        """The first `limit` decoded bytes (for readers that accept a cut body, like robots.txt)."""
        return b"".join(self._parts)[: self.limit]

    def _append(self, data: bytes) -> None:
        if not data:
            return
        self._parts.append(data)
        self._size += len(data)
        if self._size > self.limit:
            raise TooLarge(f"body exceeds {self.limit} bytes after decoding", limit=self.limit, seen=self._size)
