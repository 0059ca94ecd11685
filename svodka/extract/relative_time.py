"""Russian date expressions as news pages print them, resolved to aware datetimes.

Pure functions: text + the moment the page was fetched + the source's zone in, datetime (or None) out.
Handles "Сегодня, 11:45", "вчера в 09:10", "5 минут назад", "2 часа назад", "14 мая, 18:42", "14 мая 2025",
"18:42, 14 мая 2025", "14.05.2025 18:42", "только что".
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

# Month stems: genitive ("мая"), nominative ("май") and abbreviations ("сент.") all start with these.
_MONTH_STEMS = {
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "ма": 5, "июн": 6,
    "июл": 7, "авг": 8, "сен": 9, "окт": 10, "ноя": 11, "дек": 12,
}
_MONTH_WORD = r"(?P<month>янв\w*|фев\w*|мар\w*|апр\w*|ма[йя]|июн\w*|июл\w*|авг\w*|сен\w*|окт\w*|ноя\w*|дек\w*)\b\.?"
_TIME = r"(?P<hour>[01]?\d|2[0-3])[:.](?P<minute>[0-5]\d)"

# Date lines are short; a longer text is read only this far (the patterns cost time in proportion to the text).
MAX_TEXT_CHARS = 2_000
# "N … назад" further back than this is no publication time.
_MAX_AGO = timedelta(days=100 * 366)
_DAY_WORDS = {"сегодня": 0, "вчера": 1, "позавчера": 2}
_RE_DAY_WORD = re.compile(rf"\b(?P<word>сегодня|вчера|позавчера)\b(?:\D{{0,6}}{_TIME})?", re.IGNORECASE)
_RE_TIME_THEN_DAY_WORD = re.compile(rf"{_TIME}\s*,?\s*\b(?P<word>сегодня|вчера|позавчера)\b", re.IGNORECASE)
# The amount starts at the start of a digit run and never backtracks: a long run of digits costs one pass.
_RE_AGO = re.compile(
    r"(?:(?<!\d)(?P<n>\d++)\s+)?(?P<unit>секунд\w*|сек\.?|минут\w*|мин\.?|час\w*|ч\.|дн\w*|день|недел\w*)\s+назад",
    re.IGNORECASE,
)
_RE_JUST_NOW = re.compile(r"\b(только что|сейчас)\b", re.IGNORECASE)
_RE_DAY_MONTH = re.compile(
    rf"\b(?P<day>[0-3]?\d)\s+{_MONTH_WORD}(?:\s+(?P<year>(?:19|20)\d\d))?(?:\s*(?:г\.|года?))?"
    rf"(?:\s*(?:,|в|-|—|–)?\s*{_TIME})?",
    re.IGNORECASE,
)
_RE_TIME_THEN_DAY_MONTH = re.compile(
    rf"{_TIME}\s*(?:,|\||/|-|—|–)?\s*(?P<day>[0-3]?\d)\s+{_MONTH_WORD}(?:\s+(?P<year>(?:19|20)\d\d))?",
    re.IGNORECASE,
)
_RE_NUMERIC = re.compile(
    rf"\b(?P<day>[0-3]?\d)\.(?P<monthnum>[01]?\d)\.(?P<year>(?:19|20)?\d\d)\b(?:\s*(?:,|в|-|—|–|\|)?\s*{_TIME})?",
)
_RE_TIME_THEN_NUMERIC = re.compile(
    rf"{_TIME}\s*(?:,|\||/|-|—|–)?\s*(?P<day>[0-3]?\d)\.(?P<monthnum>[01]?\d)\.(?P<year>(?:19|20)?\d\d)\b"
)


def month_number(word: str) -> int | None:
    """1..12 for a Russian month word or abbreviation ("мая", "сент."), else None."""
    word = word.lower().rstrip(".")
    for stem in sorted(_MONTH_STEMS, key=len, reverse=True):
        if word.startswith(stem):
            return _MONTH_STEMS[stem]
    return None


def _build(zone: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime | None:
    try:
        return datetime(year, month, day, hour, minute, tzinfo=zone)
    except ValueError:
        return None


def _hm(match: re.Match[str]) -> tuple[int, int]:
    if match.group("hour") is None:
        return 0, 0
    return int(match.group("hour")), int(match.group("minute"))


def _year_for(local_now: datetime, month: int, day: int) -> int:
    """A date printed without a year belongs to the latest year in which it is not in the future."""
    year = local_now.year
    candidate = _build(local_now.tzinfo, year, month, day)  # type: ignore[arg-type]
    if candidate is not None and candidate - local_now > timedelta(days=1):
        return year - 1
    return year


def _full_year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def resolve_relative_time(text: str, now: datetime, zone: str | ZoneInfo = "Asia/Almaty") -> datetime | None:
    """The moment a Russian date expression in `text` refers to, in `zone`, or None when nothing is found.

    `now` (aware; naive means UTC) is when the page was fetched: relative words and dates without a year are
    resolved against it, seen from the source's zone. Only the first MAX_TEXT_CHARS characters are read.
    """
    if not text:
        return None
    text = text[:MAX_TEXT_CHARS]
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    if now.tzinfo is None:
        now = now.replace(tzinfo=ZoneInfo("UTC"))
    local_now = now.astimezone(tz)
    text = " ".join(text.split())

    if (m := _RE_AGO.search(text)) is not None:
        digits = m.group("n") or "1"
        unit = m.group("unit").lower()
        if unit.startswith("сек"):
            unit_seconds = 1
        elif unit.startswith("мин"):
            unit_seconds = 60
        elif unit.startswith(("час", "ч")):
            unit_seconds = 3600
        elif unit.startswith("недел"):
            unit_seconds = 7 * 86400
        else:
            unit_seconds = 86400
        # "99999999999 дней назад" is junk, not a date: beyond a century it gives None, not an overflow.
        if len(digits) > 12 or int(digits) * unit_seconds > _MAX_AGO.total_seconds():
            return None
        return (local_now - timedelta(seconds=int(digits) * unit_seconds)).replace(microsecond=0)

    for pattern in (_RE_TIME_THEN_DAY_WORD, _RE_DAY_WORD):
        if (m := pattern.search(text)) is not None:
            day = (local_now - timedelta(days=_DAY_WORDS[m.group("word").lower()])).date()
            hour, minute = _hm(m)
            return _build(tz, day.year, day.month, day.day, hour, minute)

    for pattern in (_RE_TIME_THEN_DAY_MONTH, _RE_DAY_MONTH):
        if (m := pattern.search(text)) is not None:
            month = month_number(m.group("month"))
            if month is None:
                continue
            day_number = int(m.group("day"))
            year = int(m.group("year")) if m.group("year") else _year_for(local_now, month, day_number)
            hour, minute = _hm(m)
            if (found := _build(tz, year, month, day_number, hour, minute)) is not None:
                return found

    for pattern in (_RE_TIME_THEN_NUMERIC, _RE_NUMERIC):
        if (m := pattern.search(text)) is not None:
            hour, minute = _hm(m)
            found = _build(tz, _full_year(m.group("year")), int(m.group("monthnum")), int(m.group("day")), hour, minute)
            if found is not None:
                return found

    if _RE_JUST_NOW.search(text):
        return local_now.replace(microsecond=0)
    return None
