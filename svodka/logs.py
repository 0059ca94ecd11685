"""The one logging set-up: rich-formatted to stderr."""

from __future__ import annotations

import logging

from rich.console import Console
from rich.logging import RichHandler


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(name)s: %(message)s",
        datefmt="%H:%M:%S",
        handlers=[RichHandler(console=Console(stderr=True), show_path=False, rich_tracebacks=False)],
        force=True,
    )
    # Alembic narrates every plugin it loads; keep only its warnings.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("pymorphy3").setLevel(logging.WARNING)
    logging.getLogger("pymorphy2").setLevel(logging.WARNING)
