"""Russian named entities of documents: natasha/slovnet NER and morphology, then our fixes on top.

In: `EnrichInput` documents. Out: per document, a list of `EntityTag` — one per real-world entity, named by its
canonical nominative form, with every mention's offsets into its field and a salience in (0, 1].

What we add to plain natasha (each a measured weakness, see `bench_tag.py`):
- text is cut into lines before sentences, so a span never runs from a byline into the next line;
- names normalise through `names.py` (ё kept, feminine surnames kept, only the head phrase of organisations);
- mentions of one person (surname alone, initials, full name) merge into one entity named by the fullest form;
- the registry links names to canonical entities and catches known names and abbreviations the tagger missed
  (a word at the very start of a text, "РФ", "РК"); country adjectives count only before a noun that makes them
  an entity reference ("российская сторона", "казахстанский МИД").
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from razdel import sentenize, tokenize
from razdel.substring import Substring

from svodka.enrich.lemmas import fold, lemma
from svodka.enrich.names import Token, is_initial, match_key, normalize_tokens
from svodka.enrich.registry import Registry, RegistryEntry, default_registry, entity_key, slugify
from svodka.enrich.types import EnrichInput, EntityTag, Mention

# Longer texts are tagged up to this many characters: entities of a 5 MB dump are not worth minutes of CPU.
MAX_TEXT_CHARS = 60_000
# Sentences longer than this are cut at a space: the taggers' cost grows with the longest item in a batch.
MAX_PIECE_CHARS = 1_000
FIELD_WEIGHTS = {"title": 3.0, "lead": 2.0, "text": 1.0}
ENTITY_TYPES = ("PER", "LOC", "ORG")
# Nouns after which a country adjective names the country itself ("российская сторона", "американские власти").
_ENTITY_NOUNS = frozenset((
    "сторона", "власть", "правительство", "президент", "лидер", "руководство", "мид", "министерство", "министр",
    "делегация", "парламент", "посольство", "премьер-министр", "глава", "посол", "кабинет", "дипломат",
    "дипломатия", "парламентарий", "депутат",
))
# Words the tagger marks as organisations that name no particular one (or are events, not organisations).
_GENERIC = frozenset((
    "сми", "суд", "комиссия", "правительство", "кабинет", "парламент", "министерство", "ведомство", "власти",
    "блог", "blog", "брексит", "брекзит", "brexit", "интернет",
))
_LEGAL_FORMS = frozenset(["ПАО", "ОАО", "ЗАО", "ООО", "АО", "НАК", "НК", "ИА", "ТОО", "АК", "ГК", "ФГУП", "МУП"])
# Parts of speech a name never starts with ("Если Вы" is not an organisation).
_NOT_NAME_START = frozenset(("SCONJ", "CCONJ", "ADP", "PRON", "PART"))
_NER_LEAD = "— "
_WORD = re.compile(r"\w")
_UPPER_START = re.compile(r"^[А-ЯЁA-Z]")
_ABBREVIATION = re.compile(r"^[А-ЯЁA-Z]{2,6}$")


@dataclass
class _Piece:
    """A sentence of one field of one document: the unit the taggers see."""

    doc: int
    field: str
    offset: int
    text: str
    tokens: list[Token] = field(default_factory=list)


@dataclass
class _RawMention:
    type: str
    normal: str
    mention: Mention
    entry: RegistryEntry | None = None
    from_adjective: bool = False
    # Inside a longer name ("Литвы" of "МИД Литвы"): kept only when the entity is also named on its own.
    nested: bool = False


@lru_cache(maxsize=1)
def _models() -> tuple[Any, Any]:
    """natasha's morphology and NER taggers, loaded once per process, batching many sentences at a time."""
    from natasha import NewsEmbedding, NewsMorphTagger, NewsNERTagger
    from threadpoolctl import threadpool_limits

    # The taggers' matrices are small: a second BLAS thread per process only fights the other worker (measured
    # 4-6× slower on a busy 2-core machine), so each process computes on one core.
    threadpool_limits(1)
    embedding = NewsEmbedding()
    morph = NewsMorphTagger(embedding)
    ner = NewsNERTagger(embedding)
    morph.batch_size = 64
    ner.batch_size = 64
    return morph, ner


