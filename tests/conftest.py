"""Shared fixtures: the real datasets (skipped with a reason when absent) and a throwaway database."""

from __future__ import annotations

from pathlib import Path

import pytest

from svodka.corpora import shared_data_dir


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if path is None:
        pytest.skip("../shared/data is absent (set SVODKA_SHARED_DATA to run tests on real data)")
    return path


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'svodka.db'}"


@pytest.fixture(scope="session")
def postgres_server():
    """One throwaway PostgreSQL server for the session (skipped with a reason when the binaries are absent)."""
    from svodka.store.throwaway_pg import PostgresUnavailable, ThrowawayPostgres

    try:
        server = ThrowawayPostgres().start()
    except PostgresUnavailable as error:
        pytest.skip(str(error))
    yield server
    server.stop()


_database_counter = iter(range(1, 1_000_000))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_url(request, tmp_path: Path) -> str:
    """A fresh empty database on each backend: the storage tests run on both so the two paths cannot drift."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'svodka.db'}"
    server = request.getfixturevalue("postgres_server")
    return server.create_database(f"test_{next(_database_counter)}")
