"""Decode fetched bytes into text: BOM, then the HTTP charset, then the document's own declaration, then detection.

Declarations are checked, not trusted blindly: Russian-language sites still serve windows-1251 or koi8-r pages under
a `charset=utf-8` header (or the other way round), so a declaration that does not decode cleanly, or that turns
Cyrillic into mojibake, gives way to detection with charset-normalizer.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import CharsetMatch, from_bytes

# Encodings a Russian-language page of the region is realistically in (and the common Western one); tried first.
CYRILLIC_CANDIDATES = ["utf_8", "cp1251", "koi8_r", "koi8_u", "cp866", "iso8859_5", "mac_cyrillic", "cp1252"]
# Detected candidates whose "chaos" (charset-normalizer's mess score) is this close to the best count as a tie.
CHAOS_TIE = 0.05
# A decoding with more than this share of misshapen Cyrillic words is taken for mojibake...
MAX_MISSHAPEN_SHARE = 0.3
# ...as is one with any misshapen word and more than this many all-capitals words per well-shaped one.
CAPITALS_PER_GOOD_WORD = 2
MIN_GOOD_WORD_LETTERS = 4
# Fewer words made only of accented letters than this never make a latin-1 page suspicious.
MIN_ACCENTED_WORDS_TO_JUDGE = 3
# Judging the start of a page is enough and keeps big pages cheap.
SHAPE_SAMPLE_CHARS = 50_000
# Only the start of a document may declare its charset (WHATWG prescans 1024 bytes; we allow some slack).
PRESCAN_BYTES = 4096

_BOMS = [
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:\-]+)["']""", re.IGNORECASE)
# Python codec name -> the label browsers and HTTP use.
_LABELS = {
    "utf-8": "utf-8",
    "cp1251": "windows-1251",
    "cp1252": "windows-1252",
    "koi8-r": "koi8-r",
    "koi8-u": "koi8-u",
    "cp866": "ibm866",
    "iso8859-5": "iso-8859-5",
    "mac-cyrillic": "x-mac-cyrillic",
    "latin-1": "windows-1252",
    "ascii": "windows-1252",
}
# Russian plus the letters of Kazakh, Uzbek, Ukrainian and Belarusian Cyrillic.
_SMALL = "\u0430-\u045f\u0491\u0493\u049b\u04a3\u04af\u04b1\u04bb\u04d9\u04e9"
_CAPITAL = "\u0400-\u042f\u0490\u0492\u049a\u04a2\u04ae\u04b0\u04ba\u04d8\u04e8"
_CYRILLIC_WORD = re.compile(f"[{_CAPITAL}]?[{_SMALL}]+")
_CAPITALS_WORD = re.compile(f"[{_CAPITAL}]+")
_HAS_CYRILLIC = re.compile("[\u0400-\u04ff]")
# Words are runs between spaces, ASCII punctuation and the dashes and quotes of Russian typography.
_WORD_RUN = re.compile("[^\\s!-/:-@\\[-`{-~\u00ab\u00bb\u2013\u2014\u00a0]+")
_EDGE_MARKS = "\u2026\u201e\u201c\u201d\u2018\u2019"
_LATIN_RUN = re.compile("[A-Za-z\u00c0-\u00ff]+")
_HIGH_LATIN = re.compile("[\u00c0-\u00ff]")
_ALL_HIGH_LATIN = re.compile("[\u00c0-\u00ff]+")
_WESTERN = {"cp1252", "iso8859-15", "latin-1"}
_SINGLE_BYTE_CYRILLIC = {"cp1251", "koi8-r", "koi8-u", "cp866", "iso8859-5", "mac-cyrillic"}


def decode_html(body: bytes, content_type_header: str | None) -> tuple[str, str]:
    """Decode an HTML/XML/text body; returns (text, encoding label such as "utf-8" or "windows-1251").

    Never raises: undecodable bytes end up as U+FFFD in the worst case.
    """
    if not body:
        return "", "utf-8"
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(codec, errors="replace"), _label(codec)
    for declared in (charset_from_content_type(content_type_header), charset_declared_in_document(body)):
        if declared is None:
            continue
        decoded = _decode_declared(body, declared)
        if decoded is not None:
            return decoded
    return _detect(body)


def charset_from_content_type(value: str | None) -> str | None:
    """The codec named by a Content-Type header's charset parameter, or None if absent or unknown."""
    if not value:
        return None
    match = _HEADER_CHARSET.search(value)
    return _codec_name(match.group(1)) if match else None


def charset_declared_in_document(body: bytes) -> str | None:
    """The codec named by <meta charset>, <meta http-equiv content="...; charset=">, or <?xml encoding=?>."""
    head = body[:PRESCAN_BYTES]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if not match:
        return None
    return _codec_name(match.group(1).decode("ascii", errors="ignore"))


def _codec_name(label: str) -> str | None:
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    # A document cannot really declare UTF-16 in ASCII bytes (WHATWG: treat as UTF-8); latin-1 means windows-1252.
    if name.startswith("utf-16") or name.startswith("utf-32"):
        return "utf-8"
    if name in {"latin-1", "ascii", "iso8859-1"}:
        return "cp1252"
    return name


def _label(codec: str) -> str:
    name = codecs.lookup(codec).name
    return _LABELS.get(name, name.replace("_", "-"))


