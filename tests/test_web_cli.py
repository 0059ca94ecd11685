"""`svodka serve`, `svodka reindex` and `svodka bench web` as real processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from web_fixtures import make_site


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "SVODKA_DATABASE_URL": f"sqlite:///{tmp_path / 'site.db'}", "SVODKA_LOG_LEVEL": "WARNING"}


def test_serve_answers_pages(tmp_path: Path) -> None:
    make_site(tmp_path)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "svodka", "serve", "--port", str(port), "--no-access-log"],
                            env=_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        page = httpx.get(base + "/article/1")
        assert page.status_code == 200 and "сообщает КазТАГ" in page.text
        assert httpx.get(base + "/api/search", params={"q": "Токаеву"}).json()["results"]["total"] == 2
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_reindex_rebuilds_the_index(tmp_path: Path) -> None:
    make_site(tmp_path)
    result = subprocess.run([sys.executable, "-m", "svodka", "reindex"], env=_env(tmp_path), capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "5 articles indexed" in result.stdout


def test_bench_web_small(tmp_path: Path, shared_data: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "svodka", "bench", "web", "--articles", "200", "--requests", "10", "--seconds", "0.5",
         "--concurrency", "2", "--database", url],
        env={**os.environ, "COLUMNS": "200"}, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for page in ["home", "article", "story", "tag", "search", "hello"]:
        assert f"│ {page}" in result.stdout
    assert "ratio to hello" in result.stdout
    assert "rerun: svodka bench web --articles 200" in result.stdout


def test_relate_fills_stories_without_related(tmp_path: Path) -> None:
    from sqlalchemy import func, select

    from svodka.store.schema import stories

    _, engine, _ = make_site(tmp_path)  # the fixture writes stories directly: nothing stored yet
    result = subprocess.run([sys.executable, "-m", "svodka", "relate"], env=_env(tmp_path), capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(stories)).scalar_one()
        missing = conn.execute(select(func.count()).select_from(stories)
                               .where(stories.c.related.is_(None))).scalar_one()
    assert f"{total} stories updated" in result.stdout and total > 0 and missing == 0
    again = subprocess.run([sys.executable, "-m", "svodka", "relate"], env=_env(tmp_path), capture_output=True,
                           text=True, timeout=120)
    assert "0 stories updated" in again.stdout
    assert f"{total} stories updated" in subprocess.run(
        [sys.executable, "-m", "svodka", "relate", "--all"], env=_env(tmp_path), capture_output=True, text=True,
        timeout=120).stdout


def test_bench_web_search_only_small(tmp_path: Path, shared_data: Path) -> None:
    url = f"sqlite:///{tmp_path / 'search.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "svodka", "bench", "web", "--search-only", "--articles", "300", "--requests", "5",
         "--database", url],
        env={**os.environ, "COLUMNS": "200"}, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    for kind in ["one word", "two words", "phrase", "prefix*", "by date", "category"]:
        assert kind in result.stdout
    assert "p95 < 50 ms" in result.stdout and "300 articles ready" in result.stdout
    assert "rerun: svodka bench web --search-only --articles 300" in result.stdout
