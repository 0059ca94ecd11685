"""Readers for the real datasets in `../shared/data` used by tests, benchmarks and the demo.

The data is never copied into the repository; every reader finds it at run time or reports it absent.
"""

from __future__ import annotations

import os
from pathlib import Path


def shared_data_dir() -> Path | None:
    """Locate `shared/data`: $SVODKA_SHARED_DATA, else `../shared/data` from the working or repo directory."""
    candidates = []
    if env := os.environ.get("SVODKA_SHARED_DATA"):
        candidates.append(Path(env))
    repo_root = Path(__file__).resolve().parents[2]
    for base in (Path.cwd(), repo_root):
        candidates.append(base.parent / "shared" / "data")
    for path in candidates:
        if path.is_dir():
            return path
    return None


def require_shared_data(*parts: str) -> Path:
    """The path to a dataset below shared/data, or FileNotFoundError with a message that says where to put it."""
    base = shared_data_dir()
    if base is None:
        raise FileNotFoundError("shared data not found: set SVODKA_SHARED_DATA or place it at ../shared/data")
    path = base.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"dataset missing: {path}")
    return path
