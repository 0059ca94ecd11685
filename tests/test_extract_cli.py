"""`svodka extract` as a user runs it: a real process on local files and on a real local web server."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

PAGES = Path(__file__).parent / "fixtures" / "pages"
URL = "https://example-news.kz/ru/city/most-cherez-bolshuyu-almatinku"


def svodka(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SVODKA_ALLOW_PRIVATE_NETWORKS": "1", "SVODKA_PER_HOST_DELAY": "0"}
    return subprocess.run([sys.executable, "-m", "svodka", "extract", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


def test_extract_gzipped_file_as_pretty_json(tmp_path: Path) -> None:
    page = tmp_path / "most.html.gz"
    page.write_bytes(gzip.compress((PAGES / "rewrite_news.html").read_bytes()))
    done = svodka(tmp_path, str(page), "--url", URL, "--fetched-at", "2026-05-14T08:00:00+00:00",
                  "--timezone", "Asia/Almaty")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["url"] == URL
    assert data["published"] == "2026-05-14T11:45:00+05:00"
    assert data["source"] == {"name": "prosud.kz", "url": "https://prosud.kz/news/most-almatinka"}
    assert data["blocks"][2] == {"kind": "heading", "text": "Сколько стоило строительство"}


def test_jsonl_one_line_per_page_and_failures_on_stderr(tmp_path: Path) -> None:
    done = svodka(tmp_path, str(PAGES / "rewrite_news.html"), str(tmp_path / "missing.html"),
                  str(PAGES / "listing.html"), str(PAGES / "credits_news.html"), "--format", "jsonl")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert [json.loads(line)["title"] for line in lines] == [
        "В Алматы открыли новый мост через Большую Алматинку", "Правительство утвердило план ремонта школ"]
    assert "no such file" in done.stderr and "missing.html" in done.stderr
    assert "listing page" in done.stderr


def test_bad_options_are_clear_errors(tmp_path: Path) -> None:
    done = svodka(tmp_path, str(PAGES / "rewrite_news.html"), "--format", "xml")
    assert done.returncode == 2 and "--format" in done.stderr
    done = svodka(tmp_path, str(PAGES / "rewrite_news.html"), "--fetched-at", "вчера")
    assert done.returncode == 2 and "--fetched-at" in done.stderr


def test_extract_url_through_the_fetcher(httpserver, tmp_path: Path) -> None:
    html = (PAGES / "rewrite_news.html").read_text(encoding="utf-8").replace('charset="utf-8"',
                                                                               'charset="windows-1251"')
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/ru/city/most").respond_with_data(
        html.encode("cp1251"), content_type="text/html; charset=windows-1251")
    httpserver.expect_request("/gone").respond_with_data("нет", status=404)
    page_url = httpserver.url_for("/ru/city/most")
    done = svodka(tmp_path, page_url, httpserver.url_for("/gone"), "--format", "jsonl")
    assert done.returncode == 1
    data = json.loads(done.stdout.splitlines()[0])
    assert data["url"] == page_url
    assert data["title"] == "В Алматы открыли новый мост через Большую Алматинку"
    assert "404" in done.stderr
