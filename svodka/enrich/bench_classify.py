"""Benchmarks of the category model (tgcontest documents never trained on) and of money extraction (NEREL).

Each prints a rich table with the plain baseline of the same run beside ours, and the command that reproduces it.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from svodka.corpora import require_shared_data


@dataclass
class CategoryResult:
    name: str
    accuracy: float
    recall: dict[str, tuple[int, int]] = field(default_factory=dict)
    docs_per_second: float = 0.0


def _score(name: str, gold: list[str], predicted: list[str], seconds: float) -> CategoryResult:
    recall: dict[str, tuple[int, int]] = {}
    for label in sorted(set(gold)):
        pairs = [(g, p) for g, p in zip(gold, predicted, strict=True) if g == label]
        recall[label] = (sum(g == p for g, p in pairs), len(pairs))
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / max(len(gold), 1)
    return CategoryResult(name, accuracy, recall, len(gold) / max(seconds, 1e-9))


def _baseline_predictions(train_documents: list, test_documents: list) -> list[str]:  # type: ignore[type-arg]
    """The plain baseline: TF-IDF + logistic regression on the rubric corpora read by the default rubric -> category
    mapping plus the given in-domain training documents; no weights, no word vectors, no calibrator or cues."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from svodka.enrich.category_train import RUBRIC_CATEGORIES

    corpus = _rubric_corpus()
    texts = [f"{d.title} {d.text}" for d in corpus] + [f"{d.title} {d.text}" for d in train_documents]
    labels = [RUBRIC_CATEGORIES[d.label] for d in corpus] + [d.label for d in train_documents]
    model = make_pipeline(TfidfVectorizer(max_features=100_000, sublinear_tf=True), LogisticRegression(max_iter=300))
    model.fit(texts, labels)
    return [str(label) for label in model.predict([f"{d.title} {d.text}" for d in test_documents])]


_corpus_cache: list = []  # type: ignore[type-arg]


def _rubric_corpus() -> list:  # type: ignore[type-arg]
    """`rubric_documents()`, read once per process (the baseline is fitted once per fold)."""
    from svodka.enrich.category_train import rubric_documents

    if not _corpus_cache:
        _corpus_cache.extend(rubric_documents())
    return _corpus_cache


def confusion_table(gold: list[str], predicted: list[str], title: str) -> Table:
    """A rich table: rows are gold labels, columns predicted labels, then precision, recall and F1 per class."""
    labels = sorted(set(gold) | set(predicted))
    counts = Counter(zip(gold, predicted, strict=True))
    table = Table(title=title)
    table.add_column("gold \\ predicted")
    for label in labels:
        table.add_column(label[:7], justify="right")
    for column in ("precision", "recall", "F1"):
        table.add_column(column, justify="right")
    for label in labels:
        true_positive = counts[(label, label)]
        predicted_total = sum(counts[(other, label)] for other in labels)
        gold_total = sum(counts[(label, other)] for other in labels)
        precision = true_positive / max(predicted_total, 1)
        recall = true_positive / max(gold_total, 1)
        f1 = 2 * precision * recall / max(precision + recall, 1e-9)
        table.add_row(label, *(str(counts[(label, other)] or "·") for other in labels),
                      f"{precision:.2f}", f"{recall:.2f}", f"{f1:.2f}")
    return table


def _calibrated_labels(calibrator, features, documents: list, with_section: bool) -> list[str]:  # type: ignore[no-untyped-def, type-arg]
    """Final labels of `documents` from a calibrator over precomputed features, through `combine`."""
    from svodka.enrich.category import combine

    names = [str(label) for label in calibrator.classes_]
    rows = calibrator.predict_proba(features)
    return [combine(dict(zip(names, map(float, row), strict=True)), d.title, d.url if with_section else None, None,
                    d.text) for row, d in zip(rows, documents, strict=True)]


