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
