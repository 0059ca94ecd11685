"""The registry of canonical entities: seeded facts (`seed_entities.tsv`) plus keys for entities learned from text.

Every entity has a stable id `TYPE:key` (the folded canonical name) and a slug for its tag page. Lookups go through
folded keys, so "Тоқаев", "Tokayev", "Токаеву" (via lemmas) and "К.-Ж. Токаев" all reach "Касым-Жомарт Токаев".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from svodka.enrich.lemmas import lemma
from svodka.enrich.names import match_key

SEED_PATH = Path(__file__).with_name("seed_entities.tsv")
_WORD = re.compile(r"[\w'’-]+")
# Kazakh and Uzbek letters written into Russian text, folded to their Russian look-alikes for matching.
_LOCAL_LETTERS = str.maketrans("қғңүұһәөіў", "кгнуухаоиу")


def slugify(text: str) -> str:
    """An ASCII slug for a tag page ("Касым-Жомарт Токаев" → "kasym-zhomart-tokaev")."""
    try:
        from svodka.feeds.slugs import slugify as shared_slugify
    except ImportError:  # pragma: no cover - the shared helper is part of the package
        return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "entity"
    return shared_slugify(text) or "entity"


def entity_key(entity_type: str, name: str) -> str:
    """The stable id of an entity: its type and folded name ("PER:касым-жомарт токаев")."""
    return f"{entity_type}:{match_key(name)}"


def lookup_keys(text: str, lemmas: bool = True) -> list[str]:
    """Keys a name is looked up under: folded form, with local letters folded, and word lemmas (inflection-free)."""
    key = match_key(text)
    local = key.translate(_LOCAL_LETTERS)
    if not lemmas:
        return list(dict.fromkeys((key, local)))
    lemmas_key = " ".join(lemma(w, proper=True) for w in _WORD.findall(key))
    return list(dict.fromkeys(k for k in (key, local, lemmas_key) if k))


@dataclass
class RegistryEntry:
    entity_id: str
    type: str
    name: str
    slug: str
    topic: str | None = None
    aliases: list[str] = field(default_factory=list)
    adjectives: list[str] = field(default_factory=list)


class Registry:
    """Canonical entities indexed by every folded alias; `lookup` returns the entry a name refers to, or None."""

    def __init__(self, entries: list[RegistryEntry]) -> None:
        self.entries = entries
        self._by_key: dict[str, RegistryEntry] = {}
        self._by_adjective: dict[str, RegistryEntry] = {}
        self._by_id = {e.entity_id: e for e in entries}
        self._prefixes: frozenset[str] | None = None
        for entry in entries:
            for alias in [entry.name, *entry.aliases]:
                for key in lookup_keys(alias):
                    # The first entry claiming a key keeps it (names before aliases, file order).
                    self._by_key.setdefault(key, entry)
            for adjective in entry.adjectives:
                self._by_adjective[match_key(adjective)] = entry

    @classmethod
    def from_tsv(cls, path: Path = SEED_PATH) -> Registry:
        """Read the seed table (see the header of `seed_entities.tsv` for its columns)."""
        entries = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            cols = (line.split("\t") + [""] * 5)[:5]
            entity_type, name, topic, aliases, adjectives = (c.strip() for c in cols)
            entries.append(
                RegistryEntry(
                    entity_id=entity_key(entity_type, name),
                    type=entity_type,
                    name=name,
                    slug=slugify(name),
                    topic=topic or None,
                    aliases=[a.strip() for a in aliases.split("|") if a.strip()],
                    adjectives=[a.strip() for a in adjectives.split("|") if a.strip()],
                )
            )
        return cls(entries)

    def lookup(self, name: str, entity_type: str | None = None) -> RegistryEntry | None:
        """The canonical entry a (possibly inflected or transliterated) name refers to.

        Person names are matched without lemmas: a lemma folds "Назарбаева" (Дарига) into "Назарбаев".
        """
        for key in lookup_keys(name, lemmas=entity_type != "PER"):
            entry = self._by_key.get(key)
            if entry is not None:
                return entry
        return None

    def lookup_adjective(self, adjective_lemma: str) -> RegistryEntry | None:
        """The country an adjective's dictionary form refers to ("российский" → Россия)."""
        return self._by_adjective.get(match_key(adjective_lemma))

    def prefixes(self) -> frozenset[str]:
        """First four folded letters of every word of every alias and adjective: a cheap "may be known" test."""
        if self._prefixes is None:
            words = set()
            for entry in self.entries:
                for alias in [entry.name, *entry.aliases, *entry.adjectives]:
                    words.update(w[:4] for w in _WORD.findall(match_key(alias)))
            self._prefixes = frozenset(words)
        return self._prefixes

    def get(self, entity_id: str) -> RegistryEntry | None:
        return self._by_id.get(entity_id)


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The registry built from the seed table shipped with the package."""
    return Registry.from_tsv()
