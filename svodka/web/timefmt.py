"""Relative Russian dates for readers: "Сегодня, 11:45", "Вчера, 18:02", "24 ноября, 09:15", "3 мая 2025, 10:00"."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
                   "октября", "ноября", "декабря")


def site_zone(name: str) -> ZoneInfo:
    """The site's time zone; an unknown name falls back to Asia/Almaty rather than failing every page."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Almaty")


def to_local(value: datetime, zone: ZoneInfo) -> datetime:
    """A stored naive-UTC (or aware) datetime in the site's zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone)


def relative_time(value: datetime | None, zone: ZoneInfo, now: datetime | None = None) -> str:
    """How a reader sees a time: today/yesterday by name, else the date (with the year when not this year)."""
    if value is None:
        return ""
    local = to_local(value, zone)
    today = to_local(now or datetime.now(UTC), zone).date()
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return f"Сегодня, {clock}"
    if (today - local.date()).days == 1:
        return f"Вчера, {clock}"
    day = f"{local.day} {MONTHS_GENITIVE[local.month - 1]}"
    if local.year != today.year:
        day += f" {local.year}"
    return f"{day}, {clock}"


def iso_local(value: datetime | None, zone: ZoneInfo) -> str:
    """ISO 8601 with the zone's offset, for <time datetime="…">."""
    return to_local(value, zone).isoformat(timespec="minutes") if value else ""
