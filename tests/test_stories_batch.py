"""`svodka cluster`: JSON lines in, one answer per line out, bad lines explained and never fatal."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from svodka.cli import app
from svodka.stories.batch import cluster_lines, parse_line

FLOOD = ("Паводок в Актобе затопил 120 домов на берегу Илека, эвакуированы 450 жителей. Аким Асхат Шахаров "
         "сообщил, что открыты пункты временного размещения, МЧС Казахстана работает круглосуточно.")


def _line(**fields: object) -> str:
    return json.dumps(fields, ensure_ascii=False)


def test_bad_lines_are_answered_in_order_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    now = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
    lines = [
        _line(id="a", url="https://tengrinews.kz/a", title="В Актобе паводок затопил 120 домов", text=FLOOD,
              published="2025-03-10T08:00:00+05:00"),
        "{not json",
        _line(url="https://x.kz/no-id", title="Без идентификатора", text="Текст"),
        _line(id="b", url="https://www.prosud.kz/b", title="В Актобе паводок затопил 120 домов, сообщает prosud.kz",
              text=FLOOD + " Об этом сообщает prosud.kz."),
        _line(id="c", url="https://kun.uz/c", title="В Ташкенте открыли новую станцию метро «Юнусабад»",
              published="2031-01-01T00:00:00Z"),
        _line(id="a", url="https://tengrinews.kz/a", title="В Актобе паводок затопил 120 домов", text=FLOOD,
              published="2025-03-10T08:00:00+05:00"),
        _line(id="d", url="https://e.kz/d", title="", text=""),
        "",
    ]
    with caplog.at_level(logging.INFO, logger="svodka.stories"):
        out = cluster_lines(lines, now=now)
    assert [r["id"] for r in out] == ["a", None, None, "b", "c", "a", "d"]
    by_line = out
    assert by_line[1]["story_id"] is None and by_line[1]["error"] == "not JSON"
    assert by_line[2]["error"] == "no id"
    assert by_line[6]["error"] == "empty"
    # "b" has no date (so: now, later than "a") and no source (so: the URL host); it repeats "a" nearly verbatim.
    assert by_line[3]["story_id"] == by_line[0]["story_id"] and by_line[3]["duplicate_of"] == "a"
    assert by_line[4]["story_id"] not in (None, by_line[0]["story_id"])
    assert by_line[5] == by_line[0]
    messages = caplog.text
    assert "not JSON" in messages and "using now" in messages and "in the future" in messages
    assert "repeats line 1" in messages and "title only" in messages


def test_parse_line_derives_the_source_from_the_url_host() -> None:
    parsed = parse_line(1, _line(id=7, url="https://www.zakon.kz/news/7", title="Заголовок"), datetime.now(UTC))
    assert parsed.item is not None and parsed.item.source == "zakon.kz"


def test_future_dates_are_clamped_to_now() -> None:
    now = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
    parsed = parse_line(1, _line(id=1, title="Т", published=(now + timedelta(days=2)).isoformat()), now)
    assert parsed.item is not None and parsed.item.published == now


def test_cli_reads_a_file_and_writes_one_record_per_line(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join([
        _line(id=1, url="https://tengrinews.kz/1", title="В Актобе паводок затопил 120 домов", text=FLOOD,
              published="2025-03-10T08:00:00Z"),
        _line(id=2, url="https://kun.uz/2", title="В Ташкенте открыли новую станцию метро",
              published="2025-03-10T07:00:00Z"),
        "garbage",
    ]) + "\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["cluster", str(source), "--output", str(target)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == [1, 2, None]
    assert records[0]["story_id"] != records[1]["story_id"]
    assert records[2]["story_id"] is None


def test_cli_reports_a_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["cluster", str(tmp_path / "absent.jsonl")])
    assert result.exit_code == 2
