"""`svodka bench tag`: entity tags, normalisation, factRuEval NER and throughput — ours beside plain natasha.

All on `../shared/data`, both systems in the same run:
- document-level entity tags on BSNLP's five annotated topics: gold is one entity per cross-lingual id (types PER,
  LOC, ORG); a predicted entity matches an id when its name or one of its mention texts equals (folded) a gold
  mention or base form of that id with the same type; a tag whose name the gold types PRO/EVT/MISC (a newspaper
  as PRO, Brexit as EVT) is not scored; a second entity matching an already-matched id, or one
  matching nothing, is a false positive;
- normalisation of the gold BSNLP mentions (located in the text, tagged in context) to their gold base forms;
- factRuEval-2016 test set, token-level F1 per type (Person → PER, Location/LocOrg → LOC, Org → ORG; gold nests,
  so a token may count for several types);
- throughput in documents per second vs natasha one document at a time (its models loaded beforehand): our whole
  tagging on a warm worker pool, and `svodka tag` as a subprocess with its start-up included.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from svodka.corpora import require_shared_data
from svodka.corpora.bsnlp import ALL_TOPICS, ANNOTATED_TOPICS, BsnlpDocument, iter_documents
from svodka.enrich.names import Token, match_key, normalize_tokens
from svodka.enrich.types import EnrichInput, EntityTag

TYPES = ("PER", "LOC", "ORG")
FACTRU_TYPES = {"Person": "PER", "Location": "LOC", "LocOrg": "LOC", "Org": "ORG"}


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Predicted:
    """A document-level tag of either system: its type and every string that may identify it."""

    type: str
    keys: set[str] = field(default_factory=set)



class Natasha:
    """Plain natasha: segment, morphology, NER and its own span normalisation, one document at a time."""

    def __init__(self) -> None:
        from natasha import MorphVocab, NewsEmbedding, NewsMorphTagger, NewsNERTagger, Segmenter
        from threadpoolctl import threadpool_limits

        # The same one BLAS thread as our taggers use, so both are measured alike.
        threadpool_limits(1)
        self.segmenter = Segmenter()
        embedding = NewsEmbedding()
        self.morph = NewsMorphTagger(embedding)
        self.ner = NewsNERTagger(embedding)
        self.vocab = MorphVocab()

    def doc(self, text: str, ner: bool = True) -> Any:
        from natasha import Doc

        doc = Doc(text)
        doc.segment(self.segmenter)
        doc.tag_morph(self.morph)
        if ner:
            doc.tag_ner(self.ner)
        return doc

    def tags(self, text: str) -> list[Predicted]:
        """One tag per distinct (type, normal form), as a plain natasha pipeline would tag a document."""
        doc = self.doc(text)
        found: dict[tuple[str, str], Predicted] = {}
        for span in doc.spans:
            if span.type not in TYPES:
                continue
            span.normalize(self.vocab)
            normal = span.normal or span.text
            item = found.setdefault((span.type, match_key(normal)), Predicted(span.type, {match_key(normal)}))
            item.keys.add(match_key(span.text))
        return list(found.values())


def _doc_text(doc: BsnlpDocument) -> str:
    return doc.title + "\n" + doc.text


def _our_predicted(entities: list[EntityTag]) -> list[Predicted]:
    return [Predicted(e.type, {match_key(e.name), *(match_key(a) for a in e.aliases),
                               *(match_key(m.text) for m in e.mentions)}) for e in entities]


def score_document(gold: list[Any], predicted: list[Predicted], score: Score) -> None:
    """Add one document's document-level tag counts to `score` (see the module docstring for the rule)."""
    keys: dict[str, set[str]] = defaultdict(set)
    types: dict[str, str] = {}
    # Names the gold types outside PER/LOC/ORG (media as PRO, Brexit as EVT) are not scored either way.
    other_types = {match_key(a.mention) for a in gold if a.type not in TYPES}
    other_types |= {match_key(a.base) for a in gold if a.type not in TYPES}
    for ann in gold:
        if ann.type in TYPES:
            keys[ann.entity_id] |= {match_key(ann.mention), match_key(ann.base)}
            types[ann.entity_id] = ann.type
    matched: set[str] = set()
    for item in predicted:
        ids = [i for i in keys if types[i] == item.type and keys[i] & item.keys]
        free = [i for i in ids if i not in matched]
        if free:
            matched.add(free[0])
            score.tp += 1
        elif not ids and item.keys & other_types:
            continue
        else:
            score.fp += 1
    score.fn += len(set(keys) - matched)


