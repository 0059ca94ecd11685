"""Feed dates (RFC 822 in RSS, ISO 8601 in Atom and sitemaps) -> ISO 8601 strings that keep the feed's offset."""

from __future__ import annotations

import calendar
import re
import time
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

# Zone names seen in feeds of the region; RFC 822 knows only the US ones, and feedparser reads these as UTC.
_ZONE_OFFSETS_HOURS = {
    "MSK": 3,
    "MSD": 4,
    "SAMT": 4,
    "YEKT": 5,
    "ALMT": 5,  # Kazakhstan is on UTC+5 everywhere since March 2024.
    "QYZT": 5,
    "AQTT": 5,
    "UZT": 5,
    "TJT": 5,
    "TMT": 5,
    "KGT": 6,
    "OMST": 6,
    "NOVT": 7,
    "KRAT": 7,
    "EET": 2,
    "EEST": 3,
    "CET": 1,
    "CEST": 2,
}
# "25 ноября 2024, 13:05" and "25.11.2024 13:05": how some local CMSes fill pubDate.
_RUSSIAN_MONTHS = {"январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "июн": 6, "июл": 7, "август": 8,
                   "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12}
_RUSSIAN_DATE = re.compile(
    r"^\s*(\d{1,2})\s+([а-яё]+)\s+(\d{4})(?:\s*г\.?)?(?:,?\s+(?:в\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$",
    re.IGNORECASE,
)
_DOTTED_DATE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$")
# A date is written in a few dozen characters; a longer "date" is junk and is not read (it would cost memory).
MAX_DATE_CHARS = 200
# Dates outside these years are typos or junk ("0000", "9999"), never the date of a news item.
MIN_YEAR, MAX_YEAR = 1990, 2100
# RFC 822 reads a year below 100 as 19xx/20xx: right for "24", wrong for a written-out "0000" or "0024".
_PADDED_SMALL_YEAR = re.compile(r"\d\s+[A-Za-z]{3,}\.?\s+00\d\d(?!\d)")
_TRAILING_ZONE = re.compile(r"\s+([A-Za-z]{3,5})\s*$")
_SPACE_BEFORE_OFFSET = re.compile(r"(\d)\s+([+-]\d{2}:?\d{2})$")


def _from_iso(raw: str) -> datetime | None:
    text = raw.strip()
    if not text[:1].isdigit():
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    # "2024-01-01 10:00:00 +05:00": a space where ISO wants "T", and one before the offset.
    text = _SPACE_BEFORE_OFFSET.sub(r"\1\2", text)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _from_rfc822(raw: str) -> datetime | None:
    text = raw.strip()
    if _PADDED_SMALL_YEAR.search(text):
        return None
    offset: timezone | None = None
    if match := _TRAILING_ZONE.search(text):
        hours = _ZONE_OFFSETS_HOURS.get(match.group(1).upper())
        if hours is not None:
            offset = timezone(timedelta(hours=hours))
            text = text[: match.start()] + " +0000"
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if offset is not None:
        parsed = parsed.replace(tzinfo=offset)
    return parsed


def _from_russian(raw: str) -> datetime | None:
    """Dates written the Russian way, without an offset (so naive): "25 ноября 2024, 13:05", "25.11.2024 13:05"."""
    if match := _RUSSIAN_DATE.match(raw):
        word = match.group(2).lower().replace("ё", "е")
        month = next((number for stem, number in _RUSSIAN_MONTHS.items()
                      if word.startswith(stem) and (stem != "ма" or word in ("мая", "май"))), None)
        day, year = match.group(1), match.group(3)
        clock = match.groups()[3:]
    elif match := _DOTTED_DATE.match(raw):
        day, month, year = match.group(1), int(match.group(2)), match.group(3)
        clock = match.groups()[3:]
    else:
        return None
    if month is None:
        return None
    try:
        return datetime(int(year), month, int(day), int(clock[0] or 0), int(clock[1] or 0), int(clock[2] or 0))
    except ValueError:
        return None


def to_iso8601(raw: str | None, parsed: time.struct_time | None = None) -> str | None:
    """An ISO 8601 string for a feed date, or None.

    `raw` is the date as written in the feed; its UTC offset is kept (a date without one stays naive, so the
    caller can apply the source's time zone). `parsed` is feedparser's UTC struct_time, the fallback for the
    many odd formats feedparser knows and the standard library does not.
    """
    if raw and raw.strip() and len(raw) <= MAX_DATE_CHARS:
        for reader in (_from_iso, _from_rfc822, _from_russian):
            value = reader(raw)
            if value is not None and MIN_YEAR <= value.year <= MAX_YEAR:
                return value.isoformat()
    if parsed is not None:
        try:
            value = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
        except (OverflowError, ValueError, OSError):
            return None
        return value.isoformat() if MIN_YEAR <= value.year <= MAX_YEAR else None
    return None


def sort_key(iso: str | None) -> float:
    """A number that orders ISO 8601 strings newest-last; unknown dates sort as the oldest."""
    if not iso:
        return float("-inf")
    try:
        value = datetime.fromisoformat(iso)
    except ValueError:
        return float("-inf")
    # Naive dates compare as UTC: close enough for choosing which items to keep.
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
