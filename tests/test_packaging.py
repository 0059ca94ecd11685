"""The lock file must install on a fresh machine: exact pins from the package index only."""

from __future__ import annotations

import re
from pathlib import Path

LOCK = Path(__file__).resolve().parent.parent / "requirements.lock"
PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9.+!-]+$")


def test_every_lock_line_is_an_exact_index_pin() -> None:
    lines = [line.strip() for line in LOCK.read_text().splitlines() if line.strip() and not line.startswith("#")]
    not_pins = [line for line in lines if not PIN.match(line)]
    assert lines and not not_pins, f"lines that a fresh machine cannot install: {not_pins}"