def _default_reading(features, rubric_count: int, documents: list) -> list[str]:  # type: ignore[no-untyped-def, type-arg]
    """Labels from the rubric model alone (its default rubric -> category reading), URL section and horoscope rule:
    no in-domain training at all."""
    import numpy as np

    from svodka.enrich.category import combine
    from svodka.enrich.lexicons import CATEGORIES

    grouped = np.exp(features[:, rubric_count:rubric_count + len(CATEGORIES)])
    return [combine(dict(zip(CATEGORIES, map(float, row), strict=True)), d.title, d.url, None, d.text)
            for row, d in zip(grouped, documents, strict=True)]


def _result_table(title: str, results: list[CategoryResult]) -> Table:
    labels = sorted({label for result in results for label in result.recall})
    table = Table(title=title)
    table.add_column("system")
    table.add_column("accuracy", justify="right")
    for label in labels:
        table.add_column(f"recall {label}", justify="right")
    table.add_column("docs/s", justify="right")
    for result in results:
        table.add_row(result.name, f"{result.accuracy:.3f}",
                      *(f"{result.recall[label][0]}/{result.recall[label][1]}" for label in labels),
                      f"{result.docs_per_second:,.0f}" if result.docs_per_second else "—")
    return table


def bench_category(with_baseline: bool = True, console: Console | None = None) -> list[CategoryResult]:
    """Category accuracy measured two ways, each beside the plain baseline of the same run:

    1. k-fold cross-validation over every in-domain tgcontest document: each is labelled by a calibrator fitted on
       the other folds (the shipped rubric model never saw any in-domain document);
    2. the fixed held-out split (`evaluation_documents`): a calibrator fitted on the split's training part only.
    Returns the results of table 1, then table 2.
    """
    import numpy as np

    from svodka.enrich.category import classify_many, load_model
    from svodka.enrich.category_calibration import FOLDS, build_calibrator, fold_indices
    from svodka.enrich.category_train import (
        calibration_inputs,
        in_domain_documents,
        tgcontest_split,
        unique_documents,
    )

    console = console or Console(width=220)
    shipped = load_model()
    regularisation = float(shipped.calibrator.named_steps["logisticregression"].C)
    rubric_count = len(shipped.rubric_labels)

    # Speed of the shipped classifier over the in-domain documents (warm model, one batch).
    documents = in_domain_documents()
    classify_many([("Прогрев", "Загрузка модели и векторов слов вне замера.")])
    started = time.perf_counter()
    classify_many([(d.title, d.text, d.url) for d in documents])
    docs_per_second = len(documents) / max(time.perf_counter() - started, 1e-9)

    # 1. Cross-validation over all in-domain documents.
    gold = [d.label for d in documents]
    features = calibration_inputs(shipped.rubric_model, documents)
    folds = fold_indices(gold)
    predicted: list[str] = [""] * len(documents)
    text_only: list[str] = [""] * len(documents)
    baseline: list[str] = [""] * len(documents)
    baseline_seconds = 0.0
    for train, test in folds:
        calibrator = build_calibrator(regularisation).fit(features[train], np.asarray(gold)[train])
        test_documents = [documents[i] for i in test]
        for index, label in zip(test, _calibrated_labels(calibrator, features[test], test_documents, True),
                                strict=True):
            predicted[index] = label
        for index, label in zip(test, _calibrated_labels(calibrator, features[test], test_documents, False),
                                strict=True):
            text_only[index] = label
        if with_baseline:
            started = time.perf_counter()
            labels = _baseline_predictions([documents[i] for i in train], test_documents)
            baseline_seconds += time.perf_counter() - started
            for index, label in zip(test, labels, strict=True):
                baseline[index] = label
    cv_results = [
        _score(f"svodka: rubric model + calibrator (C={regularisation}) + URL section", gold, predicted, 1.0),
        _score("svodka, text only (no URL section)", gold, text_only, 1.0),
        _score("svodka rubric model, default rubric reading, no in-domain training", gold,
               _default_reading(features, rubric_count, documents), 1.0),
    ]
    if with_baseline:
        cv_results.append(_score("baseline: plain TF-IDF + LR on corpora + the other folds (train+predict)", gold,
                                 baseline, baseline_seconds))
    for result in cv_results[:3]:
        result.docs_per_second = docs_per_second if result is cv_results[0] else 0.0
    console.print(_result_table(
        f"Table 1 — {FOLDS}-fold cross-validation over all {len(documents)} in-domain tgcontest documents "
        f"(each labelled by a calibrator that never saw it; {dict(Counter(d.source for d in documents))})",
        cv_results))
    console.print(confusion_table(gold, predicted, f"Confusion and per-class F1 (table 1): {cv_results[0].name}"))
    if with_baseline:
        console.print(f"ratio accuracy ours/baseline (table 1): "
                      f"{cv_results[0].accuracy / max(cv_results[-1].accuracy, 1e-9):.2f}")

    # 2. The fixed held-out split, as measured before: the calibrator learns from the training part only.
    training, evaluation = tgcontest_split()
    training = unique_documents(training)
    calibrator = build_calibrator(regularisation).fit(calibration_inputs(shipped.rubric_model, training),
                                                      np.asarray([d.label for d in training]))
    split_gold = [d.label for d in evaluation]
    split_features = calibration_inputs(shipped.rubric_model, evaluation)
    split_predicted = _calibrated_labels(calibrator, split_features, evaluation, True)
    split_results = [
        _score("svodka: rubric model + calibrator fitted on the split's training part + URL section", split_gold,
               split_predicted, 1.0),
        _score("svodka, text only (no URL section)", split_gold,
               _calibrated_labels(calibrator, split_features, evaluation, False), 1.0),
    ]
    if with_baseline:
        started = time.perf_counter()
        split_baseline = _baseline_predictions(training, evaluation)
        split_results.append(_score("baseline: plain TF-IDF + LR on corpora + the split's training part",
                                    split_gold, split_baseline, time.perf_counter() - started))
    for result in split_results[:2]:
        result.docs_per_second = 0.0
    console.print(_result_table(
        f"Table 2 — fixed held-out split: {len(evaluation)} tgcontest documents "
        f"({dict(Counter(d.source for d in evaluation))}), calibrator trained on the other {len(training)}",
        split_results))
    console.print(confusion_table(split_gold, split_predicted,
                                  f"Confusion and per-class F1 (table 2): {split_results[0].name}"))
    if with_baseline:
        console.print(f"ratio accuracy ours/baseline (table 2): "
                      f"{split_results[0].accuracy / max(split_results[-1].accuracy, 1e-9):.2f}")
    console.print(f"the calibrator's C={regularisation} was chosen by repeated {FOLDS}-fold CV over the same "
                  "in-domain documents when the shipped model was trained (`svodka train category`)")
    console.print("reproduce: .venv/bin/svodka bench category")
    return cv_results + split_results


