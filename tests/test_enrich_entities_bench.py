"""The scoring rules of `svodka bench tag`, and a small real-data check that ours beats plain natasha."""

from __future__ import annotations

from pathlib import Path

from svodka.corpora.bsnlp import Annotation
from svodka.enrich.bench_tag import Predicted, Score, score_document

GOLD = [
    Annotation("Токаева", "Токаев", "PER", "kz-president"),
    Annotation("Касым-Жомарт Токаев", "Касым-Жомарт Токаев", "PER", "kz-president"),
    Annotation("Астане", "Астана", "LOC", "astana"),
    Annotation("The Guardian", "The Guardian", "PRO", "guardian"),
]


def _score(predicted: list[Predicted]) -> Score:
    score = Score()
    score_document(GOLD, predicted, score)
    return score


def test_one_tag_per_entity_is_a_hit() -> None:
    score = _score([Predicted("PER", {"касым-жомарт токаев", "токаев"}), Predicted("LOC", {"астана"})])
    assert (score.tp, score.fp, score.fn) == (2, 0, 0)


def test_second_tag_for_the_same_entity_is_a_false_positive() -> None:
    score = _score([Predicted("PER", {"токаев"}), Predicted("PER", {"касым-жомарт токаев"})])
    assert (score.tp, score.fp, score.fn) == (1, 1, 1)


def test_wrong_type_and_unknown_names_are_false_positives() -> None:
    score = _score([Predicted("ORG", {"астана"}), Predicted("PER", {"иван петров"})])
    assert (score.tp, score.fp, score.fn) == (0, 2, 2)


def test_names_gold_types_outside_per_loc_org_are_not_scored() -> None:
    score = _score([Predicted("ORG", {"the guardian"})])
    assert (score.tp, score.fp, score.fn) == (0, 0, 2)


def test_ours_beats_plain_natasha_on_a_bsnlp_sample(shared_data: Path) -> None:
    from svodka.corpora.bsnlp import iter_documents
    from svodka.enrich.bench_tag import Natasha, bench_document_tags, bench_normalisation

    docs = list(iter_documents(("nord_stream",), annotated_only=True))[:12]
    natasha = Natasha()
    base, ours, _, _ = bench_document_tags(docs, natasha)
    assert ours.f1 > base.f1
    total, natasha_ok, ours_ok, _ = bench_normalisation(docs, natasha)
    assert total > 50
    assert ours_ok >= natasha_ok
    assert ours_ok / total >= 0.95
