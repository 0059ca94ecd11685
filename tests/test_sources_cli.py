"""`svodka sources …` as a user runs it: a real process, a real local site, a real database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FEED = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Тестовое агентство</title><link>{base}/</link>'
        "<item><title>Новость</title><link>{base}/news/1</link></item></channel></rss>")


def svodka(tmp_path: Path, *args: str, allow_private: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "SVODKA_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
           "SVODKA_ALLOW_PRIVATE_NETWORKS": "1" if allow_private else "0", "SVODKA_PER_HOST_DELAY": "0"}
    return subprocess.run([sys.executable, "-m", "svodka", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)


def test_add_discovers_feed_from_site_page(httpserver, tmp_path):
    base = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/").respond_with_data(
        '<html><head><link rel="alternate" type="application/rss+xml" href="/export/rss.xml"></head></html>',
        content_type="text/html; charset=utf-8")
    httpserver.expect_request("/export/rss.xml").respond_with_data(FEED.format(base=base),
                                                                   content_type="application/rss+xml")
    added = svodka(tmp_path, "sources", "add", f"{base}/", "--timezone", "Asia/Tashkent")
    assert added.returncode == 0, added.stderr
    assert "added: " in added.stdout and f"{base}/export/rss.xml" in added.stdout
    again = svodka(tmp_path, "sources", "add", f"{base}/export/rss.xml")
    assert "already known" in again.stdout
    listing = svodka(tmp_path, "sources", "list")
    assert "Тестовое агентство" in listing.stdout


def test_add_reports_a_site_without_feed_clearly(httpserver, tmp_path):
    base = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/").respond_with_data("<html><body>Нет ленты</body></html>", content_type="text/html")
    result = svodka(tmp_path, "sources", "add", f"{base}/")
    assert result.returncode == 2
    assert "no RSS/Atom feed or sitemap found" in result.stderr


def test_private_addresses_are_refused_by_default(httpserver, tmp_path):
    base = httpserver.url_for("").rstrip("/")
    result = svodka(tmp_path, "sources", "add", f"{base}/feed.xml", allow_private=False)
    assert result.returncode == 2
    assert "non-public address 127.0.0.1" in result.stderr


def test_default_opml_imports_and_round_trips(tmp_path):
    imported = svodka(tmp_path, "sources", "import-opml", str(REPO / "sources" / "default.opml"))
    assert imported.returncode == 0, imported.stderr
    added = int(imported.stdout.split()[0])
    assert added >= 20
    again = svodka(tmp_path, "sources", "import-opml", str(REPO / "sources" / "default.opml"))
    assert again.stdout.startswith("0 sources added")
    exported = svodka(tmp_path, "sources", "export-opml", "--output", str(tmp_path / "out.opml"))
    assert exported.returncode == 0
    from svodka.feeds.opml import read_opml

    links = read_opml((tmp_path / "out.opml").read_bytes())
    assert len(links) == added
    assert any("tengrinews.kz" in link.feed_url for link in links)
    assert {link.timezone for link in links} >= {"Asia/Almaty", "Asia/Tashkent"}


def test_import_opml_rejects_garbage_clearly(tmp_path):
    bad = tmp_path / "bad.opml"
    bad.write_bytes(b"\x00\x01 not xml")
    result = svodka(tmp_path, "sources", "import-opml", str(bad))
    assert result.returncode == 2 and "error:" in result.stderr


@pytest.mark.parametrize("args", [["export", "--since", "not-a-date"], ["export", "--format", "csv"]])
def test_export_rejects_bad_options(tmp_path, args):
    result = svodka(tmp_path, *args)
    assert result.returncode == 2 and "error:" in result.stderr
