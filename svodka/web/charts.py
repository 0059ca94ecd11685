"""Server-side SVG charts (no JavaScript): mentions of a tag per day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from svodka.store.read import DayCount
from svodka.web.timefmt import MONTHS_GENITIVE


def _day_label(iso_day: str) -> str:
    """"2026-11-24" → "24 ноября" (the raw string when it is not a date)."""
    try:
        day = date.fromisoformat(iso_day)
    except ValueError:
        return iso_day
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]}"


def mentions_chart(days: Sequence[DayCount], width: int = 600, height: int = 120, label: str = "") -> str:
    """An SVG bar chart, one bar per day; each bar has a <title> tooltip. Empty input gives an empty string."""
    if not days:
        return ""
    top = max(d.count for d in days) or 1
    pad_bottom, pad_top = 18, 6
    plot_h = height - pad_bottom - pad_top
    step = width / len(days)
    bar = max(1.0, step * 0.8)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(label or "Упоминания по дням")}">',
        f"<title>{escape(label or 'Упоминания по дням')}</title>",
        f'<line x1="0" y1="{height - pad_bottom}" x2="{width}" y2="{height - pad_bottom}" class="axis"/>',
    ]
    for i, day in enumerate(days):
        h = plot_h * day.count / top
        x = i * step + (step - bar) / 2
        y = height - pad_bottom - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" class="bar">'
                     f"<title>{escape(day.day)}: {day.count}</title></rect>")
    parts.append(f'<text x="0" y="{height - 4}" class="tick">{escape(_day_label(days[0].day))}</text>')
    parts.append(f'<text x="{width}" y="{height - 4}" text-anchor="end" class="tick">'
                 f"{escape(_day_label(days[-1].day))}</text>")
    parts.append(f'<text x="0" y="{pad_top + 10}" class="tick">макс. {top} в день</text>')
    parts.append("</svg>")
    return "".join(parts)