# A NEREL MONEY span that states an amount (not a bare currency name such as "биткоина").
_AMOUNT = re.compile(r"\d|тысяч|миллион|миллиард|триллион|полтор|четверт|несколько|сотн|десят|один|два|три|пят|"
                     r"шест|сем|восем|девят", re.IGNORECASE)


@dataclass
class MoneyResult:
    name: str
    gold: int
    predicted: int
    recall: float
    precision: float
    docs_per_second: float
    amount_recall: float = 0.0


def nerel_documents(split: str = "test") -> list[tuple[str, list[tuple[int, int]]]]:
    """(text, MONEY spans) of the NEREL documents of a split ("train", "dev", "test" or "all")."""
    root = require_shared_data("nerel")
    splits = ["train", "dev", "test"] if split == "all" else [split]
    documents = []
    for name in splits:
        for ann_path in sorted((root / name).glob("*.ann")):
            text = ann_path.with_suffix(".txt").read_text(encoding="utf-8")
            spans = []
            for line in ann_path.read_text(encoding="utf-8").splitlines():
                parts = line.split("\t")
                if line.startswith("T") and len(parts) >= 2 and parts[1].startswith("MONEY ") and ";" not in parts[1]:
                    _, start, end = parts[1].split(" ")
                    spans.append((int(start), int(end)))
            documents.append((text, spans))
    return documents


