"""Normalising entity mentions to their nominative base form, and the folded keys used to match them.

Input is a span's tokens with the contextual morphology natasha's tagger gave them (`Token`); output is the
display form with the writer's ё and capitalisation kept. Persons inflect every name part in the gender the
context shows (so "Дарига Назарбаева" stays feminine); locations and organisations inflect only the head
phrase — leading adjectives and the first noun — and keep their dependents as written ("МИД Литвы",
"Совет глав регионов").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from svodka.enrich.lemmas import fold

_CYRILLIC = re.compile("[а-яёА-ЯЁ]")
_WORDLIKE = re.compile(r"\w")
_INITIAL = re.compile(r"^[А-ЯЁA-Z]\.?$|^[А-ЯЁA-Z]\.?-[А-ЯЁA-Z]\.?$")
# Russian case endings glued to an acronym: "МИДа", "МИДом", "ОДКБ" stays.
_ACRONYM_CASE = re.compile(r"^([А-ЯЁA-Z]{2,})(а|у|ом|е|ы|ов|ам|ах)$")
_CASES = {"Nom": "nomn", "Gen": "gent", "Dat": "datv", "Acc": "accs", "Ins": "ablt", "Loc": "loct"}
_GENDERS = {"Masc": "masc", "Fem": "femn", "Neut": "neut"}
_NAME_TAGS = ("Surn", "Name", "Patr")


@dataclass
class Token:
    """A word of a span: text, offsets in the source string, and natasha's UD part of speech and features."""

    text: str
    start: int
    end: int
    pos: str = "X"
    feats: dict[str, str] = field(default_factory=dict)


def _morph() -> Any:
    """The one pymorphy3 analyzer of the process (shared with `lemmas.py`: its dictionaries take memory)."""
    from svodka.enrich.lemmas import morph_analyzer as shared_morph

    return shared_morph()


def match_key(text: str) -> str:
    """The folded matching form of a name: lower case, ё→е, quotes and extra spaces dropped."""
    text = re.sub(r"[«»\"“”„'’]", "", text)
    return " ".join(fold(text).replace("\u00ad", "").split()).rstrip(".")


def is_initial(word: str) -> bool:
    """"К.", "К", "К.-Ж." — a name part that is only an initial."""
    return bool(_INITIAL.match(word))


def restore_shape(word: str, original: str) -> str:
    """Give `word` the capitalisation pattern of `original` and drop a ё the writer did not use."""
    if "ё" not in original.lower():
        word = word.replace("ё", "е").replace("Ё", "Е")
    if original.isupper() and len(original) > 1:
        return word.upper()
    if original[:1].isupper():
        if "-" in original:
            return "-".join(p[:1].upper() + p[1:] for p in word.split("-"))
        return word[:1].upper() + word[1:]
    return word


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _nominative(parse: Any, grammemes: set[str], original: str) -> str | None:
    """The lexeme form carrying `grammemes` closest in spelling to the original (высшего → высший, not высочайший)."""
    best: tuple[int, int, int, str] | None = None
    for form in parse.lexeme:
        if grammemes <= form.tag.grammemes:
            # Prefer the form sharing the longest prefix, then the one keeping the comparison degree.
            same_degree = int(("Supr" in form.tag) == ("Supr" in parse.tag))
            # On a tie the dictionary's own normal form wins ("Окружного" → "Окружной", not "Окружный").
            score = (_common_prefix(fold(form.word), fold(original)), same_degree, int(form.word == parse.normal_form))
            if best is None or score > best[:3]:
                best = (*score, form.word)
    return best[3] if best else None


def _pick_parse(word: str, case: str | None, gender: str | None, prefer: tuple[str, ...], pos: str) -> Any | None:
    parses = _morph().parse(word.lower())
    wanted_pos = {"ADJ": ("ADJF", "PRTF"), "NOUN": ("NOUN",), "PROPN": ("NOUN",)}.get(pos, ("NOUN", "ADJF"))
    ranked = []
    for rank, parse in enumerate(parses):
        tag = parse.tag
        score = 0
        if tag.POS in wanted_pos:
            score += 4
        if case and tag.case == case:
            score += 8
        if gender and tag.gender == gender:
            score += 2
        if any(t in tag for t in prefer):
            score += 3
        ranked.append((-score, rank, parse))
    if not ranked:
        return None
    ranked.sort(key=lambda item: (item[0], item[1]))
    best = ranked[0][2]
    if case and best.tag.case != case:
        return None
    return best


