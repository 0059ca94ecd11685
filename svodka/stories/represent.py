"""What the clusterer knows about one article: content lemmas, names, numbers and text shingles.

`ClusterItem` goes in (one article as the pipeline or `svodka cluster` sees it), `ArticleFeatures` comes out.
Weighting by IDF happens later in `cluster.py`, because IDF depends on the recent window, not on the article.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from svodka.enrich.lemmas import fold, lemma
from svodka.enrich.lemmas import morph_analyzer as _morph

ItemId = int | str

# Only the opening of a long text is lemmatised: the event is stated there, and it bounds the cost per article.
BODY_WORDS = 220
SHINGLE_WORDS = 400
# The opening lines, where a news text dates its event ("Москва. 11 ноября."; "Во вторник, 5 ноября, ...").
LEAD_CHARS = 300

# A regex tokenizer: an order of magnitude faster than razdel, and exact token boundaries matter little here.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)+|\w+(?:[-'’ʼ]\w+)*|[^\w\s]|\n")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)+")
_SENTENCE_END = {".", "!", "?", "…", "\n", "«", "—", ":"}
_MONTHS = "января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря"
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})\s+({_MONTHS})\b", re.IGNORECASE)
_FUNCTION_POS = {"PREP", "CONJ", "PRCL", "INTJ", "NPRO", "PRED", "NUMR"}

# Words every news text has: sharing them says nothing about sharing an event.
_GENERIC_WORDS = """
    быть мочь стать сказать заявить сообщить сообщать рассказать отметить добавить подчеркнуть пояснить
    уточнить передавать передать говорить написать писать считать также который этот тот свой весь год
    время день человек новость информация данные ранее сегодня вчера завтра однако кроме ещё еще очень
    самый новый первый второй один два три номер раз являться иметь мочь хотеть нужно надо можно должный
    другой такой какой каждый пока уже лишь только просто около более менее несколько многие весь
    рассказывать отмечать объявить заявлять сообщаться источник издание агентство корреспондент
    пресс-служба пресс служба фото видео читать подробно подробность материал риа тасс интерфакс
    неделя месяц час минута утро вечер ночь понедельник вторник среда четверг пятница суббота воскресенье
    январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь также
"""
GENERIC_LEMMAS = frozenset(_GENERIC_WORDS.split())


@dataclass
class ClusterItem:
    """One article entering the clusterer. `published` must be timezone-aware; `entity_ids` are optional."""

    id: ItemId
    url: str
    title: str
    text: str
    published: datetime
    source: str
    entity_ids: list[str] = field(default_factory=list)


@dataclass
class ArticleFeatures:
    """Counts of content lemmas (title counted twice), title lemmas, names, numbers and word shingles."""

    terms: Counter[str]
    title_terms: Counter[str]
    names: frozenset[str]
    numbers: frozenset[str]
    shingles: frozenset[str]
    # Calendar dates named in the headline ("8 ноября"): two headlines naming different days are different events.
    title_dates: frozenset[str] = frozenset()
    # Day-and-month mentions of the headline and the opening lines (see `LEAD_CHARS`).
    lead_dates: frozenset[str] = frozenset()


@lru_cache(maxsize=400_000)
def _analyse(word: str, proper: bool) -> tuple[str, str | None, bool]:
    """(folded form, lemma or None for a function/generic word, counts as a name) of one word token."""
    form = fold(word)
    if len(form) < 2 or not any(ch.isalpha() for ch in form):
        return form, None, False
    parses = _morph().parse(form)
    if parses and parses[0].tag.POS in _FUNCTION_POS:
        return form, None, False
    base = lemma(word, proper)
    if base in GENERIC_LEMMAS:
        return form, None, False
    return form, base, proper or (len(word) > 1 and word.isupper())


def _scan(text: str, limit: int, lemma_limit: int) -> tuple[list[str], list[str], list[str], list[str]]:
    """Lemmas of content words, lemmas of in-sentence capitalised words, numbers and folded word forms.

    Word forms are collected for the first `limit` words, lemmas and numbers only for the first `lemma_limit`.
    """
    lemmas: list[str] = []
    names: list[str] = []
    numbers: list[str] = []
    forms: list[str] = []
    sentence_start = True
    for value in _TOKEN.findall(text):
        if not value[0].isalnum():
            sentence_start = sentence_start or value in _SENTENCE_END
            continue
        if len(forms) >= lemma_limit:
            if len(forms) >= limit:
                break
            forms.append(value.lower().replace("ё", "е"))
            continue
        if value[0].isdigit():
            forms.append(value)
            if len(value) >= 2 or not value.isdigit():
                numbers.append(value.replace(",", "."))
            sentence_start = False
            continue
        form, base, is_name = _analyse(value, value[0].isupper() and not sentence_start)
        sentence_start = False
        forms.append(form)
        if base is not None:
            lemmas.append(base)
            if is_name:
                names.append(base)
    return lemmas, names, numbers, forms


def shingle_set(forms: list[str], width: int = 3) -> frozenset[str]:
    """Overlapping word n-grams; a text shorter than `width` words is one shingle."""
    if len(forms) < width:
        return frozenset({" ".join(forms)}) if forms else frozenset()
    return frozenset(" ".join(forms[i : i + width]) for i in range(len(forms) - width + 1))


def represent(item: ClusterItem) -> ArticleFeatures:
    """Features of an article from its title, the opening of its text and its entity ids (if any)."""
    title = (item.title or "").strip()
    text = (item.text or "").strip()
    title_lemmas, title_names, title_numbers, title_forms = _scan(title, 60, 60)
    body_lemmas, body_names, body_numbers, body_forms = _scan(text, SHINGLE_WORDS, BODY_WORDS)
    terms: Counter[str] = Counter(body_lemmas)
    for word in title_lemmas:
        terms[word] += 2
    names = set(title_names) | set(body_names[:40])
    names.update(f"e:{entity}" for entity in item.entity_ids)
    numbers = {n for n in (*title_numbers, *body_numbers[:30]) if not _is_plain_year(n)}
    return ArticleFeatures(
        terms=terms,
        title_terms=Counter(title_lemmas),
        names=frozenset(names),
        numbers=frozenset(numbers),
        shingles=shingle_set(title_forms + body_forms[:SHINGLE_WORDS]),
        title_dates=title_dates(title),
        lead_dates=title_dates(f"{title}\n{text[:LEAD_CHARS]}"),
    )


def title_dates(title: str) -> frozenset[str]:
    """Day-and-month mentions of a headline (or any short text), normalised ("08 ноября" -> "8 ноября")."""
    return frozenset(f"{int(day)} {month.lower()}" for day, month in _DAY_MONTH.findall(title))


def _is_plain_year(number: str) -> bool:
    """Years are shared by every story of a season: they are not evidence of one event."""
    return len(number) == 4 and number.isdigit() and 1990 <= int(number) <= 2100
