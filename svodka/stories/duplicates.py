"""Near-duplicate texts (wire copies, light rewrites "…, сообщает prosud.kz") by MinHash LSH over word shingles.

`DuplicateIndex.find(shingles)` answers which earlier copy within the window a text repeats;
`add` records a text, `expire(now)` forgets texts older than the window so memory stays bounded.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from datasketch import MinHash, MinHashLSH

from svodka.stories.represent import ItemId

NUM_PERM = 64
# A text must share this share of its 3-word shingles (estimated) with an earlier one to count as its copy.
DUPLICATE_JACCARD = 0.5
# Texts shorter than this many shingles are headlines only: they must match almost exactly.
SHORT_TEXT_SHINGLES = 12
SHORT_TEXT_JACCARD = 0.8


@dataclass
class DuplicateMatch:
    original: ItemId
    jaccard: float


@dataclass
class _Entry:
    key: str
    item_id: ItemId
    original: ItemId
    published: datetime
    minhash: MinHash
    size: int


class DuplicateIndex:
    """MinHash LSH over the texts of the recent window; each entry remembers the earliest copy it repeats."""

    def __init__(self, window: timedelta = timedelta(days=3), threshold: float = DUPLICATE_JACCARD) -> None:
        self.window = window
        self.threshold = threshold
        # LSH banding is tuned a little below the decision threshold so borderline copies still become candidates.
        self._lsh = MinHashLSH(threshold=max(0.3, threshold - 0.15), num_perm=NUM_PERM)
        self._template = MinHash(num_perm=NUM_PERM, seed=1)
        self._entries: dict[str, _Entry] = {}
        self._queue: deque[str] = deque()

    def __len__(self) -> int:
        return len(self._entries)

    def signature(self, shingles: frozenset[str]) -> MinHash:
        """The MinHash of a shingle set (permutations shared, so building one is cheap)."""
        minhash = MinHash(num_perm=NUM_PERM, seed=1, permutations=self._template.permutations,
                          scheme=self._template.scheme)
        if shingles:
            minhash.update_batch([s.encode("utf-8") for s in sorted(shingles)])
        return minhash

    def required_jaccard(self, size: int, other_size: int) -> float:
        """How similar two shingle sets must be to count as copies (headline-only texts: almost identical)."""
        return SHORT_TEXT_JACCARD if min(size, other_size) < SHORT_TEXT_SHINGLES else self.threshold

    def find(self, minhash: MinHash, size: int) -> DuplicateMatch | None:
        """The earliest original among close enough earlier texts, or None."""
        if size == 0:
            return None
        best: DuplicateMatch | None = None
        best_time: datetime | None = None
        for key in self._lsh.query(minhash):
            entry = self._entries.get(key)
            if entry is None:
                continue
            jaccard = minhash.jaccard(entry.minhash)
            if jaccard < self.required_jaccard(size, entry.size):
                continue
            original = self._entries.get(_key(entry.original), entry)
            if best_time is None or original.published < best_time:
                best = DuplicateMatch(original=entry.original, jaccard=jaccard)
                best_time = original.published
        return best

    def add(self, item_id: ItemId, published: datetime, minhash: MinHash, size: int, original: ItemId | None) -> None:
        """Remember a text; `original` is the earliest copy it repeats (None when it is an original itself)."""
        key = _key(item_id)
        if key in self._entries or size == 0:
            return
        self._entries[key] = _Entry(key, item_id, original if original is not None else item_id, published,
                                    minhash, size)
        self._lsh.insert(key, minhash)
        self._queue.append(key)

    def expire(self, now: datetime) -> None:
        """Forget texts published more than the window before `now`."""
        limit = now - self.window
        while self._queue:
            entry = self._entries.get(self._queue[0])
            if entry is not None and entry.published >= limit:
                break
            self._queue.popleft()
            if entry is not None:
                del self._entries[entry.key]
                self._lsh.remove(entry.key)


def _key(item_id: ItemId) -> str:
    return f"{type(item_id).__name__}:{item_id}"
