"""`svodka tag`: one output line per input line, order and ids kept, bad lines answered with an error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from svodka.enrich.tag_io import parse_line, tag_lines
from svodka.enrich.tagger import Enricher, choose_tags
from svodka.enrich.types import EnrichInput, EntityTag

GOOD = {"id": "kz-1", "title": "Токаев встретился с Мирзиёевым",
        "text": "Президент Казахстана Касым-Жомарт Токаев провёл переговоры с Шавкатом Мирзиёевым в Ташкенте."}


def _run_cli(args: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "svodka", "tag", *args], input=stdin, capture_output=True,
                          text=True, timeout=300, check=False)


def test_cli_tags_lines_and_answers_bad_ones(tmp_path: Path) -> None:
    lines = [
        json.dumps(GOOD, ensure_ascii=False),
        "{not json",
        json.dumps({"title": "без id", "text": "Текст без идентификатора."}, ensure_ascii=False),
        json.dumps({"id": 7, "title": "", "text": ""}),
        json.dumps({"id": "bin", "text": "\x00\x01\x02\x03garbage\x04\x05\x06\x07" * 50}),
        json.dumps({"id": "zh", "title": "新闻", "text": "这是一条关于经济的中文新闻。" * 20}, ensure_ascii=False),
        json.dumps({"id": "big", "title": "Большой текст",
                    "text": ("Токаев прибыл в Астану. " + "Слово " * 30) * 30_000}, ensure_ascii=False),
        json.dumps([1, 2, 3]),
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert source.stat().st_size > 5_000_000
    output = tmp_path / "out.jsonl"
    result = _run_cli([str(source), "--output", str(output), "--workers", "1"])
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(lines)
    assert [r["id"] for r in records] == ["kz-1", None, None, 7, "bin", "zh", "big", None]

    first = records[0]
    assert first["language"] == "ru" and "error" not in first
    names = {e["name"]: e for e in first["entities"]}
    assert {"Касым-Жомарт Токаев", "Шавкат Мирзиёев", "Ташкент", "Казахстан"} <= set(names)
    tokayev = names["Касым-Жомарт Токаев"]
    assert tokayev["type"] == "PER" and tokayev["entity_id"] == "PER:касым-жомарт токаев"
    assert {m["field"] for m in tokayev["mentions"]} == {"title", "text"}
    assert "Касым-Жомарт Токаев" in first["tags"] and len(first["tags"]) <= 6

    assert "invalid JSON" in records[1]["error"]
    assert records[2]["error"] == "missing id"
    assert records[3]["error"] == "empty text"
    assert "binary" in records[4]["error"]
    assert records[5]["entities"] == [] and records[5]["language"] != "ru"
    assert "error" not in records[6] and any(e["name"] == "Касым-Жомарт Токаев" for e in records[6]["entities"])
    assert "JSON object" in records[7]["error"]


def test_cli_reads_stdin_and_writes_stdout_only_json() -> None:
    result = _run_cli(["-"], stdin=json.dumps(GOOD, ensure_ascii=False) + "\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["id"] == "kz-1"


def test_cli_missing_input_is_a_clear_error(tmp_path: Path) -> None:
    result = _run_cli([str(tmp_path / "absent.jsonl")])
    assert result.returncode == 2
    assert "no such input file" in result.stderr


def test_pool_of_two_workers_keeps_order(tmp_path: Path) -> None:
    docs = [{"id": i, "title": f"Новость {i}", "text": f"Аким Ержан Сапаров{i} посетил Шымкент. Номер {i}."}
            for i in range(30)]
    lines = [json.dumps(d, ensure_ascii=False) for d in docs]
    lines.insert(5, "garbage")
    import io

    out = io.StringIO()
    stats = tag_lines(lines, out, workers=2, total=len(lines), progress=False)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert stats.lines == len(lines) == len(records)
    assert stats.errors == 1
    ids = [r["id"] for r in records]
    assert ids == [0, 1, 2, 3, 4, None, *range(5, 30)]
    assert all(any(e["name"] == "Шымкент" for e in r["entities"]) for r in records if r["id"] is not None)


def test_parse_line_accepts_optional_fields() -> None:
    doc = parse_line(json.dumps({"id": 1, "title": None, "text": "Текст", "lead": "Лид", "section": "politics",
                                 "feed_categories": ["Политика"]}, ensure_ascii=False))
    assert isinstance(doc, EnrichInput)
    assert doc.title == "" and doc.lead == "Лид" and doc.feed_categories == ["Политика"]


def test_choose_tags_order_topic_and_category() -> None:
    entities = [
        EntityTag("Касым-Жомарт Токаев", "PER", "PER:касым-жомарт токаев", "kasym-zhomart-tokaev", 1.0,
                  topic="Президенты"),
        EntityTag("Казахстан", "LOC", "LOC:казахстан", "kazakhstan", 0.6),
        EntityTag("Астана", "LOC", "LOC:астана", "astana", 0.4),
        EntityTag("Иван Петров", "PER", "PER:иван петров", "ivan-petrov", 0.1),
    ]
    tags = choose_tags(entities, "society")
    assert tags == ["Касым-Жомарт Токаев", "Казахстан", "Астана", "Президенты", "Общество"]
    assert choose_tags([], None) == []


def test_enricher_in_process_results_match_documents() -> None:
    with Enricher(workers=1) as enricher:
        results = enricher.enrich_many([EnrichInput("x", "Бишкек", "Садыр Жапаров провёл встречу в Бишкеке."),
                                        EnrichInput("y", "", "   ")])
    assert [r.id for r in results] == ["x", "y"]
    assert "Садыр Жапаров" in {e.name for e in results[0].entities}
    assert results[1].error == "empty text"
