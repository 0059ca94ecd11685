"""Relative Russian dates in the site's zone, and the SVG chart."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from svodka.store.read import DayCount
from svodka.web.charts import mentions_chart
from svodka.web.timefmt import relative_time, site_zone

ALMATY = site_zone("Asia/Almaty")
NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)  # 11:00 in Almaty (UTC+5)


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (datetime(2026, 11, 25, 0, 45), "Сегодня, 05:45"),
        (datetime(2026, 11, 24, 19, 30), "Сегодня, 00:30"),  # after midnight in Almaty, still "yesterday" in UTC
        (datetime(2026, 11, 24, 13, 2), "Вчера, 18:02"),
        (datetime(2026, 11, 24, 4, 15), "Вчера, 09:15"),
        (datetime(2026, 11, 23, 4, 15), "23 ноября, 09:15"),
        (datetime(2026, 1, 1, 0, 0), "1 января, 05:00"),
        (datetime(2025, 12, 31, 18, 59), "31 декабря 2025, 23:59"),
        (datetime(2026, 5, 3, 5, 0, tzinfo=UTC), "3 мая, 10:00"),
        (None, ""),
    ],
)
def test_relative_time(stored: datetime | None, expected: str) -> None:
    assert relative_time(stored, ALMATY, now=NOW) == expected


def test_zone_matters() -> None:
    tashkent = site_zone("Asia/Tashkent")
    assert relative_time(datetime(2026, 11, 25, 0, 45), tashkent, now=NOW) == "Сегодня, 05:45"
    moscow = site_zone("Europe/Moscow")
    assert relative_time(datetime(2026, 11, 24, 19, 30), moscow, now=NOW) == "Вчера, 22:30"
    assert site_zone("No/Such_Zone").key == "Asia/Almaty"


def test_chart_has_a_bar_per_day_and_escapes_labels() -> None:
    days = [DayCount(day=f"2026-11-{d:02d}", count=d % 3) for d in range(1, 31)]
    svg = mentions_chart(days, label="<Токаев>")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count('class="bar"') == 30
    assert "&lt;Токаев&gt;" in svg and "<Токаев>" not in svg
    assert ">1 ноября<" in svg and ">30 ноября<" in svg
    assert mentions_chart([]) == ""
