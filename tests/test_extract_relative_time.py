"""Russian date expressions resolved against the fetch time in the source's zone (table-driven)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from svodka.extract.relative_time import month_number, resolve_relative_time

# Fetched at 2025-05-14 10:00 UTC = 15:00 in Almaty and Tashkent (UTC+5), 13:00 in Moscow (UTC+3).
NOW = datetime(2025, 5, 14, 10, 0, tzinfo=UTC)

CASES = [
    # text, zone, expected ISO (None = nothing found)
    ("Сегодня, 11:45", "Asia/Almaty", "2025-05-14T11:45:00+05:00"),
    ("сегодня в 11:45", "Asia/Tashkent", "2025-05-14T11:45:00+05:00"),
    ("11:45, сегодня", "Europe/Moscow", "2025-05-14T11:45:00+03:00"),
    ("вчера в 09:10", "Asia/Almaty", "2025-05-13T09:10:00+05:00"),
    ("Вчера, 23:59", "Europe/Moscow", "2025-05-13T23:59:00+03:00"),
    ("позавчера в 8:05", "Asia/Almaty", "2025-05-12T08:05:00+05:00"),
    ("5 минут назад", "Asia/Almaty", "2025-05-14T14:55:00+05:00"),
    ("2 часа назад", "Europe/Moscow", "2025-05-14T11:00:00+03:00"),
    ("час назад", "Asia/Tashkent", "2025-05-14T14:00:00+05:00"),
    ("3 дня назад", "Asia/Almaty", "2025-05-11T15:00:00+05:00"),
    ("только что", "Asia/Almaty", "2025-05-14T15:00:00+05:00"),
    ("14 мая, 18:42", "Europe/Moscow", "2025-05-14T18:42:00+03:00"),
    ("14 мая 2025", "Asia/Almaty", "2025-05-14T00:00:00+05:00"),
    ("14 мая 2025 г. в 18:42", "Asia/Almaty", "2025-05-14T18:42:00+05:00"),
    ("18:42, 14 мая 2025", "Asia/Tashkent", "2025-05-14T18:42:00+05:00"),
    ("8 января, 17:46", "Europe/Kyiv", "2025-01-08T17:46:00+02:00"),
    # a day later in the year than "now" without a year is last year's
    ("20 декабря, 10:00", "Asia/Almaty", "2024-12-20T10:00:00+05:00"),
    ("1 сент. 2024", "Asia/Almaty", "2024-09-01T00:00:00+05:00"),
    ("14.05.2025 18:42", "Europe/Moscow", "2025-05-14T18:42:00+03:00"),
    ("18:42 14.05.2025", "Asia/Almaty", "2025-05-14T18:42:00+05:00"),
    ("Опубликовано: 03.02.25, 07:15", "Asia/Almaty", "2025-02-03T07:15:00+05:00"),
    # Kazakhstan moved from UTC+6 to UTC+5 in March 2024: the offset of the day is kept
    ("03.02.2024 07:15", "Asia/Almaty", "2024-02-03T07:15:00+06:00"),
    ("31 февраля 2025", "Asia/Almaty", None),
    ("без даты", "Asia/Almaty", None),
    ("", "Asia/Almaty", None),
]


@pytest.mark.parametrize(("text", "zone", "expected"), CASES)
def test_resolve_relative_time(text: str, zone: str, expected: str | None) -> None:
    found = resolve_relative_time(text, NOW, zone)
    assert (found.isoformat() if found else None) == expected


def test_naive_now_is_taken_as_utc() -> None:
    found = resolve_relative_time("2 часа назад", datetime(2025, 5, 14, 10, 0), "Asia/Almaty")
    assert found is not None and found.isoformat() == "2025-05-14T13:00:00+05:00"


@pytest.mark.parametrize(("word", "number"), [("мая", 5), ("май", 5), ("марта", 3), ("сент.", 9), ("декабря", 12),
                                              ("понедельник", None)])
def test_month_number(word: str, number: int | None) -> None:
    assert month_number(word) == number
