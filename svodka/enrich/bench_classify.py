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


def _baseline_predictions(test_documents: list) -> list[str]:  # type: ignore[type-arg]
    """The plain baseline: TF-IDF + logistic regression on the same training documents (same rubric mapping),
    no weights, no word vectors, no priors or cues."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from svodka.enrich.category_train import training_documents

    documents = training_documents()
    model = make_pipeline(TfidfVectorizer(max_features=100_000, sublinear_tf=True), LogisticRegression(max_iter=300))
    model.fit([f"{d.title} {d.text}" for d in documents], [d.label for d in documents])
    return [str(label) for label in model.predict([f"{d.title} {d.text}" for d in test_documents])]


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


def bench_category(with_baseline: bool = True, console: Console | None = None) -> list[CategoryResult]:
    """Accuracy and per-class recall of the shipped model on `evaluation_documents()`, beside the baseline."""
    from svodka.enrich.category import classify_many
    from svodka.enrich.category_train import evaluation_documents

    console = console or Console(width=220)
    documents = evaluation_documents()
    gold = [d.label for d in documents]
    classify_many([("Прогрев", "Загрузка модели и векторов слов вне замера.")])
    started = time.perf_counter()
    # The URL of a tgcontest document is the only section path it has (the 2019 file has none).
    predicted = classify_many([(d.title, d.text, d.url) for d in documents])
    results = [_score("svodka (model + section + headline cues)", gold, predicted, time.perf_counter() - started)]
    started = time.perf_counter()
    text_only = classify_many([(d.title, d.text) for d in documents])
    results.append(_score("svodka, text only (no URL section)", gold, text_only, time.perf_counter() - started))
    if with_baseline:
        started = time.perf_counter()
        baseline = _baseline_predictions(documents)
        results.append(_score("baseline: plain TF-IDF + LR on the same training docs (train+predict)", gold, baseline,
                              time.perf_counter() - started))
    labels = sorted({label for result in results for label in result.recall})
    table = Table(title=f"Category accuracy on {len(documents)} tgcontest documents never trained on "
                        f"({Counter(d.source for d in documents)})")
    table.add_column("system")
    table.add_column("accuracy", justify="right")
    for label in labels:
        table.add_column(f"recall {label}", justify="right")
    table.add_column("docs/s", justify="right")
    for result in results:
        table.add_row(result.name, f"{result.accuracy:.3f}",
                      *(f"{result.recall[label][0]}/{result.recall[label][1]}" for label in labels),
                      f"{result.docs_per_second:,.0f}")
    console.print(table)
    console.print(confusion_table(gold, predicted, f"Confusion and per-class F1 of {results[0].name}"))
    if with_baseline:
        console.print(f"ratio accuracy ours/baseline: {results[0].accuracy / max(results[-1].accuracy, 1e-9):.2f}")
    console.print("reproduce: .venv/bin/svodka bench category")
    return results


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