def _split_long(text: str, offset: int) -> list[tuple[int, str]]:
    if len(text) <= MAX_PIECE_CHARS:
        return [(offset, text)]
    parts = []
    start = 0
    while start < len(text):
        end = min(len(text), start + MAX_PIECE_CHARS)
        if end < len(text):
            cut = text.rfind(" ", start, end)
            end = cut if cut > start else end
        parts.append((offset + start, text[start:end]))
        start = end
    return parts


def _pieces(doc_index: int, field_name: str, text: str) -> list[_Piece]:
    """Lines cut into runs of whole sentences of at most MAX_PIECE_CHARS, with their offsets into the field.

    The tagger sees a sentence with its neighbours (a name opening a sentence is found more often) but never
    across a line break, so a byline does not run into the next line's name.
    """
    pieces = []
    line_start = 0
    for line in text.split("\n"):
        if line.strip():
            run_start: int | None = None
            run_end = 0
            for sentence in sentenize(line):
                if run_start is not None and sentence.stop - run_start > MAX_PIECE_CHARS:
                    pieces.extend(_run(doc_index, field_name, line, line_start, run_start, run_end))
                    run_start = None
                if run_start is None:
                    run_start = sentence.start
                run_end = sentence.stop
            if run_start is not None:
                pieces.extend(_run(doc_index, field_name, line, line_start, run_start, run_end))
        line_start += len(line) + 1
    return pieces


def _run(doc_index: int, field_name: str, line: str, line_start: int, start: int, end: int) -> list[_Piece]:
    return [_Piece(doc_index, field_name, offset, chunk)
            for offset, chunk in _split_long(line[start:end], line_start + start) if _WORD.search(chunk)]


@lru_cache(maxsize=50_000)
def _normalize_words(words: tuple[tuple[str, str, tuple[tuple[str, str], ...], bool], ...], entity_type: str) -> str:
    tokens = []
    position = 0
    for text, pos, feats, spaced in words:
        position += spaced
        tokens.append(Token(text, position, position + len(text), pos, dict(feats)))
        position += len(text)
    return normalize_tokens(tokens, entity_type)


def _normalize(tokens: list[Token], entity_type: str) -> str:
    """`normalize_tokens`, remembered: names recur within and across articles, and only the words, their tags
    and whether a space precedes each one decide the result."""
    words = tuple((t.text, t.pos, tuple(t.feats.items()), i > 0 and t.start > tokens[i - 1].end)
                  for i, t in enumerate(tokens))
    return _normalize_words(words, entity_type)


def _fields(doc: EnrichInput) -> list[tuple[str, str]]:
    fields = [("title", doc.title or ""), ("lead", doc.lead or ""), ("text", (doc.text or "")[:MAX_TEXT_CHARS])]
    return [(name, value) for name, value in fields if value and value.strip()]


def _ner_spans(ner: Any, pieces: list[_Piece], tokens: list[list[Substring]]) -> list[list[tuple[int, int, str]]]:
    """slovnet NER spans (piece-relative) of every piece, fed the pieces' razdel `tokens` (not tokenised again)."""
    from slovnet.bio import bio_spans

    infer = ner.infer
    # slovnet never tags the first token of its input ("Токаев подписал указ." finds nothing): lead with a dash,
    # a token just before the piece.
    lead = _NER_LEAD.strip()
    dash = Substring(-len(_NER_LEAD), -len(_NER_LEAD) + len(lead), lead)
    # Similar lengths in one batch waste less padding; results go back in the original order.
    order = sorted(range(len(pieces)), key=lambda i: len(pieces[i].tokens))
    words = [[lead, *(t.text for t in tokens[i])] for i in order]
    spans: list[list[tuple[int, int, str]]] = [[] for _ in pieces]
    for index, tags in zip(order, infer.decoder(infer.process(infer.encoder(words))), strict=True):
        found = bio_spans([dash, *tokens[index]], tags)
        spans[index] = [(max(0, s.start), s.stop, s.type) for s in found if s.stop > 0]
    return spans


@lru_cache(maxsize=4096)
def _morph_tag(tag: str) -> tuple[str, dict[str, str]]:
    """natasha's morphology tag string ("NOUN|Case=Gen|…") as part of speech and features (read-only)."""
    from slovnet.conll import parse_conll_tag

    pos, feats = parse_conll_tag(tag)
    return pos, dict(feats)


