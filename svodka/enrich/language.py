"""Language of a text: ru, kk, uz (Latin or Cyrillic), uk, en or other.

Cheap script rules decide first where the alphabet settles it (letters that only Kazakh, Uzbek or Ukrainian use);
otherwise py3langid (its model ships in the wheel, knows kk and uz) decides among all its languages.
"""

from __future__ import annotations

import re
from functools import lru_cache

LANGUAGES = ("ru", "kk", "uz", "uk", "en", "other")

# Only the first few thousand characters are read: the language of a news text does not change midway.
_SAMPLE_CHARS = 4000
# Share of specific letters among all Cyrillic letters above which a script rule fires (a quoted word does not).
_MARK_SHARE = 0.008

_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LATIN = re.compile(r"[A-Za-z]")
_KAZAKH_ONLY = re.compile(r"[әұһӘҰҺ]")  # not in Uzbek, Kyrgyz, Ukrainian
_KAZAKH_SHARED = re.compile(r"[қғңөүҚҒҢӨҮ]")  # Kazakh, but also Uzbek (қ ғ) and Kyrgyz (ң ө ү)
_UZBEK_CYRILLIC = re.compile(r"[ўҳЎҲ]")
_UKRAINIAN = re.compile(r"[їєґЇЄҐ]")
_UZBEK_LATIN = re.compile(r"\b\w*[oOgG][ʻʼ'‘’`]\w", re.UNICODE)

# Below this many Cyrillic letters without specific ones the text is taken as Russian.
_SHORT_LETTERS = 25

_LANGID_MAP = {"ru": "ru", "kk": "kk", "uz": "uz", "uzs": "uz", "uk": "uk", "en": "en"}


@lru_cache(maxsize=1)
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=False)


def _by_model(sample: str) -> str:
    label, _score = _identifier().classify(sample)
    return _LANGID_MAP.get(label, "other")


def _by_cyrillic_script(sample: str, cyrillic: int) -> str | None:
    """A language the Cyrillic letters alone prove, or None when the model must decide."""

    def share(pattern: re.Pattern[str]) -> float:
        return len(pattern.findall(sample)) / cyrillic

    uzbek, kazakh_only, kazakh_shared = share(_UZBEK_CYRILLIC), share(_KAZAKH_ONLY), share(_KAZAKH_SHARED)
    if share(_UKRAINIAN) >= _MARK_SHARE and kazakh_only + kazakh_shared < _MARK_SHARE:
        return "uk"
    if kazakh_only >= _MARK_SHARE and uzbek < _MARK_SHARE:
        return "kk"
    # ў alone is also Belarusian; ў or ҳ together with қ/ғ is Uzbek.
    if uzbek >= _MARK_SHARE and (kazakh_shared >= _MARK_SHARE or "ҳ" in sample.lower()):
        return "uz"
    return None


def detect_language(text: str) -> str:
    """The language code of `text`: one of LANGUAGES; "other" for empty text or text without letters."""
    if not text:
        return "other"
    sample = text[:_SAMPLE_CHARS]
    cyrillic = len(_CYRILLIC.findall(sample))
    latin = len(_LATIN.findall(sample))
    if cyrillic + latin < 3:
        # Letters of other scripts (Arabic, CJK, …) still go to the model; a text of digits is "other".
        return _by_model(sample) if any(ch.isalpha() for ch in sample) else "other"
    if cyrillic >= latin:
        by_script = _by_cyrillic_script(sample, cyrillic)
        if by_script:
            return by_script
        # A name or two in plain Cyrillic is too short for the model; in our sources it is Russian.
        return "ru" if cyrillic < _SHORT_LETTERS else _by_model(sample)
    if len(_UZBEK_LATIN.findall(sample)) >= 2:
        return "uz"
    return _by_model(sample)
