"""ASCII slugs for sources and tags: Cyrillic (Russian, Kazakh, Uzbek, Kyrgyz, Ukrainian) transliterated."""

from __future__ import annotations

import re
import unicodedata

# Close to the passport-style romanisation Russian media use in URLs ("zh", "kh", "ts", "shch", "yu", "ya").
# "ё" goes to "e" so that "Семёнов" and "Семенов" get one slug.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya",
    # Kazakh, Kyrgyz, Uzbek Cyrillic.
    "ә": "a", "ғ": "g", "қ": "k", "ң": "ng", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i", "ў": "o",
    "ҳ": "h",
    # Ukrainian and Belarusian.
    "є": "ye", "ї": "yi", "ґ": "g",
}  # fmt: skip
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# Apostrophes inside words (Uzbek "Oʻzbekiston", "O'Reilly") vanish instead of splitting the word.
_APOSTROPHES = re.compile(r"(?<=\w)['ʼʻ’‘`](?=\w)")


def transliterate(text: str) -> str:
    """Lower-cased `text` with Cyrillic letters replaced by Latin ones and accents dropped; other characters kept."""
    lowered = "".join(_CYRILLIC.get(char, char) for char in text.lower())
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def slugify(text: str, max_length: int = 80) -> str:
    """An ASCII slug: "Касым-Жомарт Токаев" -> "kasym-zhomart-tokaev", "Tengrinews.kz" -> "tengrinews-kz".

    Anything that is not a Latin letter or a digit after transliteration becomes one hyphen. The slug is cut at a
    hyphen to at most `max_length` characters. Text without letters or digits gives "".
    """
    slug = _NOT_SLUG.sub("-", transliterate(_APOSTROPHES.sub("", text))).strip("-")
    if len(slug) > max_length:
        cut = slug[:max_length]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return slug.strip("-")