def _decode_declared(body: bytes, codec: str) -> tuple[str, str] | None:
    """Decode with a declared codec if it fits the bytes; None means "do not believe it, detect instead"."""
    try:
        text = body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None
    if codec == "utf-8":
        return text, "utf-8"
    # Valid multi-byte UTF-8 is almost never an accident: a single-byte declaration here would give mojibake.
    if not body.isascii() and _is_utf8(body):
        return body.decode("utf-8"), "utf-8"
    suspicious = (codec in _SINGLE_BYTE_CYRILLIC and not plausible_cyrillic(text)) or (
        codec in _WESTERN and not plausible_western(text))
    if suspicious:
        # Looks like mojibake (or is a page in capitals): take a plausible detected reading if there is one.
        guess = _ranked_guess(body, also=codec)
        if guess is not None and plausible_cyrillic(str(guess)) and codecs.lookup(guess.encoding).name != codec:
            return str(guess), _label(guess.encoding)
    return text, _label(codec)


def plausible_western(text: str) -> bool:
    """False when many words are made only of accented Latin letters: Cyrillic bytes under a latin-1 label.

    Russian in windows-1251 or koi8-r read as latin-1 turns every word into "Ïîëíîñòüþ"; French or German words
    carry one or two accents among plain letters ("été" aside, which is too short to count).
    """
    accented_words = all_accented = 0
    for word in _LATIN_RUN.findall(text[:SHAPE_SAMPLE_CHARS]):
        if _HIGH_LATIN.search(word):
            accented_words += 1
            all_accented += len(word) >= 3 and _ALL_HIGH_LATIN.fullmatch(word) is not None
    return all_accented < MIN_ACCENTED_WORDS_TO_JUDGE or all_accented < accented_words / 2


def cyrillic_word_shape(text: str) -> tuple[int, int, int]:
    """Counts of Cyrillic words in `text`: (well-shaped like "Слово"/"слово" of 4+ letters, all capitals, misshapen).

    Mojibake breaks the shape: koi8-r read as windows-1251 (and vice versa) swaps the capital and small halves of
    the alphabet ("рТЕЪЙДЕОФ", and most words come out in capitals), other wrong codecs put symbols inside words
    ("ѕрис€жные"), Western bytes read as Cyrillic mix scripts ("cafй").
    """
    good = capitals = bad = 0
    for token in _WORD_RUN.findall(text[:SHAPE_SAMPLE_CHARS]):
        token = token.strip(_EDGE_MARKS)
        if not _HAS_CYRILLIC.search(token):
            continue
        if _CAPITALS_WORD.fullmatch(token):
            capitals += 1
        elif _CYRILLIC_WORD.fullmatch(token):
            # Short small-letter words also come out of swapped capitals ("США" -> "уыб"); real prose has long ones.
            good += len(token) >= MIN_GOOD_WORD_LETTERS
        else:
            bad += 1
    return good, capitals, bad


def plausible_cyrillic(text: str) -> bool:
    """False when the Cyrillic words look like mojibake: many misshapen, or misshapen amid mostly capitals."""
    good, capitals, bad = cyrillic_word_shape(text)
    if bad == 0:
        return True
    if bad > MAX_MISSHAPEN_SHARE * (good + bad):
        return False
    # A real all-capitals heading has no misshapen words; a swapped alphabet has a few among its capitals.
    return capitals <= CAPITALS_PER_GOOD_WORD * good


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _detect(body: bytes) -> tuple[str, str]:
    """No usable declaration: guess among the likely encodings first, then among all charset-normalizer knows."""
    if body.isascii():
        return body.decode("ascii"), "utf-8"
    if _is_utf8(body):
        return body.decode("utf-8"), "utf-8"
    guess = _ranked_guess(body) or from_bytes(body).best()
    if guess is None:
        return body.decode("utf-8", errors="replace"), "utf-8"
    return str(guess), _label(guess.encoding)


def _ranked_guess(body: bytes, also: str | None = None) -> CharsetMatch | None:
    """The best of charset-normalizer's guesses among CYRILLIC_CANDIDATES (plus `also`), or None if none fits.

    Among the guesses about as clean as the cleanest (charset-normalizer's "chaos"), the first in our order of
    preference (windows-1251 before the rarer mac-cyrillic) whose Cyrillic words are plausible; if none is, the first.
    """
    candidates = CYRILLIC_CANDIDATES if also is None else _with(CYRILLIC_CANDIDATES, also)
    matches = list(from_bytes(body, cp_isolation=candidates))
    if not matches:
        return None
    cleanest = min(m.chaos for m in matches)
    close = sorted((m for m in matches if m.chaos <= cleanest + CHAOS_TIE), key=lambda m: _preference(m.encoding))
    return next((m for m in close if plausible_cyrillic(str(m))), close[0])


def _with(candidates: list[str], codec: str) -> list[str]:
    return candidates if codec.replace("-", "_") in candidates else [*candidates, codec]


def _preference(encoding: str) -> int:
    name = codecs.lookup(encoding).name.replace("-", "_")
    return CYRILLIC_CANDIDATES.index(name) if name in CYRILLIC_CANDIDATES else len(CYRILLIC_CANDIDATES)