def _tag_pieces(pieces: list[_Piece], registry: Registry) -> list[list[tuple[int, int, str]]]:
    """NER spans (piece-relative) of every piece; morphology goes into the tokens of the sentences that need it.

    Only sentences holding a span or a possible registry name are morph-tagged: nothing else reads the tags.
    """
    morph, ner = _models()
    tokens = [list(tokenize(piece.text)) for piece in pieces]
    for piece, piece_tokens in zip(pieces, tokens, strict=True):
        piece.tokens = [Token(t.text, t.start, t.stop) for t in piece_tokens]
    spans = _ner_spans(ner, pieces, tokens)
    prefixes = registry.prefixes()
    sentences: list[list[Token]] = []
    for piece, piece_spans in zip(pieces, spans, strict=True):
        starts = [t.start for t in piece.tokens]
        for sentence in sentenize(piece.text):
            window = piece.tokens[bisect_left(starts, sentence.start): bisect_left(starts, sentence.stop)]
            inside = [t for t in window if t.end <= sentence.stop]
            if not inside:
                continue
            has_span = any(start < sentence.stop and sentence.start < stop for start, stop, _ in piece_spans)
            if has_span or any(fold(t.text[:4]) in prefixes for t in inside):
                sentences.append(inside)
    sentences.sort(key=len)
    infer = morph.infer
    tagged = infer.decoder(infer.process(infer.encoder([[t.text for t in ts] for ts in sentences])))
    for sentence_tokens, tags in zip(sentences, tagged, strict=True):
        for token, tag in zip(sentence_tokens, tags, strict=True):
            token.pos, token.feats = _morph_tag(tag)
    return spans


_INITIALS_BEFORE = re.compile(r"(?:[А-ЯЁA-Z]\.\s?-?\s?)+$")


def _repair_spans(piece: _Piece, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str, bool]]:
    """Fix the tagger's span edges: pull in initials it cut off ("К.-Ж. Токаев"); join "МИД" + "Литвы"."""
    repaired: list[tuple[int, int, str]] = []
    nested: list[tuple[int, int, str]] = []
    for start, stop, span_type in sorted(spans):
        if span_type == "PER":
            before = _INITIALS_BEFORE.search(piece.text[max(0, start - 12): start])
            if before and (not repaired or repaired[-1][1] <= start - len(before.group(0))):
                start -= len(before.group(0))
        if repaired and span_type in ("LOC", "ORG") and repaired[-1][2] == "ORG" \
                and piece.text[repaired[-1][1]: start] == " ":
            head = next((t for t in piece.tokens if t.start == start), None)
            if head is not None and head.feats.get("Case") == "Gen":
                # The whole "МИД Литвы" is the organisation; the place inside stays an entity of its own.
                repaired[-1] = (repaired[-1][0], stop, "ORG")
                if span_type == "LOC":
                    nested.append((start, stop, span_type))
                continue
        repaired.append((start, stop, span_type))
    return [(*span, False) for span in repaired] + [(*span, True) for span in nested]


def _span_tokens(piece: _Piece, start: int, stop: int) -> list[Token]:
    """The span's tokens without edge punctuation, cut before a bracket ("Европейская комиссия (ЕК)")."""
    tokens = [t for t in piece.tokens if t.start >= start and t.end <= stop]
    for index, token in enumerate(tokens):
        if token.text == "(" and index > 0:
            tokens = tokens[:index]
            break
    while tokens and not _WORD.search(tokens[-1].text):
        tokens.pop()
    while tokens and not _WORD.search(tokens[0].text):
        tokens.pop(0)
    quotes = sum(t.text in "«»\"" for t in tokens)
    if quotes % 2:
        tokens = [t for t in tokens if t.text not in "«»\""]
    return tokens


def _strip_descriptors(tokens: list[Token]) -> list[Token]:
    """Trim what the tagger pulled into a name: leading common nouns ("Христианка Асия Биби" → "Асия Биби")
    and anything from a conjunction or pronoun on."""
    while len(tokens) > 1 and tokens[0].pos == "NOUN" and any(t.pos == "PROPN" for t in tokens[1:]):
        tokens = tokens[1:]
    # A name stops at a conjunction or pronoun the tagger ran into ("Мухаммед Если Вы").
    for index, token in enumerate(tokens[1:], start=1):
        if token.pos in _NOT_NAME_START:
            return tokens[:index]
    return tokens