def bench_document_tags(docs: list[BsnlpDocument], natasha: Natasha) -> tuple[Score, Score, dict[str, Score], Score]:
    """Document-level tag scores of natasha and ours, ours per type, and our entities known only from country
    adjectives ("российская сторона") scored alone (their precision)."""
    from svodka.enrich.entities import extract_entities_many

    base, ours = Score(), Score()
    by_type = {t: Score() for t in TYPES}
    adjectives = Score()
    inputs = [EnrichInput(d.doc_id, d.title, d.text) for d in docs]
    found = extract_entities_many(inputs)
    for doc, entities in zip(docs, found, strict=True):
        score_document(doc.annotations, natasha.tags(_doc_text(doc)), base)
        predicted = _our_predicted(entities)
        score_document(doc.annotations, predicted, ours)
        for entity_type in TYPES:
            score_document([a for a in doc.annotations if a.type == entity_type],
                           [p for p in predicted if p.type == entity_type], by_type[entity_type])
    # The same documents with countries named only by adjectives kept as entities: how often is that right?
    for doc, entities in zip(docs, extract_entities_many(inputs, adjective_only=True), strict=True):
        only_adjectives = [p for p, e in zip(_our_predicted(entities), entities, strict=True) if e.adjective_only]
        if only_adjectives:
            score_document(doc.annotations, only_adjectives, adjectives)
    adjectives.fn = 0
    return base, ours, by_type, adjectives


def _locate(text: str, mention: str) -> tuple[int, int] | None:
    found = re.search(r"(?<!\w)" + re.escape(mention) + r"(?!\w)", text, flags=re.IGNORECASE)
    return (found.start(), found.end()) if found else None


def bench_normalisation(docs: list[BsnlpDocument], natasha: Natasha) -> tuple[int, int, int, list[str]]:
    """(mentions, natasha exact, ours exact, a few of our misses) over gold PER/LOC/ORG mentions found in text."""
    from natasha.doc import DocSpan

    total = natasha_ok = ours_ok = 0
    misses: list[str] = []
    for doc in docs:
        text = _doc_text(doc)
        tagged = None
        for ann in doc.annotations:
            if ann.type not in TYPES:
                continue
            where = _locate(text, ann.mention)
            if where is None:
                continue
            tagged = tagged or natasha.doc(text, ner=False)
            tokens = [t for t in tagged.tokens if t.start >= where[0] and t.stop <= where[1]]
            if not tokens:
                continue
            total += 1
            span = DocSpan(where[0], where[1], ann.type, text[where[0]: where[1]], tokens=tokens)
            span.normalize(natasha.vocab)
            gold = match_key(ann.base)
            natasha_ok += match_key(span.normal or "") == gold
            ours = normalize_tokens([Token(t.text, t.start, t.stop, t.pos, dict(t.feats)) for t in tokens], ann.type)
            if match_key(ours) == gold:
                ours_ok += 1
            elif len(misses) < 15:
                misses.append(f"{text[where[0]: where[1]]} → {ours} (gold {ann.base})")
    return total, natasha_ok, ours_ok, misses


def _factru_documents(limit: int) -> list[tuple[str, dict[tuple[int, int], set[str]]]]:
    """factRuEval test documents: text and gold types per token (start, end)."""
    root = require_shared_data("factru", "testset")
    result = []
    texts = [t for t in sorted(root.glob("*.txt")) if t.with_suffix(".tokens").is_file()]
    for txt in texts[: limit or None]:
        stem = txt.with_suffix("")
        text = txt.read_text(encoding="utf-8")
        tokens: dict[str, tuple[int, int]] = {}
        for line in stem.with_suffix(".tokens").read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) >= 3:
                tokens[parts[0]] = (int(parts[1]), int(parts[1]) + int(parts[2]))
        spans: dict[str, list[str]] = {}
        for line in stem.with_suffix(".spans").read_text(encoding="utf-8").splitlines():
            parts = line.split("#")[0].split()
            if len(parts) >= 6:
                first, count = parts[4], int(parts[5])
                ids = sorted(tokens, key=lambda k: tokens[k])
                index = ids.index(first) if first in tokens else -1
                spans[parts[0]] = ids[index: index + count] if index >= 0 else []
        gold: dict[tuple[int, int], set[str]] = defaultdict(set)
        for line in stem.with_suffix(".objects").read_text(encoding="utf-8").splitlines():
            parts = line.split("#")[0].split()
            if len(parts) >= 3 and parts[1] in FACTRU_TYPES:
                for span_id in parts[2:]:
                    for token_id in spans.get(span_id, []):
                        gold[tokens[token_id]].add(FACTRU_TYPES[parts[1]])
        result.append((text, dict(gold)))
    return result


