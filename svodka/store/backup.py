"""Backups: SQLite's online backup API (consistent while the crawler writes), pg_dump/pg_restore for PostgreSQL."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why."""


def _sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    return Path(url.database)


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    from svodka.store.throwaway_pg import PostgresUnavailable, find_bin_dir

    try:
        return str(find_bin_dir() / name)
    except PostgresUnavailable as error:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools") from error


def _libpq_url(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def backup(database_url: str, target: Path) -> None:
    """Write a consistent copy of the database to `target` (an SQLite file or a pg_dump custom archive)."""
    backend = make_url(database_url).get_backend_name()
    target.parent.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        source_path = _sqlite_path(database_url)
        if not source_path.is_file():
            raise BackupError(f"no database at {source_path}")
        with sqlite3.connect(source_path) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        copy.close()
        return
    if backend == "postgresql":
        done = subprocess.run([_pg_tool("pg_dump"), "--format=custom", f"--file={target}",
                               _libpq_url(database_url)], capture_output=True, text=True)
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
        return
    raise BackupError(f"backups of {backend} databases are not supported")


def restore(database_url: str, archive: Path) -> None:
    """Replace the database's contents with a backup made by `backup`."""
    if not archive.is_file():
        raise BackupError(f"no backup at {archive}")
    backend = make_url(database_url).get_backend_name()
    if backend == "sqlite":
        try:
            with sqlite3.connect(f"file:{archive}?mode=ro", uri=True) as check:
                verdict = check.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{archive} is not an SQLite backup: {error}") from error
        if verdict != "ok":
            raise BackupError(f"{archive} fails its integrity check: {verdict}")
        target_path = _sqlite_path(database_url)
        target_path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(archive) as source, sqlite3.connect(target_path) as target:
            source.backup(target)
        return
    if backend == "postgresql":
        done = subprocess.run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner",
                               f"--dbname={_libpq_url(database_url)}", str(archive)], capture_output=True, text=True)
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
        return
    raise BackupError(f"restores of {backend} databases are not supported")
