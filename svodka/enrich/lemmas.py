"""Russian lemmatisation shared by search indexing and story similarity (razdel tokens + pymorphy3 lemmas).

Indexing takes one lemma per word, preferring proper-noun readings for capitalised words so that "Токаева",
"Токаеву" and "Токаев" all index as "токаев" (pymorphy reads a bare "токаев" as a plural of "токай").
Queries use `lemma_candidates`, every plausible lemma of a word, so a lower-cased query still matches.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from functools import lru_cache

from razdel import tokenize

_WORD = re.compile(r"[0-9A-Za-zА-Яа-яЁёЎўҚқҒғҲҳӘәӨөҮүҰұІіҢң'’ʻʼ-]+")
_CYRILLIC = re.compile("[а-яё]")
_SURNAME_ENDING = re.compile(r"(ов|ев|ёв|ин|ын)$")
_PROPER_TAGS = ("Surn", "Geox", "Name", "Orgn", "Patr")


def _is_latin_char(uchr: str) -> bool:
    """pymorphy's own test, except that a letter Unicode has no name for (e.g. Tangut) is simply not Latin."""
    try:
        return "LATIN" in unicodedata.name(uchr)
    except ValueError:
        return False


def make_pymorphy_safe() -> None:
    """pymorphy2/3 raise ValueError on a word mixing Latin with a letter that has no Unicode name, which would end
    the analysis of a whole document; their shape test is replaced by one that cannot raise."""
    for name in ("pymorphy3.shapes", "pymorphy2.shapes"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        module.is_latin_char = _is_latin_char  # type: ignore[attr-defined]


@lru_cache(maxsize=1)
def morph_analyzer():  # type: ignore[no-untyped-def]
    """The one pymorphy3 analyzer of the process (loading it takes ~0.3 s and ~15 MB)."""
    import pymorphy3

    make_pymorphy_safe()
    return pymorphy3.MorphAnalyzer()


def fold(text: str) -> str:
    """Lower-case and fold ё to е: the matching form (display forms keep their ё)."""
    return text.lower().replace("ё", "е")


@lru_cache(maxsize=300_000)
def lemma(word: str, proper: bool = False) -> str:
    """The dictionary form of one word, folded; `proper` marks a capitalised word inside a sentence."""
    low = word.lower()
    if not _CYRILLIC.search(low):
        return fold(low)
    parses = morph_analyzer().parse(low)
    if proper:
        for tag in _PROPER_TAGS:
            for parse in parses:
                if tag in parse.tag:
                    return fold(parse.normal_form)
        if _SURNAME_ENDING.search(low):
            return fold(low)
    return fold(parses[0].normal_form)


@lru_cache(maxsize=100_000)
def lemma_candidates(word: str) -> frozenset[str]:
    """Every lemma a word may have (for queries, where case tells nothing)."""
    low = word.lower()
    if not _CYRILLIC.search(low):
        return frozenset({fold(low)})
    found = {fold(p.normal_form) for p in morph_analyzer().parse(low)[:4]}
    found.add(lemma(word, proper=True))
    return frozenset(found)


def words(text: str) -> list[str]:
    """Word tokens of a text (punctuation dropped), in order."""
    return [t.text for t in tokenize(text) if _WORD.fullmatch(t.text)]


def lemmatize(text: str) -> list[str]:
    """Lemmas of the words of a text, in order; a capitalised word not opening a sentence counts as a name."""
    result = []
    sentence_start = True
    for token in tokenize(text):
        value = token.text
        if not _WORD.fullmatch(value):
            sentence_start = value in {".", "!", "?", "…", "\n"} or sentence_start and not value.strip()
            continue
        proper = value[:1].isupper() and not sentence_start
        result.append(lemma(value, proper))
        sentence_start = False
    return result