def _token_scores(text: str, gold: dict[tuple[int, int], set[str]], spans: Iterable[tuple[int, int, str]],
                  scores: dict[str, Score]) -> None:
    from razdel import tokenize

    # Gold nests ("МИД РФ": ORG over LOC), so a token may carry several gold and several predicted types.
    predicted: dict[tuple[int, int], set[str]] = defaultdict(set)
    for token in tokenize(text):
        for start, end, entity_type in spans:
            if start <= token.start and token.stop <= end:
                predicted[(token.start, token.stop)].add(entity_type)
    for entity_type in TYPES:
        score = scores[entity_type]
        for span, values in predicted.items():
            if entity_type in values:
                if entity_type in gold.get(span, set()):
                    score.tp += 1
                else:
                    score.fp += 1
        score.fn += sum(1 for span, types in gold.items()
                        if entity_type in types and entity_type not in predicted.get(span, set()))


def bench_factru(limit: int, natasha: Natasha) -> tuple[dict[str, Score], dict[str, Score]]:
    """Token-level F1 per type on factRuEval's test set: natasha spans vs our entity mentions."""
    from svodka.enrich.entities import extract_entities_many

    docs = _factru_documents(limit)
    base = {t: Score() for t in TYPES}
    ours = {t: Score() for t in TYPES}
    found = extract_entities_many([EnrichInput(i, "", text) for i, (text, _) in enumerate(docs)], adjectives=False)
    for (text, gold), entities in zip(docs, found, strict=True):
        spans = [(s.start, s.stop, s.type) for s in natasha.doc(text).spans]
        _token_scores(text, gold, spans, base)
        mine = [(m.start, m.end, e.type) for e in entities for m in e.mentions if m.field == "text"]
        _token_scores(text, gold, mine, ours)
    return base, ours


def _entities_chunk(docs: list[EnrichInput]) -> int:
    from svodka.enrich.entities import extract_entities_many

    return sum(len(found) for found in extract_entities_many(docs))


def bench_speed(count: int, workers: int, natasha: Natasha) -> tuple[int, float, float, float, float]:
    """(documents, natasha docs/s one at a time, our entity stage docs/s on a warm pool of `workers` processes,
    the whole enrichment (language, category, figures, entities, tags) docs/s on a warm pool, and full
    `svodka tag` docs/s as a subprocess with its start-up included). natasha's rate excludes its model loading,
    so the warm rates are the like-for-like comparison; the subprocess rate shows what start-up costs."""
    from concurrent.futures import ProcessPoolExecutor

    from svodka.enrich.tagger import CHUNK_DOCS, Enricher, _warm_worker

    docs = [d for d in iter_documents(ALL_TOPICS) if d.text.strip()][:count]
    start = time.perf_counter()
    for doc in docs:
        for span in natasha.doc(_doc_text(doc)).spans:
            span.normalize(natasha.vocab)
    natasha_rate = len(docs) / (time.perf_counter() - start)
    inputs = [EnrichInput(d.doc_id, d.title, d.text) for d in docs]
    chunks = [inputs[i: i + CHUNK_DOCS] for i in range(0, len(inputs), CHUNK_DOCS)]
    with ProcessPoolExecutor(workers, initializer=_warm_worker) as pool:
        list(pool.map(_entities_chunk, chunks[:workers]))
        start = time.perf_counter()
        list(pool.map(_entities_chunk, chunks))
        entities_rate = len(docs) / (time.perf_counter() - start)
    with Enricher(workers=workers) as enricher:
        enricher.enrich_many(inputs[: CHUNK_DOCS * max(workers, 2)])
        start = time.perf_counter()
        enriched = enricher.enrich_many(inputs)
        whole_rate = len(docs) / (time.perf_counter() - start)
    if len(enriched) != len(docs):
        raise RuntimeError(f"the enricher returned {len(enriched)} results for {len(docs)} documents")
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        source.write_text("".join(json.dumps({"id": d.doc_id, "title": d.title, "text": d.text}, ensure_ascii=False)
                                  + "\n" for d in docs), encoding="utf-8")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "svodka", "tag", str(source), "-o", str(target),
                        "--workers", str(workers)], check=True, capture_output=True)
        ours_rate = len(docs) / (time.perf_counter() - start)
        lines = target.read_text(encoding="utf-8").splitlines()
        if len(lines) != len(docs):
            raise RuntimeError(f"svodka tag wrote {len(lines)} lines for {len(docs)} documents")
    return len(docs), natasha_rate, entities_rate, whole_rate, ours_rate