# Ending rewrites for names the dictionary does not know, by gender: (ending, cases it may mark or None, nominative).
_FEMININE_ENDINGS = (
    ("ией", None, "ия"), ("ии", None, "ия"), ("ию", None, "ия"), ("ой", None, "а"), ("ей", ("ablt",), "я"),
    ("у", None, "а"), ("ю", None, "я"), ("ы", None, "а"), ("е", ("datv", "loct"), "а"),
)
_MASCULINE_ENDINGS = (
    ("ией", None, "ия"), ("ии", None, "ия"), ("ию", None, "ия"), ("ым", None, ""), ("ом", None, ""),
    ("ем", ("ablt",), ""), ("ой", None, "а"), ("ы", None, "а"),
    ("у", ("datv",), ""), ("у", None, "а"), ("а", ("gent", "accs"), ""),
)
_OBLIQUE_ONLY = re.compile(r"(ом|ым|ами|ями)$", re.IGNORECASE)
# Endings a person's name in the nominative does not have, unless the dictionary says otherwise ("Токаеву").
_OBLIQUE_NAME = re.compile(r"(у|ю|ом|ем|ым|им|ой|ами|ями)$", re.IGNORECASE)
_VOWELS = set("аеёиоуыэюя")


def name_fallback(word: str, case: str | None, gender: str | None) -> str:
    """Rule-based nominative of a name part the dictionary cannot place ("Асию" → "Асия", "Нисару" → "Нисар")."""
    low = word.lower()
    if len(low) < 4 or case in (None, "nomn"):
        return word
    rules = _FEMININE_ENDINGS if gender == "femn" else _MASCULINE_ENDINGS
    for ending, cases, replacement in rules:
        if low.endswith(ending) and (cases is None or case in cases):
            stem = word[: -len(ending)]
            # A masculine stem must end in a consonant ("Нисар-у"), else the word is likely indeclinable.
            if not replacement and stem[-1:].lower() in _VOWELS:
                return word
            return stem + replacement
    return word


def _is_name_parse(parse: Any, gender: str | None) -> bool:
    """A dictionary reading fit for a person's name part: a name tag, declinable, of the person's gender."""
    tag = parse.tag
    if not any(t in tag for t in _NAME_TAGS) or "Fixd" in tag:
        return False
    return gender is None or tag.gender in (gender, None) or "Surn" in tag


def inflect_word(token: Token, kind: str, gender: str | None = None, number: str | None = None) -> str:
    """The nominative of one word in context; `kind` is "name" (person part), "noun" or "adj"."""
    word = token.text
    if not _CYRILLIC.search(word) or is_initial(word):
        return word
    acronym = _ACRONYM_CASE.match(word)
    if acronym:
        return acronym.group(1)
    if word.isupper() and len(word) > 1:
        return word
    case = _CASES.get(token.feats.get("Case", ""))
    oblique = _OBLIQUE_ONLY if kind != "name" else _OBLIQUE_NAME
    if case == "nomn" and not oblique.search(word):
        return word
    gender = gender or _GENDERS.get(token.feats.get("Gender", ""))
    prefer = _NAME_TAGS if kind == "name" else ("Geox", "Orgn")
    pos = "ADJ" if kind == "adj" else token.pos
    if "-" in word and kind == "name":
        # Hyphenated first names decline part by part: Касыма-Жомарта → Касым-Жомарт.
        parts = word.split("-")
        inflected = [inflect_word(Token(p, 0, 0, token.pos, token.feats), kind, gender) for p in parts]
        return "-".join(inflected)
    if case == "nomn" and oblique.search(word) and not any(p.tag.case == "nomn" for p in _morph().parse(word.lower())):
        # The tagger says nominative but the ending cannot be one ("Линкявичюсом"): trust the dictionary.
        case = _morph().parse(word.lower())[0].tag.case
    numbered = re.match(r"^(.+?)(-\d+)$", word)
    if numbered:
        # "Северного потока-2": the number rides along.
        head = Token(numbered.group(1), token.start, token.end, token.pos, token.feats)
        return inflect_word(head, kind, gender, number) + numbered.group(2)
    if kind != "name" and "-" in word and not _morph().word_is_known(word.lower()):
        return word
    parse = _pick_parse(word, case, gender, prefer, pos)
    if kind == "name" and (parse is None or not _is_name_parse(parse, gender)):
        return restore_shape(name_fallback(word, case, gender), word)
    if parse is None:
        return word
    target = {"nomn"}
    if kind == "name":
        target |= {"sing"}
        if gender in ("masc", "femn") and (parse.tag.gender in ("masc", "femn") or "Surn" in parse.tag):
            target.add(gender)
    else:
        target.add(number or parse.tag.number or "sing")
        if (number or parse.tag.number) != "plur" and (gender or parse.tag.gender):
            target.add(gender or parse.tag.gender)
    form = _nominative(parse, target, word) or _nominative(parse, {"nomn"}, word)
    if not form:
        return word
    return restore_shape(form, word)