def _bracketed(piece: _Piece, tokens: list[Token], stop: int) -> list[Token]:
    """Words in brackets right after the kept tokens and inside the tagger's span, e.g. "(ЕК)"."""
    after = [t for t in piece.tokens if t.start >= tokens[-1].end and t.end <= stop + 1]
    if len(after) < 3 or after[0].text != "(":
        return []
    inner = []
    for token in after[1:]:
        if token.text == ")":
            return inner if 0 < len(inner) <= 4 else []
        inner.append(token)
    return []


def _plausible(tokens: list[Token], span_type: str, next_word: bool = False) -> bool:
    """Drop tagger spans that cannot be names: lone adjectives ("Северный"), generic words ("СМИ", "Суд")."""
    words = [t for t in tokens if _WORD.search(t.text)]
    if not words:
        return False
    if all(t.pos in ("ADJ", "VERB", "ADV", "DET") for t in words) and (next_word or span_type == "PER"):
        # An adjective whose noun the tagger left out ("Северный" of "Северный поток"); a lone one is elliptic
        # ("в Вологодской, Тульской областях") and kept.
        return False
    if len(words) == 1 and match_key(words[0].text) in _GENERIC:
        return False
    if words[0].pos in _NOT_NAME_START and not words[0].text.isupper():
        return False
    # A person needs a capitalised or proper-noun word.
    return span_type != "PER" or any(t.pos == "PROPN" or t.text[:1].isupper() for t in words)


def _mention(piece: _Piece, tokens: list[Token]) -> Mention:
    start, end = tokens[0].start, tokens[-1].end
    return Mention(piece.text[start:end], piece.offset + start, piece.offset + end, piece.field)


def _gazetteer(piece: _Piece, covered: set[int], registry: Registry, adjectives: bool) -> list[_RawMention]:
    """Registry names and abbreviations the tagger left out, and country adjectives used as references."""
    found = []
    tokens = piece.tokens
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if index in covered or not _WORD.search(token.text):
            index += 1
            continue
        if adjectives and token.pos == "ADJ" and index + 1 < len(tokens):
            entry = registry.lookup_adjective(lemma(token.text))
            head = tokens[index + 1]
            if entry is not None and (lemma(head.text) in _ENTITY_NOUNS or head.text in ("МИД", "МВД")):
                found.append(_RawMention(entry.type, entry.name, _mention(piece, [token]), entry, True))
                index += 1
                continue
        if _UPPER_START.match(token.text):
            matched = False
            for size in (3, 2, 1):
                window = tokens[index: index + size]
                if len(window) < size or any(i in covered for i in range(index, index + size)):
                    continue
                if not all(_WORD.search(t.text) or t.text in "-." for t in window) or not _WORD.search(window[-1].text):
                    continue
                text = piece.text[window[0].start: window[-1].end]
                if size == 1 and len(text) < 2:
                    continue
                entry = registry.lookup(text, "LOC")
                if entry is not None and entry.type == "PER":
                    entry = registry.lookup(_normalize(window, "PER"), "PER")
                if entry is None:
                    continue
                # A lone capitalised common word is only trusted when it is an abbreviation or a known name form.
                if size == 1 and not _ABBREVIATION.match(text) and entry.type != "PER" and token.pos not in ("PROPN",):
                    continue
                found.append(_RawMention(entry.type, entry.name, _mention(piece, window), entry))
                index += size
                matched = True
                break
            if matched:
                continue
        index += 1
    return found


_GLUED_INITIALS = re.compile(r"^(?:[А-ЯЁA-Z]\.)+(?=[А-ЯЁA-Z][а-яёa-z])")


def _person_parts(normal: str) -> list[str]:
    """Name parts without initials, also glued ones ("Т.Мэй" → ["Мэй"])."""
    parts = [_GLUED_INITIALS.sub("", p) for p in normal.split()]
    return [p for p in parts if p and not is_initial(p)]


def _fullness(normal: str) -> tuple[int, int]:
    parts = normal.split()
    return (len(_person_parts(normal)), -sum(is_initial(p) for p in parts))


