"""Fuzzing the JSON-lines readers of `svodka import`, `svodka cluster` and `svodka tag` (1,000 lines each), and the
commands themselves (and `svodka extract`) on a file of nasty lines or pages.

A bad line is answered with a reason and never stops the batch; what is read has the documented types and text a
database and a UTF-8 terminal accept (no NUL, no lone surrogate).
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nasty_inputs import NASTY_LINES, VALID_RECORD, jsonl_lines
from typer.testing import CliRunner

from svodka.batch import import_articles_jsonl, read_import_line
from svodka.cli import app
from svodka.enrich.tag_io import parse_line as parse_tag_line
from svodka.enrich.types import EnrichInput, Enrichment
from svodka.models import Article, Block
from svodka.pipeline import Pipeline
from svodka.settings import Settings
from svodka.store.articles import iter_articles
from svodka.store.db import open_database
from svodka.stories.batch import cluster_lines
from svodka.stories.batch import parse_line as parse_cluster_line

FUZZ = settings(max_examples=1000, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])
NOW = datetime(2024, 11, 25, 12, 0, tzinfo=UTC)
BLOCK_KINDS = {"heading", "paragraph", "quote", "list"}


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in _strings(key) + _strings(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _strings(item)]
    return []


def writable(value: object, *, storable: bool = True) -> bool:
    """True when `value` can be written as strict UTF-8 JSON (no NaN) and, if `storable`, none of its strings holds
    NUL (which PostgreSQL refuses in text)."""
    json.dumps(value, ensure_ascii=False, default=str, allow_nan=False).encode("utf-8")
    return not storable or not any("\x00" in text for text in _strings(value))


def _lines() -> st.SearchStrategy[str]:
    return st.one_of(jsonl_lines(), st.sampled_from(NASTY_LINES))


@FUZZ
@given(line=_lines())
def test_import_reader_gives_a_clean_article_or_a_reason(line: str) -> None:
    try:
        article, source_name = read_import_line(line)
    except ValueError as error:
        assert str(error)
        return
    assert isinstance(article, Article) and article.url.startswith(("http://", "https://"))
    assert article.title or article.text
    assert source_name is None or (isinstance(source_name, str) and source_name.strip())
    assert all(isinstance(block, Block) and block.kind in BLOCK_KINDS for block in article.blocks)
    if article.published is not None:
        assert 1900 <= datetime.fromisoformat(article.published.replace("Z", "+00:00")).year <= 2100
    assert writable(article.to_dict()) and writable(source_name)


@FUZZ
@given(line=_lines())
def test_cluster_reader_gives_an_item_or_a_reason(line: str) -> None:
    parsed = parse_cluster_line(7, line, NOW)
    assert (parsed.item is None) == (parsed.error is not None)
    if parsed.item is not None:
        assert parsed.item.published.tzinfo is not None and parsed.item.published.year >= 1900
        assert isinstance(parsed.item.title, str) and isinstance(parsed.item.text, str)
        assert all(isinstance(entity, str) for entity in parsed.item.entity_ids)
    assert writable(parsed.raw_id, storable=False)
    assert writable(parsed.item.__dict__ if parsed.item else None, storable=False)


@settings(FUZZ, max_examples=300)
@given(lines=st.lists(_lines(), min_size=1, max_size=4))
def test_cluster_lines_answers_every_line(lines: list[str]) -> None:
    records = cluster_lines(lines, now=NOW)
    assert len(records) == sum(1 for line in lines if line.strip())
    for record in records:
        assert set(record) <= {"id", "story_id", "duplicate_of", "error"}
        assert (record["story_id"] is None) == ("error" in record)
        assert writable(record, storable=False)


# pymorphy raised ValueError("no such name") on a Latin letter followed by one Unicode cannot name (Tangut, U+17000).
def test_cluster_lines_survive_letters_without_a_unicode_name() -> None:
    line = json.dumps({"id": 1, "title": "Токаев A\U00017000", "text": "Президент прибыл."})
    assert cluster_lines([line], now=NOW)[0]["story_id"] is not None


@FUZZ
@given(line=_lines())
def test_tag_reader_gives_a_document_or_an_error_line(line: str) -> None:
    parsed = parse_tag_line(line)
    assert isinstance(parsed, EnrichInput | Enrichment)
    if isinstance(parsed, Enrichment):
        assert parsed.error
    else:
        assert isinstance(parsed.text, str) and (parsed.title is None or isinstance(parsed.title, str))


# json.loads raised ValueError on a 5000-digit number and RecursionError on arrays nested 100,000 deep.
@pytest.mark.parametrize("line", ["[" * 100_000, "{\"id\": " + "9" * 5000 + "}"], ids=["deep", "huge-number"])
def test_tag_reader_answers_deep_nesting_and_huge_numbers_with_an_error_line(line: str) -> None:
    parsed = parse_tag_line(line)
    assert isinstance(parsed, Enrichment) and parsed.error


# --- the commands on files of nasty lines and pages -----------------------------------------------------------


def test_svodka_cluster_answers_each_nasty_line(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join([json.dumps(VALID_RECORD, ensure_ascii=False), *NASTY_LINES, ""]), encoding="utf-8",
                      errors="surrogatepass")
    result = CliRunner().invoke(app, ["cluster", str(source), "--output", str(tmp_path / "out.jsonl")])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(NASTY_LINES) + 1
    assert records[0]["story_id"] is not None and records[1]["error"] == "not JSON"


def test_import_keeps_the_good_lines_and_rejects_the_rest(tmp_path: Path) -> None:
    """The importer of `svodka import` (its CLI is run in tests/test_batch.py) on a real SQLite database."""
    engine = open_database(f"sqlite:///{tmp_path / 'fuzz.db'}")
    good = [json.dumps({**VALID_RECORD, "url": f"https://kun.example.uz/ru/good/{n}", "title": f"Новость {n}"},
                       ensure_ascii=False) for n in range(3)]
    lines = [*good[:2], *NASTY_LINES, good[2]]
    pipeline = Pipeline(engine, Settings(database_url=str(engine.url)), enrich=False)
    report = import_articles_jsonl(pipeline, lines)
    assert report.done + report.failed == len(lines) and report.done >= 3
    assert all(error.startswith("line ") for error in report.errors)
    stored = list(iter_articles(engine))
    assert {"Новость 0", "Новость 1", "Новость 2"} <= {article["title"] for article in stored}
    assert len(stored) <= report.done
    assert not any("\x00" in json.dumps(article, ensure_ascii=False, default=str) for article in stored)
    assert all(article["published_at"] is None or article["published_at"][:4] >= "1900" for article in stored)


def test_svodka_extract_reports_bad_files_and_goes_on(tmp_path: Path) -> None:
    pages = {
        "bomb.html.gz": gzip.compress(b"\0" * (65 * 1024 * 1024), compresslevel=1),
        "truncated.html.gz": gzip.compress(b"<html><body><p>text</p></body></html>" * 50)[:40],
        "corrupt.html.gz": b"\x1f\x8b" + b"\x00junk" * 20,
        "empty.html": b"",
        "nul.html": b"\x00" * 10_000,
        "binary.html": bytes(range(256)) * 40,
        "utf16-declared-utf8.html": '<meta charset="utf-8"><h1>Заголовок</h1><p>Текст</p>'.encode("utf-16"),
    }
    for name, data in pages.items():
        (tmp_path / name).write_bytes(data)
    result = CliRunner().invoke(app, ["extract", *(str(tmp_path / name) for name in pages), "--format", "jsonl"])
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    assert "unpacks to more than" in result.output and "truncated gzip data" in result.output
    assert result.output.count("error:") >= 5
