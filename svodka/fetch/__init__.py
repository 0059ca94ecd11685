"""The fetch layer: the only part of svodka that talks to the network.

`Fetcher` does polite, bounded, SSRF-guarded GETs; `decode_html` turns bytes into text; `polling` decides when to
come back. Failures are `FetchError` subclasses with a stable `kind`.
"""

from svodka.fetch.charset import decode_html
from svodka.fetch.client import Fetcher, FetchResult
from svodka.fetch.errors import (
    BlockedAddress,
    ConnectionFailed,
    DecodeFailed,
    FetchError,
    FetchTimeout,
    HttpStatusError,
    InvalidUrl,
    RobotsDisallowed,
    TooLarge,
    TooManyRedirects,
)
from svodka.fetch.guard import AddressGuard
from svodka.fetch.polling import error_backoff, next_poll_interval

__all__ = [
    "AddressGuard",
    "BlockedAddress",
    "ConnectionFailed",
    "DecodeFailed",
    "FetchError",
    "FetchResult",
    "FetchTimeout",
    "Fetcher",
    "HttpStatusError",
    "InvalidUrl",
    "RobotsDisallowed",
    "TooLarge",
    "TooManyRedirects",
    "decode_html",
    "error_backoff",
    "next_poll_interval",
]