def _sample(docs: list[BsnlpDocument], per_topic: int) -> list[BsnlpDocument]:
    if not per_topic:
        return docs
    taken: dict[str, int] = defaultdict(int)
    result = []
    for doc in docs:
        if taken[doc.topic] < per_topic:
            taken[doc.topic] += 1
            result.append(doc)
    return result


def run_bench(sample: int = 0, factru_docs: int = 0, speed_docs: int = 200, workers: int = 2) -> None:
    """Run every measurement and print one table; `sample` limits BSNLP documents per topic (0 = all)."""
    console = Console(width=130)
    natasha = Natasha()
    docs = _sample(list(iter_documents(ANNOTATED_TOPICS, annotated_only=True)), sample)
    table = Table(title="svodka bench tag: ours vs plain natasha (same run)")
    for column in ("measure", "natasha", "ours", "ours / natasha", "target"):
        table.add_column(column)

    def row(name: str, base: float, ours: float, target: str, digits: int = 3) -> None:
        ratio = f"{ours / base:.2f}×" if base else "–"
        table.add_row(name, f"{base:.{digits}f}", f"{ours:.{digits}f}", ratio, target)

    base, ours, by_type, adjectives = bench_document_tags(docs, natasha)
    row(f"BSNLP doc tags F1 ({len(docs)} docs)", base.f1, ours.f1, "≥ 0.90")
    row("  precision", base.precision, ours.precision, "")
    row("  recall", base.recall, ours.recall, "")
    for entity_type, score in by_type.items():
        table.add_row(f"  ours {entity_type} P / R / F1", "",
                      f"{score.precision:.3f} / {score.recall:.3f} / {score.f1:.3f}", "", "")
    table.add_row(f"  (off) countries named only by adjectives, precision ({adjectives.tp + adjectives.fp})", "",
                  f"{adjectives.precision:.3f}", "", "")
    total, natasha_ok, ours_ok, misses = bench_normalisation(docs, natasha)
    row(f"BSNLP normalisation exact ({total} mentions)", natasha_ok / max(total, 1), ours_ok / max(total, 1),
        "≥ 0.97")
    base_f, ours_f = bench_factru(factru_docs, natasha)
    for entity_type in TYPES:
        row(f"factRuEval {entity_type} token F1", base_f[entity_type].f1, ours_f[entity_type].f1, "≥ natasha")
    if speed_docs:
        count, natasha_rate, entities_rate, whole_rate, ours_rate = bench_speed(speed_docs, workers, natasha)
        row(f"docs/s, entities only ({count} docs, {workers} warm workers)", natasha_rate, entities_rate, "",
            digits=1)
        row("docs/s, whole tagging (language, category, figures, entities; warm)", natasha_rate, whole_rate,
            "≥ 2×", digits=1)
        row("docs/s, `svodka tag` subprocess incl. start-up (natasha: warm)", natasha_rate, ours_rate, "",
            digits=1)
    console.print(table)
    if misses:
        console.print("some normalisation misses: " + "; ".join(misses[:8]))
    console.print(f"rerun: svodka bench tag --sample {sample} --factru-docs {factru_docs} "
                  f"--speed-docs {speed_docs} --workers {workers}")
