"""Failures of the fetch layer: one exception class per cause, each with a stable `kind` string.

Callers branch on `kind` (it is also what gets stored and logged), never on the message text.
"""

from __future__ import annotations

from typing import ClassVar


class FetchError(Exception):
    """Base of every fetch failure; `url` is the URL the caller asked for (set by the fetcher if unknown)."""

    kind: ClassVar[str] = "fetch"

    def __init__(self, message: str, *, url: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.url = url

    def __str__(self) -> str:
        return f"{self.message} ({self.url})" if self.url else self.message


class FetchTimeout(FetchError):
    kind = "timeout"


class TooLarge(FetchError):
    """The body (counted after decompression) or its announced Content-Length exceeds the limit."""

    kind = "too_large"

    def __init__(self, message: str, *, url: str = "", limit: int = 0, seen: int = 0) -> None:
        super().__init__(message, url=url)
        self.limit = limit
        # Decoded bytes actually held when we stopped: proves the reader stopped early.
        self.seen = seen


class TooManyRedirects(FetchError):
    kind = "too_many_redirects"


class BlockedAddress(FetchError):
    """The host is, or resolves to, an address we refuse to connect to (SSRF guard)."""

    kind = "blocked_address"


class RobotsDisallowed(FetchError):
    kind = "robots_disallowed"


class HttpStatusError(FetchError):
    """The server answered with an error status (4xx/5xx, or a redirect without Location)."""

    kind = "http_status"

    def __init__(self, message: str, *, url: str = "", status: int, retry_after: int | None = None) -> None:
        super().__init__(message, url=url)
        self.status = status
        self.retry_after = retry_after


class ConnectionFailed(FetchError):
    kind = "connection"


class InvalidUrl(FetchError):
    kind = "invalid_url"


class DecodeFailed(FetchError):
    """The body could not be decompressed (broken gzip, unsupported Content-Encoding)."""

    kind = "decode"