def _overlap_scores(documents: list[tuple[str, list[tuple[int, int]]]],
                    extract: Callable[[str], list[tuple[int, int]]], name: str) -> MoneyResult:
    """Span-overlap matching: a gold span is found if any prediction overlaps it, a prediction is right if it
    overlaps any gold span."""
    found = gold_total = predicted_total = correct = amounts = amounts_found = 0
    started = time.perf_counter()
    predictions = [extract(text) for text, _ in documents]
    seconds = time.perf_counter() - started
    for (text, gold), predicted in zip(documents, predictions, strict=True):
        gold_total += len(gold)
        predicted_total += len(predicted)
        hits = [any(s < pe and ps < e for ps, pe in predicted) for s, e in gold]
        found += sum(hits)
        with_amount = [bool(_AMOUNT.search(text[s:e])) for s, e in gold]
        amounts += sum(with_amount)
        amounts_found += sum(hit for hit, amount in zip(hits, with_amount, strict=True) if amount)
        correct += sum(any(s < pe and ps < e for s, e in gold) for ps, pe in predicted)
    return MoneyResult(name, gold_total, predicted_total, found / max(gold_total, 1),
                       correct / max(predicted_total, 1), len(documents) / max(seconds, 1e-9),
                       amounts_found / max(amounts, 1))


def bench_figures(split: str = "test", console: Console | None = None) -> list[MoneyResult]:
    """NEREL MONEY recall/precision (span overlap) of `extract_figures` beside natasha's MoneyExtractor."""
    from natasha import MoneyExtractor, MorphVocab

    from svodka.enrich.figures import extract_figures

    console = console or Console(width=220)
    documents = nerel_documents(split)
    natasha_extractor = MoneyExtractor(MorphVocab())
    extract_figures("Прогрев: 5 млн тенге.")  # builds the grammars outside the timing

    def ours(text: str) -> list[tuple[int, int]]:
        return [(f.start, f.end) for f in extract_figures(text) if f.kind == "money"]

    def natasha(text: str) -> list[tuple[int, int]]:
        return [(match.start, match.stop) for match in natasha_extractor(text)]

    results = [_overlap_scores(documents, ours, "svodka extract_figures (money)"),
               _overlap_scores(documents, natasha, "natasha MoneyExtractor")]
    table = Table(title=f"NEREL MONEY, split {split}: {len(documents)} documents, span-overlap matching")
    for column in ("system", "gold", "predicted", "recall", "precision", "recall (amounts)", "docs/s"):
        table.add_column(column, justify="left" if column == "system" else "right")
    for result in results:
        table.add_row(result.name, str(result.gold), str(result.predicted), f"{result.recall:.3f}",
                      f"{result.precision:.3f}", f"{result.amount_recall:.3f}", f"{result.docs_per_second:,.1f}")
    console.print(table)
    console.print("recall (amounts): gold spans with a digit or a number word; NEREL also marks bare currency "
                  "names (\"биткоина\", \"в долларах\") as MONEY, which are not figures")
    console.print(f"ratio recall ours/natasha: {results[0].recall / max(results[1].recall, 1e-9):.2f}")
    console.print(f"reproduce: .venv/bin/svodka bench figures --split {split}")
    return results


def misses(split: str = "dev") -> list[tuple[str, str]]:
    """(kind, text) of NEREL MONEY spans we miss and of our money spans NEREL does not have (for development)."""
    from svodka.enrich.figures import extract_figures

    result = []
    for text, gold in nerel_documents(split):
        predicted = [(f.start, f.end) for f in extract_figures(text) if f.kind == "money"]
        result += [("missed", text[s:e]) for s, e in gold if not any(s < pe and ps < e for ps, pe in predicted)]
        result += [("extra", re.sub(r"\s+", " ", text[max(ps - 30, 0):pe + 10]))
                   for ps, pe in predicted if not any(s < pe and ps < e for s, e in gold)]
    return result


_ = Path
