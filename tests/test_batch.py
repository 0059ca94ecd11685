"""`svodka import`, `svodka export` and `svodka reprocess`: batch paths through the same pipeline as the crawler."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update

from svodka.batch import import_articles_jsonl, reprocess_stored
from svodka.pipeline import Pipeline
from svodka.settings import Settings
from svodka.store import articles as store_articles
from svodka.store import schema
from svodka.store.db import open_database

NOW = datetime(2026, 11, 25, 8, 0)
TEXT = ("Президент Казахстана Касым-Жомарт Токаев прибыл в Ташкент с государственным визитом.\n"
        "На переговорах с Шавкатом Мирзиёевым стороны обсудили 78 совместных проектов на $10 млрд.")
MINIMAL = [
    {"url": "https://kun.uz/ru/news/1", "title": "Токаев прибыл в Ташкент", "text": TEXT,
     "published": "2026-11-25T10:00:00+05:00", "source": "Kun.uz"},
    {"url": "https://tengrinews.kz/news/2", "title": "Касым-Жомарт Токаев начал визит в Узбекистан", "text": TEXT,
     "published": "2026-11-25T10:30:00+05:00", "source": "Tengrinews.kz"},
]


def svodka(tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "SVODKA_DATABASE_URL": f"sqlite:///{tmp_path / 'batch.db'}"}
    return subprocess.run([sys.executable, "-m", "svodka", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, input=stdin, timeout=300)


def test_import_enriches_clusters_and_rejects_bad_lines(tmp_path):
    lines = [json.dumps(r, ensure_ascii=False) for r in MINIMAL]
    lines += ["not json", json.dumps({"title": "без адреса"}), json.dumps([1, 2]), ""]
    result = svodka(tmp_path, "import", "-", stdin="\n".join(lines))
    assert result.returncode == 0, result.stderr
    assert "2 articles imported, 3 lines rejected" in result.stdout
    engine = open_database(f"sqlite:///{tmp_path / 'batch.db'}")
    stored = list(store_articles.iter_articles(engine))
    assert [a["title"] for a in stored] == [r["title"] for r in MINIMAL]
    assert all(a["category"] and a["language"] == "ru" for a in stored)
    assert all("Касым-Жомарт Токаев" in a["tags"] for a in stored)
    # Two outlets on one event: one story.
    assert stored[0]["story_id"] is not None and stored[0]["story_id"] == stored[1]["story_id"]
    assert {a["source_name"] for a in stored} == {"Kun.uz", "Tengrinews.kz"}


def test_export_round_trips_through_import(tmp_path):
    first = tmp_path / "first"
    first.mkdir()
    svodka(first, "import", "-", stdin="\n".join(json.dumps(r, ensure_ascii=False) for r in MINIMAL))
    exported = svodka(first, "export", "--output", str(tmp_path / "dump.jsonl"))
    assert exported.returncode == 0, exported.stderr
    lines = (tmp_path / "dump.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["published"] == "2026-11-25T10:00:00+05:00"
    second = tmp_path / "second"
    second.mkdir()
    imported = svodka(second, "import", str(tmp_path / "dump.jsonl"))
    assert "2 articles imported, 0 lines rejected" in imported.stdout
    again = svodka(second, "export")
    exported_titles = [json.loads(line)["title"] for line in again.stdout.splitlines()]
    assert exported_titles == [r["title"] for r in MINIMAL]
    since = svodka(second, "export", "--since", "2026-11-25T05:15:00+00:00")
    assert [json.loads(line)["title"] for line in since.stdout.splitlines()] == [MINIMAL[1]["title"]]


def test_reprocess_re_extracts_kept_raw_pages(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'r.db'}")
    page = ('<html lang="ru"><head><meta property="og:title" content="Заголовок страницы">'
            '<meta property="article:published_time" content="2026-11-25T11:45:00+05:00"></head><body><article>'
            f"<h1>Заголовок страницы</h1>{''.join(f'<p>{p}</p>' for p in TEXT.splitlines() * 3)}"
            "</article></body></html>").encode()
    url = "https://prosud.kz/news/1"
    store_articles.save_raw_page(engine, url=url, final_url=url, status=200, content_type="text/html",
                                 encoding="utf-8", body=page, now=NOW)
    store_articles.save_raw_page(engine, url="https://prosud.kz/empty", final_url="https://prosud.kz/empty",
                                 status=200, content_type="text/html", encoding="utf-8", body=b"<html></html>",
                                 now=NOW)
    pipeline = Pipeline(engine, Settings(), enrich=False, cluster=False)
    report = reprocess_stored(pipeline, default_timezone="Asia/Almaty")
    assert (report.done, report.failed) == (1, 1)
    with engine.begin() as conn:
        conn.execute(update(schema.articles).values(title="старое"))
    reprocess_stored(pipeline, default_timezone="Asia/Almaty")
    with engine.connect() as conn:
        title, published = conn.execute(select(schema.articles.c.title, schema.articles.c.published)).one()
    assert title == "Заголовок страницы" and published == "2026-11-25T11:45:00+05:00"


def test_import_library_call_reports_progress(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'p.db'}")
    seen = []
    report = import_articles_jsonl(Pipeline(engine, Settings(), enrich=False, cluster=False),
                                   [json.dumps(r, ensure_ascii=False) for r in MINIMAL], on_progress=seen.append)
    assert report.done == 2 and sum(seen) == 2