def _group_persons(mentions: list[_RawMention]) -> list[list[_RawMention]]:
    """Merge mentions of one person: a surname alone or with initials joins the full name it ends."""
    groups: dict[str, list[_RawMention]] = {}
    full_by_surname: dict[str, list[str]] = {}
    full_by_first: dict[str, list[str]] = {}
    short: list[_RawMention] = []
    for item in mentions:
        parts = _person_parts(item.normal)
        if len(parts) >= 2:
            key = match_key(" ".join(parts))
            groups.setdefault(key, []).append(item)
            full_by_surname.setdefault(fold(parts[-1]), []).append(key)
            full_by_first.setdefault(fold(parts[0]), []).append(key)
        else:
            short.append(item)
    for item in short:
        parts = _person_parts(item.normal) or item.normal.split()
        word = fold(parts[-1]) if parts else fold(item.normal)
        surface = fold(item.mention.text.split()[-1]) if item.mention.text.split() else word
        candidates = (full_by_surname.get(word) or full_by_surname.get(surface)
                      or (full_by_first.get(word) if len(item.normal.split()) == 1 else None))
        if not candidates and word.endswith("а") and not item.entry:
            # "Токаева" read as a feminine surname while "… Токаев" is in the text: a misread genitive.
            candidates = full_by_surname.get(word[:-1])
        if candidates:
            target = Counter(candidates).most_common(1)[0][0]
            groups[target].append(item)
        else:
            groups.setdefault(word, []).append(item)
    # Short groups whose surname is the registry's: "Токаев" alone links to the canonical full name.
    return list(groups.values())


def _group_others(mentions: list[_RawMention]) -> list[list[_RawMention]]:
    """Group places and organisations by canonical id or folded name; a name that starts a longer name of the
    same type in the document ("Верховный суд" / "Верховный суд Пакистана") joins it."""
    groups: dict[str, list[_RawMention]] = {}
    for item in mentions:
        key = item.entry.entity_id if item.entry else match_key(item.normal)
        groups.setdefault(key, []).append(item)
    names = {key: key for key in groups if ":" not in key}
    for key in sorted(names, key=len):
        longer = [other for other in names if other != key and other.startswith(key + " ")
                  and groups[other][0].type == groups[key][0].type]
        if len(longer) == 1:
            groups[longer[0]].extend(groups.pop(key))
    return list(groups.values())


def _salience_score(mentions: list[Mention], adjectives: int = 0) -> float:
    """Field weights summed over mentions, a bonus for the opening of the text; adjective mentions count half."""
    score = -0.5 * adjectives
    for m in mentions:
        score += FIELD_WEIGHTS.get(m.field, 1.0)
        if m.field == "text" and m.start < 400:
            score += 0.5
    return score


def _build_entity(group: list[_RawMention], registry: Registry) -> EntityTag:
    best = max(group, key=lambda m: (_fullness(m.normal) if m.type == "PER" else (0, 0), len(m.normal)))
    if best.type == "PER" and len(_person_parts(best.normal)) >= 2:
        # A full name decides alone: a bare surname must not pull "Дарига Назарбаева" to "Нурсултан Назарбаев".
        entry = best.entry or registry.lookup(best.normal, "PER")
    else:
        entry = next((m.entry for m in group if m.entry), None) or registry.lookup(best.normal, best.type)
    types = Counter(m.type for m in group)
    if entry is not None:
        name, entity_type, entity_id, slug, topic = entry.name, entry.type, entry.entity_id, entry.slug, entry.topic
    else:
        entity_type = types.most_common(1)[0][0]
        candidates = [m.normal for m in group if m.type == entity_type] or [m.normal for m in group]
        counts = Counter(candidates)
        if entity_type == "PER":
            name = max(counts, key=lambda n: (_fullness(n), counts[n]))
        else:
            name = max(counts, key=lambda n: (counts[n], len(n)))
        entity_id, slug, topic = entity_key(entity_type, name), slugify(name), None
    mentions = sorted((m.mention for m in group), key=lambda m: (list(FIELD_WEIGHTS).index(m.field), m.start))
    aliases = sorted({m.normal for m in group} - {name})
    adjectives = sum(m.from_adjective for m in group)
    return EntityTag(name, entity_type, entity_id, slug, _salience_score(mentions, adjectives), mentions, aliases,
                     topic, adjective_only=adjectives == len(group))


