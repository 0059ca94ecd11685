"""`svodka backup` / `svodka restore` round trips on both backends."""

from __future__ import annotations

from datetime import datetime

import pytest

from svodka.models import Article
from svodka.store import articles as store_articles
from svodka.store.backup import BackupError, backup, restore
from svodka.store.db import open_database

NOW = datetime(2026, 11, 25, 8, 0)


def test_round_trip(backend_url, tmp_path):
    engine = open_database(backend_url)
    kept = store_articles.save_article(engine, Article(url="https://kun.uz/1", title="До копии", text="Текст"),
                                       None, NOW)
    archive = tmp_path / "backup.bin"
    backup(backend_url, archive)
    store_articles.save_article(engine, Article(url="https://kun.uz/2", title="После копии"), None, NOW)
    engine.dispose()
    restore(backend_url, archive)
    engine = open_database(backend_url)
    titles = [a["title"] for a in store_articles.iter_articles(engine)]
    engine.dispose()
    assert titles == ["До копии"]
    assert kept == 1


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(BackupError, match="not an SQLite backup"):
        restore(f"sqlite:///{tmp_path / 'target.db'}", junk)


def test_backup_of_a_missing_database_is_a_clear_error(tmp_path):
    with pytest.raises(BackupError, match="no database"):
        backup(f"sqlite:///{tmp_path / 'absent.db'}", tmp_path / "out.db")
