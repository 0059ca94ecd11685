"""URL canonicalisation (one article, one URL), hosts of URLs, and slugs."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

import idna

from svodka.feeds.slugs import slugify

__all__ = ["TRACKING_PARAMS", "canonicalize_url", "host_of", "is_http_url", "is_tracking_param", "slugify"]

# Parameters that mark where a click came from, never what the page is.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "ysclid", "ymclid",
    "_openstat", "openstat", "from", "ref", "ref_src", "referrer", "rss", "rss_id", "yrwinfo",
    "mc_cid", "mc_eid", "_ga", "_gl", "igshid", "_hsenc", "_hsmi", "mkt_tok", "oly_enc_id", "oly_anon_id",
    "vero_id", "wt_mc", "wt.mc_id", "at_medium", "at_campaign", "at_source", "spm", "share", "smid", "cmpid",
    "ito", "__twitter_impression", "fb_action_ids", "fb_action_types", "fb_source", "from_rss", "utm",
})  # fmt: skip
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters left as they are in paths and queries; everything else (Cyrillic, spaces) is percent-encoded.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_PERCENT_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")


def is_tracking_param(name: str) -> bool:
    """True for query parameters that only say where a click came from (`utm_source`, `fbclid`, `from`, ...)."""
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(_TRACKING_PREFIXES)


def _ascii_host(host: str) -> str:
    host = host.lower().rstrip(".")
    if host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise ValueError(f"invalid host name {host!r}: {exc}") from exc


def _upper_escapes(text: str) -> str:
    return _PERCENT_ESCAPE.sub(lambda match: match.group(0).upper(), text)


def canonicalize_url(url: str) -> str:
    """The canonical form of an absolute http(s) URL.

    Lower-case scheme and host, IDNA (punycode) host, no default port, no fragment, no tracking parameters
    (other parameters keep their order), empty path -> "/", non-ASCII characters percent-encoded.
    Raises ValueError for anything that is not an absolute http(s) URL with a host.
    Meant for article URLs: a feed URL such as "https://kaktus.media/?rss" would lose its meaningful "rss".
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url!r}")
    if not parts.hostname:
        raise ValueError(f"URL without a host: {url!r}")
    host = _ascii_host(parts.hostname)
    if ":" in host:
        host = f"[{host}]"  # An IPv6 literal keeps its brackets.
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"bad port in {url!r}") from exc
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}{':' + parts.password if parts.password else ''}@{netloc}"
    path = _upper_escapes(quote(parts.path, safe=_PATH_SAFE)) or "/"
    # Parameters are kept as written (a bare "?amp" stays bare, "+" stays "+"), only escaped where needed.
    kept = [
        _upper_escapes(quote(segment, safe=_PATH_SAFE))
        for segment in parts.query.split("&")
        if segment and not is_tracking_param(unquote_plus(segment.split("=", 1)[0]))
    ]
    return urlunsplit((scheme, netloc, path, "&".join(kept), ""))


def is_http_url(url: str) -> bool:
    """True when `canonicalize_url(url)` would succeed (absolute http(s), a host, a valid port); cheap."""
    try:
        parts = urlsplit(url.strip())
        if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
            return False
        _ = parts.port
        if not parts.hostname.isascii():
            _ascii_host(parts.hostname)
    except ValueError:
        return False
    return True


def host_of(url: str) -> str:
    """The lower-case ASCII host of `url` without "www." and port ("https://WWW.Zakon.kz:443/x" -> "zakon.kz").

    Gives "" when the URL has no host.
    """
    hostname = urlsplit(url.strip()).hostname
    if not hostname:
        return ""
    try:
        host = _ascii_host(hostname)
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host