def _entities_of(mentions: list[_RawMention], registry: Registry, adjective_only: bool = False) -> list[EntityTag]:
    persons = [m for m in mentions if m.type == "PER"]
    others = [m for m in mentions if m.type != "PER"]
    groups = _group_persons(persons) + _group_others(others)
    # A country known only from adjectives is no entity of the text unless asked for (measured precision 0.06
    # on BSNLP); its adjectives still add salience when the country is also named.
    entities = [_build_entity(g, registry) for g in groups
                if g and not all(m.nested or (m.from_adjective and not adjective_only) for m in g)]
    # Groups that resolved to the same canonical entity (e.g. "Токаев" and "Тоқаев") become one.
    merged: dict[str, EntityTag] = {}
    for entity in entities:
        if entity.entity_id in merged:
            kept = merged[entity.entity_id]
            kept.mentions = sorted(kept.mentions + entity.mentions,
                                   key=lambda m: (list(FIELD_WEIGHTS).index(m.field), m.start))
            kept.aliases = sorted(set(kept.aliases) | set(entity.aliases))
            kept.salience += entity.salience
            kept.adjective_only = kept.adjective_only and entity.adjective_only
        else:
            merged[entity.entity_id] = entity
    result = list(merged.values())
    top = max((e.salience for e in result), default=1.0) or 1.0
    for entity in result:
        entity.salience = round(entity.salience / top, 4)
    result.sort(key=lambda e: (-e.salience, e.name))
    return result


def extract_entities_many(docs: list[EnrichInput], registry: Registry | None = None, adjectives: bool = True,
                          adjective_only: bool = False) -> list[list[EntityTag]]:
    """Entities of each document, in input order; the taggers run batched over all their sentences.

    `adjectives` reads country adjectives before entity nouns ("российская сторона") as mentions of the country;
    `adjective_only` also keeps a country that only such adjectives name.
    """
    registry = registry or default_registry()
    pieces: list[_Piece] = []
    for index, doc in enumerate(docs):
        for field_name, value in _fields(doc):
            pieces.extend(_pieces(index, field_name, value))
    if not pieces:
        return [[] for _ in docs]
    spans = _tag_pieces(pieces, registry)
    raw: list[list[_RawMention]] = [[] for _ in docs]
    short_forms: list[dict[str, tuple[str, RegistryEntry | None]]] = [{} for _ in docs]
    for piece, piece_spans in zip(pieces, spans, strict=True):
        covered: set[int] = set()
        for start, stop, span_type, is_nested in _repair_spans(piece, piece_spans):
            if span_type not in ENTITY_TYPES:
                continue
            tokens = _span_tokens(piece, start, stop)
            if span_type == "PER":
                tokens = _strip_descriptors(tokens)
            elif len(tokens) > 1 and tokens[0].text.upper() in _LEGAL_FORMS:
                # "ПАО «Газпром»" is the company "Газпром".
                tokens = _span_tokens(piece, tokens[1].start, tokens[-1].end)
            following = next((t for t in piece.tokens if t.start >= stop), None)
            next_word = following is not None and bool(_WORD.search(following.text))
            if not tokens or not _plausible(tokens, span_type, next_word):
                continue
            covered.update(i for i, t in enumerate(piece.tokens) if t.start >= start and t.end <= stop)
            normal = _normalize(tokens, span_type)
            if not normal or not _WORD.search(normal):
                continue
            mention = _mention(piece, tokens)
            entry = registry.lookup(normal, span_type)
            raw[piece.doc].append(_RawMention(span_type, normal, mention, entry, nested=is_nested))
            inner = _bracketed(piece, tokens, stop)
            if inner:
                # "Европейская комиссия (ЕК)": the bracketed short form is another mention of the same entity,
                # and so is the short form alone elsewhere in the document.
                short = _mention(piece, inner)
                raw[piece.doc].append(_RawMention(span_type, normal, short, entry))
                short_forms[piece.doc].setdefault(match_key(short.text), (normal, entry))
        raw[piece.doc].extend(_gazetteer(piece, covered, registry, adjectives))
    for items, shorts in zip(raw, short_forms, strict=True):
        for item in items:
            found = shorts.get(match_key(item.normal))
            if found and item.entry is None:
                item.normal, item.entry = found
    return [_entities_of(items, registry, adjective_only) for items in raw]


def extract_entities(doc: EnrichInput, registry: Registry | None = None) -> list[EntityTag]:
    """Entities of one document (see `extract_entities_many`)."""
    return extract_entities_many([doc], registry)[0]