def _is_word(token: Token) -> bool:
    return bool(_WORDLIKE.search(token.text))


def _join(tokens: list[Token], words: list[str], source: str | None) -> str:
    """Rebuild the span with the original spacing (taken from token offsets)."""
    parts: list[str] = []
    for index, (token, word) in enumerate(zip(tokens, words, strict=True)):
        if index:
            gap = token.start - tokens[index - 1].end
            parts.append(" " if gap > 0 else "")
        parts.append(word)
    text = "".join(parts)
    return " ".join(text.split())


def _dictionary_gender(token: Token) -> str | None:
    """The gender a name part must have whatever the tagger says ("Назарбаевой" can only be feminine)."""
    case = _CASES.get(token.feats.get("Case", ""))
    genders = set()
    for parse in _morph().parse(token.text.lower()):
        if (any(t in parse.tag for t in _NAME_TAGS) and "Fixd" not in parse.tag
                and (case is None or parse.tag.case == case)):
            genders.add(parse.tag.gender)
    return genders.pop() if len(genders) == 1 and None not in genders else None


def person_gender(tokens: list[Token]) -> str | None:
    """Gender of a person span: an unambiguous dictionary reading of a part wins over the tagger's guess."""
    parts = [t for t in tokens if _is_word(t) and not is_initial(t.text) and _CYRILLIC.search(t.text)]
    for token in reversed(parts):
        found = _dictionary_gender(token)
        if found:
            return found
    tagged = [_GENDERS.get(t.feats.get("Gender", "")) for t in parts]
    if "femn" in tagged and tagged.count("femn") >= tagged.count("masc"):
        return "femn"
    return "masc" if "masc" in tagged else None


def normalize_person(tokens: list[Token]) -> str:
    """"Касыма-Жомарта Токаева" → "Касым-Жомарт Токаев"; "Дарьи Назарбаевой" → "Дарья Назарбаева"."""
    if all(t.text.islower() for t in tokens if _is_word(t)):
        # A common noun tagged as a person ("американцев") keeps its number: "американцы".
        return normalize_phrase(tokens)
    gender = person_gender(tokens)
    words = [inflect_word(t, "name", gender) if _is_word(t) else t.text for t in tokens]
    return _join(tokens, words, None)


def _adjectival(token: Token) -> bool:
    """A word the tagger called a noun that is really an agreeing adjective or participle ("Соединённых")."""
    if token.pos == "VERB" and token.feats.get("VerbForm") == "Part":
        return True
    case = _CASES.get(token.feats.get("Case", ""))
    parses = _morph().parse(token.text.lower())
    if not parses or parses[0].tag.POS not in ("ADJF", "PRTF"):
        return False
    return case is None or any(p.tag.case == case and p.tag.POS in ("ADJF", "PRTF") for p in parses)


def normalize_phrase(tokens: list[Token]) -> str:
    """Locations and organisations: inflect leading adjectives and the head noun, keep the dependents."""
    words = [t.text for t in tokens]
    head = None
    for index, token in enumerate(tokens):
        if not _is_word(token):
            continue
        if token.pos in ("NOUN", "PROPN") and not _adjectival(token) or token.text.isupper():
            head = index
            break
        if token.pos != "ADJ" and not _adjectival(token):
            break
    if head is None:
        # No noun head found (tagger unsure): inflect the first word only.
        for index, token in enumerate(tokens):
            if _is_word(token):
                words[index] = inflect_word(token, "noun")
                break
        return _join(tokens, words, None)
    head_token = tokens[head]
    number = "plur" if head_token.feats.get("Number") == "Plur" else None
    words[head] = inflect_word(head_token, "noun", number=number)
    gender = _GENDERS.get(head_token.feats.get("Gender", ""))
    for index in range(head):
        if _is_word(tokens[index]):
            words[index] = inflect_word(tokens[index], "adj", gender=gender, number=number)
    return _join(tokens, words, None)


def normalize_tokens(tokens: list[Token], entity_type: str) -> str:
    """The nominative display form of a span of the given type (PER, LOC, ORG)."""
    if not tokens:
        return ""
    if entity_type == "PER":
        return normalize_person(tokens)
    return normalize_phrase(tokens)
